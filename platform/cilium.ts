// Every name of Cilium's part of the network, defined once.

import { CILIUM_CHART, KUBE_SYSTEM } from "../policy/definitions";

export const CILIUM = {
    chart: CILIUM_CHART,
    repository: "https://helm.cilium.io/",
    release: "cilium",
    namespace: KUBE_SYSTEM,
    /** What the chart names the agents and the operator. */
    agentDaemonSet: "cilium",
    operatorDeployment: "cilium-operator",
} as const;

/** CRDs the Cilium operator registers when it starts (the chart ships none). */
export const OPERATOR_REGISTERED_CRDS = [
    "ciliumnetworkpolicies.cilium.io",
    "ciliumclusterwidenetworkpolicies.cilium.io",
] as const;

// Names, labels and ports the chart gives Hubble's pods. Policies match the
// pod (target) port, which is what Cilium sees after service translation.
export const HUBBLE_UI = { service: "hubble-ui", namespace: CILIUM.namespace, servicePort: 80, targetPort: 8081, labels: { "k8s-app": "hubble-ui" } } as const;
export const HUBBLE_RELAY = { service: "hubble-relay", namespace: CILIUM.namespace, servicePort: 80, targetPort: 4245, labels: { "k8s-app": "hubble-relay" } } as const;
/** The Hubble server of each Cilium agent (host network), behind the hubble-peer Service. */
export const HUBBLE_AGENT_PORT = 4244;

/**
 * Hubble's mTLS certificates, renewed by the chart's cilium-certgen Job and
 * CronJob (`hubble.tls.auto.method: cronJob`) in kube-system. Its pods run on
 * the pod network with these labels and write Secrets through the API server,
 * so no CiliumNetworkPolicy of kube-system may select them without allowing that.
 */
export const HUBBLE_TLS = {
    certgen: { name: "hubble-generate-certs", namespace: CILIUM.namespace, labels: { "k8s-app": "hubble-generate-certs" } },
    /** The chart's default: certificates valid for one year. */
    certValidityDays: 365,
    /** Renewed at midnight on the first day of every fourth month (the chart's default), three times per validity. */
    renewalSchedule: "0 0 1 */4 *",
    /**
     * The CA certgen creates once (--ca-generate --ca-reuse-secret: only when
     * the Secret is missing) and never renews; valid three years. The
     * post-deploy check fails when fewer than minDays are left, and names the
     * steps that rotate it: delete it and the leaf Secrets signed by it (the
     * agents' server certificate, Relay's client certificate; Relay's server
     * TLS is off), rerun the CronJob, restart the pods that hold them.
     */
    ca: {
        namespace: CILIUM.namespace,
        secret: "cilium-ca",
        key: "ca.crt",
        minDays: 90,
        leafSecrets: ["hubble-server-certs", "hubble-relay-client-certs"],
        cronJob: "hubble-generate-certs",
        restart: [`daemonset/${CILIUM.agentDaemonSet}`, "deployment/hubble-relay"],
    },
} as const;

// Platform pods an Application may talk to or hear from, named through the
// definitions of the parts that deploy them, never through typed-in labels.
// `managed` pods have CiliumNetworkPolicies of this program's: a connection
// with them is allowed on their side too. CoreDNS is K3s's own and runs
// without a policy, so only the Application's side is written. Pure.

import { ARGOCD } from "./argocd";
import { HUBBLE_RELAY, HUBBLE_UI } from "./cilium";
import { KUBE_DNS_PODS } from "./k3s";
import { TRAEFIK } from "./traefik";

/** Kubernetes labels: a pod selector's, or a pod's. */
export type Labels = Record<string, string>;

export interface PlatformPods {
    readonly namespace: string;
    readonly labels: Labels;
    /** Whether a policy of this program selects these pods (and must allow the other end). */
    readonly managed: boolean;
    /** What the pods are, for messages and docs. */
    readonly what: string;
}

const argoCd = (component: string, what: string): PlatformPods =>
    ({ namespace: ARGOCD.namespace, labels: { "app.kubernetes.io/name": `${ARGOCD.fullnameOverride}-${component}` }, managed: true, what });

export const PLATFORM_PODS = {
    "traefik": { namespace: TRAEFIK.namespace, labels: { ...TRAEFIK.podLabels }, managed: true, what: "Traefik, the ingress controller" },
    "argocd-server": argoCd("server", "Argo CD's API and UI (OIDC client of an identity provider)"),
    "argocd-repo-server": argoCd("repo-server", "Argo CD's repository server"),
    "argocd-application-controller": argoCd("application-controller", "Argo CD's application controller (metrics)"),
    "argocd-applicationset-controller": argoCd("applicationset-controller", "Argo CD's ApplicationSet controller (metrics, webhooks)"),
    "hubble-relay": { namespace: HUBBLE_RELAY.namespace, labels: { ...HUBBLE_RELAY.labels }, managed: true, what: "Hubble Relay (metrics)" },
    "hubble-ui": { namespace: HUBBLE_UI.namespace, labels: { ...HUBBLE_UI.labels }, managed: true, what: "Hubble UI" },
    "coredns": { namespace: KUBE_DNS_PODS.namespace, labels: { ...KUBE_DNS_PODS.labels }, managed: false, what: "K3s's CoreDNS (metrics on 9153)" },

} as const satisfies Record<string, PlatformPods>;

export type PlatformId = keyof typeof PLATFORM_PODS;

export const PLATFORM_IDS = Object.keys(PLATFORM_PODS) as PlatformId[];

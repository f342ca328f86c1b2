// The CiliumNetworkPolicies of the platform's own workloads: Traefik, the
// kube-vip cloud provider, Hubble and Argo CD. Each allows exactly what the
// component needs; kube-vip and the Cilium agents run on the host network,
// which CiliumNetworkPolicies do not govern. Pure.

import type { ApplicationSpec, PortSpec } from "./applicationSpec";
import { HUBBLE_AGENT_PORT, HUBBLE_RELAY, HUBBLE_UI } from "./ciliumValues";
import { CLOUD_PROVIDER_LABELS } from "./kubeVipManifests";
import { API_SERVER, Connection, DNS_PORTS, KUBE_DNS, WorkloadPolicy } from "./networkPolicies";
import { TRAEFIK_NAMESPACE, TRAEFIK_POD_LABELS, TraefikLayout } from "./traefikValues";

const tcp = (...ports: number[]): PortSpec[] => ports.map(port => ({ port, protocol: "TCP" }));
const dns: Connection = { peer: KUBE_DNS, ports: DNS_PORTS };
const apiServer: Connection = { peer: API_SERVER, ports: [] };

export const ARGOCD_NAMESPACE = "argocd";
/**
 * `app.kubernetes.io/name` of the Argo CD pods that call the Kubernetes API.
 * argocd-redis-secret-init is the chart's pre-install/pre-upgrade hook Job that
 * creates the Redis password Secret: blocked, it would hold the install until
 * Helm's timeout and every Argo CD pod would wait for that Secret.
 */
export const ARGOCD_API_CLIENTS = [
    "argocd-server",
    "argocd-application-controller",
    "argocd-applicationset-controller",
    "argocd-redis-secret-init",
] as const;
export const ARGOCD_REPO_SERVER = { "app.kubernetes.io/name": "argocd-repo-server" } as const;

/** The TCP port a repository URL is fetched on: its own, or its scheme's. */
export function repositoryPort(repoURL: string): number {
    if (repoURL.startsWith("git@")) {
        return 22;
    }
    const url = new URL(repoURL);
    if (url.port !== "") {
        const port = Number(url.port);
        if (port < 1) {
            // Port 0 in a CiliumNetworkPolicy would open every port; the config edge refuses it.
            throw new Error(`${repoURL} names no usable port`);
        }
        return port;
    }
    return url.protocol === "ssh:" ? 22 : url.protocol === "http:" ? 80 : 443;
}

/** Ports the repo server needs to fetch the Applications' sources. */
export function repositoryPorts(apps: readonly ApplicationSpec[]): PortSpec[] {
    const ports = new Set<number>();
    for (const app of apps) {
        ports.add(repositoryPort(app.repoURL));
    }
    // Argo CD's own chart repositories and Git hosting are reached over HTTPS.
    ports.add(443);
    return tcp(...[...ports].sort((a, b) => a - b));
}

export const platformPolicies = {
    /** LAN clients reach the entrypoints; Traefik reaches the API (to watch Ingresses) and its backends. */
    traefik(layout: TraefikLayout, backends: readonly Connection[]): WorkloadPolicy[] {
        const entrypoints = [...layout.primary.entrypoints, ...layout.secondary.entrypoints];
        return [{
            name: "traefik",
            namespace: TRAEFIK_NAMESPACE,
            podLabels: { ...TRAEFIK_POD_LABELS },
            // Traffic to a VIP arrives from the LAN (world) or, when another
            // node forwards it, from that node (remote-node, host).
            ingress: [{ peer: { kind: "entities", entities: ["world", "remote-node", "host"] }, ports: tcp(...entrypoints.map(e => e.port)) }],
            egress: [dns, apiServer, ...backends],
        }];
    },

    /** The cloud provider only talks to the API server. */
    cloudProvider(): WorkloadPolicy[] {
        return [{ name: "kube-vip-cloud-provider", namespace: "kube-system", podLabels: { ...CLOUD_PROVIDER_LABELS }, ingress: [], egress: [apiServer] }];
    },

    /** Hubble UI -> Relay -> the agents' Hubble servers on every node. */
    hubble(): WorkloadPolicy[] {
        const relay = { kind: "pods", namespace: HUBBLE_RELAY.namespace, labels: { ...HUBBLE_RELAY.labels } } as const;
        return [
            {
                name: "hubble-ui",
                namespace: HUBBLE_UI.namespace,
                podLabels: { ...HUBBLE_UI.labels },
                // Reached with kubectl port-forward, which policies do not see.
                ingress: [],
                egress: [dns, apiServer, { peer: relay, ports: tcp(HUBBLE_RELAY.targetPort) }],
            },
            {
                name: "hubble-relay",
                namespace: HUBBLE_RELAY.namespace,
                podLabels: { ...HUBBLE_RELAY.labels },
                ingress: [{ peer: { kind: "pods", namespace: HUBBLE_UI.namespace, labels: { ...HUBBLE_UI.labels } }, ports: tcp(HUBBLE_RELAY.targetPort) }],
                egress: [dns, { peer: { kind: "entities", entities: ["host", "remote-node"] }, ports: tcp(HUBBLE_AGENT_PORT) }],
            },
        ];
    },

    /** Argo CD talks to itself, the API server and the Applications' repositories. */
    argoCd(apps: readonly ApplicationSpec[]): WorkloadPolicy[] {
        const ownPods = { kind: "pods", namespace: ARGOCD_NAMESPACE, labels: {} } as const;
        const whole = { namespace: ARGOCD_NAMESPACE, podLabels: {} };
        return [
            { name: "default-deny", ...whole, ingress: [], egress: [] },
            { name: "allow-dns", ...whole, egress: [dns] },
            { name: "allow-same-namespace", ...whole, ingress: [{ peer: ownPods, ports: [] }], egress: [{ peer: ownPods, ports: [] }] },
            {
                name: "allow-to-apiserver",
                ...whole,
                podLabelIn: { key: "app.kubernetes.io/name", values: [...ARGOCD_API_CLIENTS] },
                egress: [apiServer],
            },
            {
                name: "allow-repo-server-to-repositories",
                namespace: ARGOCD_NAMESPACE,
                podLabels: { ...ARGOCD_REPO_SERVER },
                egress: [{ peer: { kind: "entities", entities: ["world"] }, ports: repositoryPorts(apps) }],
            },
        ];
    },
};

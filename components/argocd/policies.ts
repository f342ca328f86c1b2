// Argo CD's own CiliumNetworkPolicies: its namespace's baseline, the API for
// the pods that call it, and the Applications' repositories for the repo
// server. Pure.

import type { ApplicationSpec, PortSpec } from "../../config/applications";
import { ConnectionPolicies, platformConnectionPolicies } from "../network-policy/graph";
import { PlatformId } from "../../platform/pods";
import { TO_API_SERVER, WorkloadPolicy, namespaceBaseline, tcp, withinNamespace } from "../network-policy/policy";
import { ARGOCD, ARGOCD_API_CLIENTS, ARGOCD_REPO_SERVER_LABELS } from "./names";

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

/** Argo CD's pods that Applications may connect to (an OIDC provider called by the server, metrics). */
const ARGOCD_PLATFORM_IDS: readonly PlatformId[] = ["argocd-server", "argocd-repo-server", "argocd-application-controller", "argocd-applicationset-controller"];

/**
 * Argo CD talks to itself, the API server and the Applications' repositories,
 * and takes part in the connections Applications declare with its pods.
 */
export function argoCdPolicies(apps: readonly ApplicationSpec[], graph: ConnectionPolicies): WorkloadPolicy[] {
    return [
        ...namespaceBaseline(ARGOCD.namespace),
        withinNamespace(ARGOCD.namespace),
        {
            name: "allow-to-apiserver",
            namespace: ARGOCD.namespace,
            podLabels: {},
            podLabelIn: { key: "app.kubernetes.io/name", values: [...ARGOCD_API_CLIENTS] },
            egress: [TO_API_SERVER],
        },
        {
            name: "allow-repo-server-to-repositories",
            namespace: ARGOCD.namespace,
            podLabels: { ...ARGOCD_REPO_SERVER_LABELS },
            egress: [{ peer: { kind: "entities", entities: ["world"] }, ports: repositoryPorts(apps) }],
        },
        ...ARGOCD_PLATFORM_IDS.flatMap(id => platformConnectionPolicies(id, graph)),
    ];
}

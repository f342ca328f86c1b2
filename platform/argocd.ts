// Every name of Argo CD's part of the network, defined once.

import { ARGOCD_IN_CLUSTER, CHARTS, PLATFORM_NAMESPACES } from "../policy/definitions";

export const ARGOCD = {
    chart: CHARTS.argoCd,
    repository: "https://argoproj.github.io/argo-helm",
    release: "argocd",
    namespace: PLATFORM_NAMESPACES.argoCd,
    /** Object names argocd-server, argocd-repo-server, ... whatever the release is called. */
    fullnameOverride: "argocd",
    /** The server the Applications deploy to: the cluster Argo CD runs in. */
    inClusterServer: ARGOCD_IN_CLUSTER.server,
} as const;

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

export const ARGOCD_REPO_SERVER_LABELS = { "app.kubernetes.io/name": "argocd-repo-server" } as const;

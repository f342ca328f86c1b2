// The argo-cd chart's values. Pure, so every key is asserted in tests.

export const ARGOCD_RELEASE = "argocd";
export const ARGOCD_REPOSITORY = "https://argoproj.github.io/argo-helm";

export interface ArgoCdSettings {
    /** bcrypt hash of the admin password; absent lets Argo CD generate one. */
    readonly adminPasswordBcrypt?: string;
}

export function argoCdValues(settings: ArgoCdSettings) {
    return {
        // Object names argocd-server, argocd-repo-server, ... whatever the release is called.
        fullnameOverride: "argocd",
        crds: { install: true, keep: true },
        // Chart 10 creates Kubernetes NetworkPolicies by default. Cilium allows
        // what any policy allows, so they would widen the CiliumNetworkPolicies
        // this stack gives Argo CD (argocd-server open to every namespace).
        global: { networkPolicy: { create: false } },
        // Reached with kubectl port-forward; no Service on the LAN.
        server: { service: { type: "ClusterIP" } },
        dex: { enabled: false },
        notifications: { enabled: false },
        configs: {
            secret: settings.adminPasswordBcrypt === undefined ? {} : { argocdServerAdminPassword: settings.adminPasswordBcrypt },
        },
    };
}

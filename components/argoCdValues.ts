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
        // Reached with kubectl port-forward; no Service on the LAN.
        server: { service: { type: "ClusterIP" } },
        dex: { enabled: false },
        notifications: { enabled: false },
        configs: {
            secret: settings.adminPasswordBcrypt === undefined ? {} : { argocdServerAdminPassword: settings.adminPasswordBcrypt },
        },
    };
}

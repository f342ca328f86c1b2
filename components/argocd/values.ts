// The argo-cd chart's values. Pure, so every key is asserted in tests.

import { ARGOCD } from "./names";

export interface ArgoCdSettings {
    /** bcrypt hash of the admin password; absent lets Argo CD generate one. */
    readonly adminPasswordBcrypt?: string;
}

export function argoCdValues(settings: ArgoCdSettings) {
    return {
        fullnameOverride: ARGOCD.fullnameOverride,
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
            // Kustomize directories that render Helm charts (helmCharts:), as
            // GitOps repositories of homelabs commonly hold, need --enable-helm.
            cm: { "kustomize.buildOptions": "--enable-helm" },
            secret: settings.adminPasswordBcrypt === undefined ? {} : { argocdServerAdminPassword: settings.adminPasswordBcrypt },
        },
    };
}

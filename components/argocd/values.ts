// The argo-cd chart's values. Pure, so every key is asserted in tests.

import type { UiRoute } from "../../config/platformAccess";
import { routeAnnotations } from "../traefik/names";
import { ARGOCD } from "./names";
import { resourceCustomizations, resourceExclusionsText } from "./ownership";
import { KUSTOMIZE_BUILD_OPTIONS, SOPS, sopsPlugin, sopsRepoServerValues } from "./sops";

export interface ArgoCdSettings {
    /** bcrypt hash of the admin password; absent lets Argo CD generate one. */
    readonly adminPasswordBcrypt?: string;
    /** Whether the stack holds an age key: the repo server then decrypts SOPS files. */
    readonly sops?: boolean;
    /** The server's hostname on Traefik; absent, it is reached with kubectl port-forward. */
    readonly ui?: UiRoute;
}

/** Argo CD's server behind Traefik: Traefik terminates TLS and calls the server in plain HTTP. */
function serverValues(ui: UiRoute | undefined) {
    if (ui === undefined) {
        // Reached with kubectl port-forward; no Service on the LAN.
        return { service: { type: "ClusterIP" } };
    }
    return {
        service: { type: "ClusterIP" },
        ingress: {
            enabled: true,
            ingressClassName: "traefik",
            annotations: routeAnnotations(ui),
            hostname: ui.hostname,
            ...(ui.tlsSecretName === undefined ? {} : { extraTls: [{ hosts: [ui.hostname], secretName: ui.tlsSecretName }] }),
        },
    };
}

export function argoCdValues(settings: ArgoCdSettings) {
    const sops = settings.sops === true;
    return {
        fullnameOverride: ARGOCD.fullnameOverride,
        crds: { install: true, keep: true },
        // Chart 10 creates Kubernetes NetworkPolicies by default. Cilium allows
        // what any policy allows, so they would widen the CiliumNetworkPolicies
        // this stack gives Argo CD (argocd-server open to every namespace).
        global: { networkPolicy: { create: false } },
        server: serverValues(settings.ui),
        dex: { enabled: false },
        notifications: { enabled: false },
        configs: {
            cm: {
                // Kustomize directories that render Helm charts (helmCharts:), as
                // GitOps repositories of homelabs commonly hold, need --enable-helm;
                // KSOPS generators need the exec plugins too, and only run with the key.
                "kustomize.buildOptions": sops ? KUSTOMIZE_BUILD_OPTIONS.sops : KUSTOMIZE_BUILD_OPTIONS.plain,
                "resource.exclusions": resourceExclusionsText(),
                ...resourceCustomizations(),
            },
            ...(settings.ui === undefined ? {} : { params: { "server.insecure": true } }),
            ...(sops ? { cmp: { create: true, plugins: { [SOPS.plugin]: sopsPlugin() } } } : {}),
            secret: settings.adminPasswordBcrypt === undefined ? {} : { argocdServerAdminPassword: settings.adminPasswordBcrypt },
        },
        ...(sops ? { repoServer: sopsRepoServerValues() } : {}),
    };
}

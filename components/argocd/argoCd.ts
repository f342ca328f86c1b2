import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ApplicationSpec } from "../../config/applications";
import type { UiRoute } from "../../config/platformAccess";
import { NetworkComponent } from "../component";
import type { ConnectionPolicies } from "../network-policy/graph";
import { namespacedRelease } from "../namespacedRelease";
import { ARGOCD } from "./names";
import { argoCdPolicies } from "./policies";
import { SOPS, ageKeyFile } from "./sops";
import { ArgoCdSettings, argoCdValues } from "./values";

export interface ArgoCdArgs {
    readonly chartVersion: string;
    /** The Applications Argo CD will sync, for its repo server's egress. */
    readonly applications: readonly ApplicationSpec[];
    /** The Applications' connections, some of which involve Argo CD's pods. */
    readonly connections: ConnectionPolicies;
    /** bcrypt hash of the admin password (a secret); absent, Argo CD generates one. */
    readonly adminPasswordBcrypt?: pulumi.Output<string>;
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
    /** The age key SOPS decrypts with (a secret); absent, no SOPS tooling is deployed. */
    readonly sopsAgeKey?: pulumi.Output<string>;
    /** The server's hostname on Traefik; absent, it is reached with kubectl port-forward. */
    readonly ui?: UiRoute;
    /** The URL of that route. */
    readonly url?: string;
}

/**
 * How to reach Argo CD. argocd-server writes argocd-initial-admin-secret only
 * when no admin password is configured, so the hint depends on that.
 */
export function argoCdAccess(passwordConfigured: boolean, url?: string): string {
    const password = passwordConfigured
        ? "the password whose bcrypt hash is argoCdAdminPasswordBcrypt"
        : `kubectl -n ${ARGOCD.namespace} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`;
    const open = url === undefined
        ? `kubectl -n ${ARGOCD.namespace} port-forward svc/${ARGOCD.fullnameOverride}-server 8080:443, then open https://localhost:8080`
        : `open ${url}`;
    return `${open} (user admin; password: ${password})`;
}

/** Argo CD, whose chart also installs the Application CRDs. */
export class ArgoCd extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: string = ARGOCD.namespace;
    public readonly access: string;

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:ArgoCd", name, opts);
        const settings: ArgoCdSettings = { sops: args.sopsAgeKey !== undefined, ...(args.ui === undefined ? {} : { ui: args.ui }) };
        const values = args.adminPasswordBcrypt === undefined
            ? argoCdValues(settings)
            : args.adminPasswordBcrypt.apply(hash => argoCdValues({ ...settings, adminPasswordBcrypt: hash }));
        const ageKey = args.sopsAgeKey;
        this.release = namespacedRelease(this, name, {
            namespace: ARGOCD.namespace,
            policies: argoCdPolicies(args.applications, args.connections),
            ciliumCrds: args.ciliumCrds,
            release: { name: ARGOCD.release, chart: ARGOCD.chart, repository: ARGOCD.repository, version: args.chartVersion, values },
            // The repo server mounts the key; its pod would not start without the Secret.
            beforeRelease: namespace => ageKey === undefined ? [] : [new k8s.core.v1.Secret(`${name}-sops-age`, {
                metadata: { name: SOPS.ageSecret, namespace: ARGOCD.namespace },
                type: "Opaque",
                stringData: { [SOPS.ageSecretKey]: pulumi.secret(ageKey.apply(ageKeyFile)) },
            }, this.childOptions([namespace], { additionalSecretOutputs: ["data", "stringData"] }))],
        });
        this.access = argoCdAccess(args.adminPasswordBcrypt !== undefined, args.url);
        this.registerOutputs({ releaseStatus: this.release.status, access: this.access });
    }
}

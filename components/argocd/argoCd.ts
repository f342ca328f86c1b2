import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ApplicationSpec } from "../../config/applications";
import { NetworkComponent } from "../component";
import type { ConnectionPolicies } from "../network-policy/graph";
import { namespacedRelease } from "../namespacedRelease";
import { ARGOCD } from "./names";
import { argoCdPolicies } from "./policies";
import { argoCdValues } from "./values";

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
}

/**
 * How to reach Argo CD. argocd-server writes argocd-initial-admin-secret only
 * when no admin password is configured, so the hint depends on that.
 */
export function argoCdAccess(passwordConfigured: boolean): string {
    const password = passwordConfigured
        ? "the password whose bcrypt hash is argoCdAdminPasswordBcrypt"
        : `kubectl -n ${ARGOCD.namespace} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`;
    return `kubectl -n ${ARGOCD.namespace} port-forward svc/${ARGOCD.fullnameOverride}-server 8080:443, then open https://localhost:8080 (user admin; password: ${password})`;
}

/** Argo CD, whose chart also installs the Application CRDs. */
export class ArgoCd extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: string = ARGOCD.namespace;
    public readonly access: string;

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:ArgoCd", name, opts);
        const values = args.adminPasswordBcrypt === undefined
            ? argoCdValues({})
            : args.adminPasswordBcrypt.apply(hash => argoCdValues({ adminPasswordBcrypt: hash }));
        this.release = namespacedRelease(this, name, {
            namespace: ARGOCD.namespace,
            policies: argoCdPolicies(args.applications, args.connections),
            ciliumCrds: args.ciliumCrds,
            release: { name: ARGOCD.release, chart: ARGOCD.chart, repository: ARGOCD.repository, version: args.chartVersion, values },
        });
        this.access = argoCdAccess(args.adminPasswordBcrypt !== undefined);
        this.registerOutputs({ releaseStatus: this.release.status, access: this.access });
    }
}

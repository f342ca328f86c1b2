import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApplicationSpec } from "./applicationSpec";
import { ARGOCD_RELEASE, ARGOCD_REPOSITORY, argoCdValues } from "./argoCdValues";
import { NetworkComponent } from "./networkComponent";
import { NetworkPolicySet } from "./networkPolicySet";
import { ARGOCD_NAMESPACE, platformPolicies } from "./platformPolicies";

export interface ArgoCdArgs {
    readonly chartVersion: string;
    /** The Applications Argo CD will sync, for its repo server's egress. */
    readonly applications: readonly ApplicationSpec[];
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
        : `kubectl -n ${ARGOCD_NAMESPACE} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`;
    return `kubectl -n ${ARGOCD_NAMESPACE} port-forward svc/argocd-server 8080:443, then open https://localhost:8080 (user admin; password: ${password})`;
}

/** Argo CD, whose chart also installs the Application CRDs. */
export class ArgoCd extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: string = ARGOCD_NAMESPACE;
    public readonly access: string;

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:ArgoCd", name, opts);
        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: ARGOCD_NAMESPACE },
        }, this.childOptions());
        const policies = new NetworkPolicySet(`${name}-policies`, {
            policies: platformPolicies.argoCd(args.applications),
        }, { parent: this, dependsOn: [namespace, args.ciliumCrds] });
        const values = args.adminPasswordBcrypt === undefined
            ? argoCdValues({})
            : args.adminPasswordBcrypt.apply(hash => argoCdValues({ adminPasswordBcrypt: hash }));
        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: ARGOCD_RELEASE,
            namespace: ARGOCD_NAMESPACE,
            chart: "argo-cd",
            version: args.chartVersion,
            repositoryOpts: { repo: ARGOCD_REPOSITORY },
            values,
            skipAwait: false,
            timeout: 600,
        }, this.childOptions([namespace, policies]));
        this.access = argoCdAccess(args.adminPasswordBcrypt !== undefined);
        this.registerOutputs({ releaseStatus: this.release.status, access: this.access });
    }
}

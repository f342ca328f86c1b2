import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApplicationSpec } from "./applicationSpec";
import { NetworkComponent } from "./networkComponent";
import { IngressController, applicationPolicies } from "./networkPolicies";
import { NetworkPolicySet } from "./networkPolicySet";

export interface ArgoCdApplicationArgs {
    readonly spec: ApplicationSpec;
    /** Every declared Application, for calls between apps. */
    readonly allApplications: readonly ApplicationSpec[];
    /** The namespace Argo CD runs in (Applications live there). */
    readonly argoCdNamespace: string;
    readonly ingressController: IngressController;
    /** Argo CD's release: its chart installs the Application CRD. */
    readonly argoCd: pulumi.Resource;
    /** The wait for the Cilium operator's CRDs (CiliumNetworkPolicy). */
    readonly ciliumCrds: pulumi.Resource;
}

/** The Application object Argo CD syncs, pointed at a namespace this program owns. */
export function applicationManifest(spec: ApplicationSpec, argoCdNamespace: string) {
    const source: Record<string, unknown> = { repoURL: spec.repoURL, targetRevision: spec.targetRevision };
    if (spec.chart !== undefined) {
        source.chart = spec.chart;
    } else {
        source.path = spec.path;
    }
    if (spec.helmValues !== undefined) {
        source.helm = { valuesObject: spec.helmValues };
    }
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: {
            name: spec.name,
            namespace: argoCdNamespace,
            // Deleting the Application deletes what Argo CD deployed for it.
            finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
            project: "default",
            source,
            destination: { server: "https://kubernetes.default.svc", namespace: spec.namespace },
            syncPolicy: {
                automated: { prune: true, selfHeal: true },
                // The namespace (and its policies) is created here, before Argo CD syncs into it.
                syncOptions: ["CreateNamespace=false"],
            },
        },
    };
}

/**
 * One Argo CD Application with its namespace and its CiliumNetworkPolicies:
 * default deny, plus only the connections it declares. The policies exist
 * before Argo CD syncs the first pod into the namespace.
 */
export class ArgoCdApplication extends NetworkComponent {
    public readonly namespace: pulumi.Output<string>;
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: ArgoCdApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:ArgoCdApplication", name, opts);
        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.spec.namespace, labels: { "app.kubernetes.io/part-of": args.spec.name } },
        }, this.childOptions());
        const policies = new NetworkPolicySet(`${name}-policies`, {
            policies: applicationPolicies(args.spec, args.allApplications, args.ingressController),
        }, { parent: this, dependsOn: [namespace, args.ciliumCrds] });
        const manifest = applicationManifest(args.spec, args.argoCdNamespace);
        new k8s.apiextensions.CustomResource(`${name}-app`, manifest, this.childOptions([args.argoCd, policies]));
        this.namespace = namespace.metadata.name;
        this.policyNames = policies.policyNames;
        this.registerOutputs({ namespace: this.namespace, policyNames: this.policyNames });
    }
}

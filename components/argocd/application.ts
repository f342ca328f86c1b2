import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ApplicationSpec } from "../../config/applications";
import { KINDS } from "../../policy/definitions";
import { NetworkComponent } from "../component";
import { NetworkPolicySet } from "../network-policy/policySet";
import { applicationPolicies } from "./applicationPolicies";
import { ARGOCD } from "./names";

export interface ArgoCdApplicationArgs {
    readonly spec: ApplicationSpec;
    /** Every declared Application, for calls between apps. */
    readonly allApplications: readonly ApplicationSpec[];
    /** Argo CD's release: its chart installs the Application CRD. */
    readonly argoCd: pulumi.Resource;
    /** The wait for the Cilium operator's CRDs (CiliumNetworkPolicy). */
    readonly ciliumCrds: pulumi.Resource;
}

/** The Application object Argo CD syncs, pointed at a namespace this program owns. */
export function applicationManifest(spec: ApplicationSpec) {
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
        ...KINDS.application,
        metadata: {
            name: spec.name,
            namespace: ARGOCD.namespace,
            // Deleting the Application deletes what Argo CD deployed for it.
            finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
            project: "default",
            source,
            destination: { server: ARGOCD.inClusterServer, namespace: spec.namespace },
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
            policies: applicationPolicies(args.spec, args.allApplications),
        }, this.childOptions([namespace, args.ciliumCrds]));
        const manifest = applicationManifest(args.spec);
        new k8s.apiextensions.CustomResource(`${name}-app`, manifest, this.childOptions([args.argoCd, policies]));
        this.namespace = namespace.metadata.name;
        this.policyNames = policies.policyNames;
        this.registerOutputs({ namespace: this.namespace, policyNames: this.policyNames });
    }
}

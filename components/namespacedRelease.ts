import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "./component";
import type { WorkloadPolicy } from "./network-policy/policy";
import { NetworkPolicySet } from "./network-policy/policySet";

/** A Helm release of a platform part, in a namespace of its own. */
export interface NamespacedReleaseArgs {
    readonly namespace: string;
    /** The namespace's CiliumNetworkPolicies, in force before the first pod starts. */
    readonly policies: readonly WorkloadPolicy[];
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
    readonly release: {
        readonly name: string;
        readonly chart: string;
        readonly repository: string;
        readonly version: string;
        readonly values: pulumi.Input<Record<string, unknown>>;
        /** Leave the chart's crds/ folder alone, because the part applies its CRDs itself. */
        readonly skipCrds?: boolean;
    };
    /** What the release waits for besides its namespace and policies (e.g. its CRDs). */
    readonly releaseDependsOn?: readonly pulumi.Resource[];
    /** Objects of the part's own in its namespace that the release's pods mount (e.g. a Secret). */
    readonly beforeRelease?: (namespace: k8s.core.v1.Namespace) => readonly pulumi.Resource[];
}

/**
 * The namespace, its policies, then the release into it: the shape of every
 * platform part installed from a chart into a namespace it owns (Traefik,
 * Argo CD). Children of `parent`, waiting for what it waits for.
 */
export function namespacedRelease(parent: NetworkComponent, name: string, args: NamespacedReleaseArgs): k8s.helm.v3.Release {
    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
        metadata: { name: args.namespace },
    }, parent.childOptions());
    const policies = new NetworkPolicySet(`${name}-policies`, { policies: args.policies }, parent.childOptions([namespace, args.ciliumCrds]));
    const own = args.beforeRelease?.(namespace) ?? [];
    return new k8s.helm.v3.Release(`${name}-release`, {
        name: args.release.name,
        namespace: args.namespace,
        chart: args.release.chart,
        version: args.release.version,
        repositoryOpts: { repo: args.release.repository },
        values: args.release.values,
        ...(args.release.skipCrds === true ? { skipCrds: true } : {}),
        // Helm waits until the release's pods are ready.
        skipAwait: false,
        timeout: 600,
    }, parent.childOptions([namespace, policies, ...own, ...(args.releaseDependsOn ?? [])]));
}

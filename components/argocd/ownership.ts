// Who owns what between this program and Argo CD, written into argocd-cm.
//
// One owner per object: this program creates every Application's Namespace
// (with its baseline policies, before Argo CD syncs into it) and every
// network policy. Argo CD's resource.exclusions make Argo CD leave those kinds
// alone cluster-wide: an object of an excluded kind in an Application's
// source is neither applied, nor pruned, nor deleted with the Application;
// Argo CD shows an ExcludedResourceWarning on the Application instead.
// Globally rather than per Application: every Application of this Argo CD is
// declared in this stack, and every one of them gets its namespace and its
// policies from this stack, so no Application may bring its own. Pure.

import { stringify } from "yaml";

/** A resource.exclusions entry: every object of these kinds in these API groups. */
export interface ResourceFilter {
    readonly apiGroups: readonly string[];
    readonly kinds: readonly string[];
}

/** The kinds this program owns, and why. */
export const OWNED_BY_STACK = {
    /** CiliumNetworkPolicies: Cilium allows the union of every policy that selects a pod, so a second set would widen the stack's. */
    ciliumPolicies: { apiGroups: ["cilium.io"], kinds: ["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"] },
    /** Kubernetes NetworkPolicies, which Cilium enforces too, with the same union. */
    networkPolicies: { apiGroups: ["networking.k8s.io"], kinds: ["NetworkPolicy"] },
    /** Namespaces: created here before the Application (CreateNamespace=false), with their default deny. */
    namespaces: { apiGroups: [""], kinds: ["Namespace"] },
} as const satisfies Record<string, ResourceFilter>;

/**
 * The exclusions the pinned argo-cd chart's argocd-cm carries by default (chart
 * 10.1.1, configs.cm."resource.exclusions"): objects the control plane and
 * controllers create, which Argo CD need not watch. Setting the key replaces
 * the chart's text, so they are kept here beside the stack's own.
 */
export const CHART_EXCLUSIONS: readonly ResourceFilter[] = [
    { apiGroups: ["", "discovery.k8s.io"], kinds: ["Endpoints", "EndpointSlice"] },
    { apiGroups: ["coordination.k8s.io"], kinds: ["Lease"] },
    {
        apiGroups: ["authentication.k8s.io", "authorization.k8s.io"],
        kinds: ["SelfSubjectReview", "TokenReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview"],
    },
    { apiGroups: ["certificates.k8s.io"], kinds: ["CertificateSigningRequest"] },
    { apiGroups: ["cert-manager.io"], kinds: ["CertificateRequest"] },
    { apiGroups: ["cilium.io"], kinds: ["CiliumIdentity", "CiliumEndpoint", "CiliumEndpointSlice"] },
    {
        apiGroups: ["kyverno.io", "reports.kyverno.io", "wgpolicyk8s.io"],
        kinds: ["PolicyReport", "ClusterPolicyReport", "EphemeralReport", "ClusterEphemeralReport", "AdmissionReport", "ClusterAdmissionReport", "BackgroundScanReport", "ClusterBackgroundScanReport", "UpdateRequest"],
    },
];

export function resourceExclusions(): ResourceFilter[] {
    return [...CHART_EXCLUSIONS, ...Object.values(OWNED_BY_STACK)];
}

/** Whether Argo CD leaves objects of this group and kind to this program. */
export function ownedByStack(apiGroup: string, kind: string): boolean {
    return Object.values(OWNED_BY_STACK).some(f => (f.apiGroups as readonly string[]).includes(apiGroup) && (f.kinds as readonly string[]).includes(kind));
}

/**
 * Global diff rules, as the home cluster sets them: a webhook's caBundle is
 * injected by cert-manager's cainjector or the prometheus operator after
 * Argo CD applied the object; with selfHeal, Argo CD would undo it forever.
 * A CRD's preserveUnknownFields is defaulted by the API server.
 */
export function resourceCustomizations(): Record<string, string> {
    const caBundle = stringify({ jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"] });
    return {
        "resource.customizations.ignoreDifferences.admissionregistration.k8s.io_MutatingWebhookConfiguration": caBundle,
        "resource.customizations.ignoreDifferences.admissionregistration.k8s.io_ValidatingWebhookConfiguration": caBundle,
        "resource.customizations.ignoreDifferences.apiextensions.k8s.io_CustomResourceDefinition": stringify({ jsonPointers: ["/spec/preserveUnknownFields"] }),
    };
}

/** argocd-cm's resource.exclusions, as the YAML text Argo CD reads. */
export function resourceExclusionsText(): string {
    return stringify(resourceExclusions().map(f => ({ apiGroups: [...f.apiGroups], kinds: [...f.kinds] })));
}

// Argo CD: where each Application (or every Application an ApplicationSet
// generates) deploys, and the policy that gives each a namespace of its own.

import { ResourceValidationPolicy } from "@pulumi/policy";
import { ENFORCEMENT_ANNOTATION, KINDS } from "./definitions";
import { ResourceView, isKind, metaName, objectsOf, via } from "./readers";

// ---------------------------------------------------------------------------
// Readers

/** Where an Argo CD Application (or every Application an ApplicationSet generates) deploys. */
export interface ArgoDestination {
    /** e.g. `Argo CD Application podinfo`. */
    readonly owner: string;
    /** The destination namespace, when the spec names one. */
    readonly namespace?: string;
    /** An ApplicationSet's namespace filled in per generated Application (`{{...}}`). */
    readonly templated: boolean;
    /** The namespace the Application object lives in: Argo CD's own. */
    readonly argoCdNamespace?: string;
    /** The Application says its policies are staged (ENFORCEMENT_ANNOTATION): no default deny yet, on purpose. */
    readonly staged: boolean;
}

export function argoDestinations(resource: ResourceView): ArgoDestination[] {
    return objectsOf(resource).flatMap((view): ArgoDestination[] => {
        const isApplication = isKind(view, KINDS.application);
        if (!isApplication && !isKind(view, KINDS.applicationSet)) {
            return [];
        }
        const spec = isApplication ? view.props?.spec : view.props?.spec?.template?.spec;
        const namespace = spec?.destination?.namespace;
        const text = typeof namespace === "string" && namespace.trim() !== "" ? namespace.trim() : undefined;
        return [{
            owner: `Argo CD ${isApplication ? "Application" : "ApplicationSet"} ${metaName(view)}${via(view)}`,
            namespace: text,
            templated: text !== undefined && text.includes("{{"),
            argoCdNamespace: view.props?.metadata?.namespace,
            staged: isApplication && view.props?.metadata?.annotations?.[ENFORCEMENT_ANNOTATION] === "staged",
        }];
    });
}

// ---------------------------------------------------------------------------
// Policies

export const argoCdApplicationDestination: ResourceValidationPolicy = {
    name: "argocd-application-destination",
    description:
        "Every Argo CD Application and ApplicationSet names a literal destination namespace of its own: not missing, not generated per Application, not Argo CD's " +
        "own namespace and not a kube-* namespace, so that the namespace's default deny can be checked and the app's pods do not fall under the platform's policies.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const fix = "declare the Application in the stack's applications config, which creates its namespace and its default-deny policies";
        for (const destination of argoDestinations(args)) {
            const namespace = destination.namespace;
            if (namespace === undefined) {
                reportViolation(
                    `${destination.owner} names no destination namespace: its objects land in whatever namespace their manifests name, or default, ` +
                    `none of which the stack has put into default deny. Fix: set spec.destination.namespace to a namespace of its own; ${fix}.`,
                );
            } else if (destination.templated) {
                reportViolation(
                    `${destination.owner} generates its destination namespace (${namespace}) per Application: those namespaces exist only once Argo CD generates them, ` +
                    `so no default deny of the stack covers them and this pack cannot check one. Fix: ${fix}, one per app.`,
                );
            } else if (destination.argoCdNamespace !== undefined && namespace === destination.argoCdNamespace) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, the namespace Argo CD itself runs in: its pods would fall under Argo CD's policies ` +
                    "(the repo server's egress to the internet among them) and sit next to Argo CD's secrets. Fix: give it a namespace of its own; " + `${fix}.`,
                );
            } else if (namespace.startsWith("kube-")) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, a namespace of Kubernetes itself (CoreDNS, Cilium, kube-vip run there): its pods would share ` +
                    `their policies. Fix: give it a namespace of its own; ${fix}.`,
                );
            }
        }
    },
};

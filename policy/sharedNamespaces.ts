// Namespaces that Applications share. An Application that declares its
// workloads (WORKLOADS_ANNOTATION) gets a policy per workload, selecting its
// own pods; one that declares none is its whole namespace: its policies select
// every pod there and let them all talk to each other. Beside Applications
// that declare workloads, that whole-namespace policy selects their pods too,
// and hands them its connections. The program's config refuses it; the pack
// and the live audit check what they see.

import { StackValidationPolicy } from "@pulumi/policy";
import { KINDS, WORKLOADS_ANNOTATION } from "./definitions";
import { isEmptySelector, readPolicies } from "./policyModel";
import { ResourceView, isKind, metaName, objectsOf, readEach, readable, via } from "./readers";

/** An Argo CD Application with a literal destination namespace, and the workloads it declares. */
export interface NamespaceApplication {
    /** e.g. `Argo CD Application lldap`. */
    readonly owner: string;
    readonly name: string;
    readonly namespace: string;
    /** The workloads its annotation names; empty: the whole namespace. */
    readonly workloads: readonly string[];
}

function workloadNames(annotation: unknown): string[] {
    if (typeof annotation !== "string") {
        return [];
    }
    try {
        const list: unknown = JSON.parse(annotation);
        return Array.isArray(list) ? list.map(w => (w as { name?: unknown })?.name).filter((n): n is string => typeof n === "string") : [];
    } catch {
        return [];
    }
}

export function namespaceApplications(resource: ResourceView): NamespaceApplication[] {
    return objectsOf(resource).flatMap((view): NamespaceApplication[] => {
        const namespace = view.props?.spec?.destination?.namespace;
        if (!isKind(view, KINDS.application) || typeof namespace !== "string" || namespace.trim() === "" || namespace.includes("{{")) {
            return [];
        }
        return [{
            owner: `Argo CD Application ${metaName(view)}${via(view)}`,
            name: metaName(view),
            namespace: namespace.trim(),
            workloads: workloadNames(view.props?.metadata?.annotations?.[WORKLOADS_ANNOTATION]),
        }];
    });
}

/** Each whole-namespace Application that shares its namespace with Applications that declare workloads, with those. */
export function wholeNamespaceBesideWorkloads(applications: readonly NamespaceApplication[]): Array<{ readonly whole: NamespaceApplication; readonly beside: NamespaceApplication[] }> {
    return applications
        .filter(app => app.workloads.length === 0)
        .map(whole => ({ whole, beside: applications.filter(other => other.namespace === whole.namespace && other.workloads.length > 0).sort((a, b) => a.name.localeCompare(b.name)) }))
        .filter(found => found.beside.length > 0);
}

/** How a finding names the Applications that declare workloads: `lldap (workloads lldap, bootstrap)`. */
export function describeBeside(beside: readonly NamespaceApplication[]): string {
    return beside.map(app => `${app.name} (workload${app.workloads.length === 1 ? "" : "s"} ${app.workloads.join(", ")})`).join(", ");
}

export const WHOLE_NAMESPACE_FIX = "declare its workloads with the labels of its own pods (workloads in the stack's applications config), or give it a namespace of its own";

export const noWholeNamespaceApplicationBesideWorkloads: StackValidationPolicy = {
    name: "no-whole-namespace-application-beside-workloads",
    description:
        "No Argo CD Application that declares no workloads (its policies select every pod of its namespace and let them talk to each other) deploys into a namespace " +
        "where other Applications declare workloads: its policies would select their pods too and hand them its connections.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = readable(args.resources);
        const found = wholeNamespaceBesideWorkloads(readEach(resources, namespaceApplications));
        if (found.length === 0) {
            return;
        }
        const models = readEach(resources, readPolicies);
        for (const { whole, beside } of found) {
            // The policies that select every pod of the namespace and admit all of them: the whole-namespace Application's.
            const open = models.filter(m => m.subject.kind === "pods" && m.subject.namespace === whole.namespace && isEmptySelector(m.subject.selector) &&
                m.rules.some(r => !r.deny && r.peers.some(p => p.kind === "endpoints" && p.namespace === whole.namespace && isEmptySelector(p.selector))));
            const policies = open.length === 0 ? "" : `; ${open.map(m => m.owner).join(", ")} ${open.length === 1 ? "selects" : "select"} every pod of ${whole.namespace} and ${open.length === 1 ? "lets" : "let"} them all talk to each other`;
            reportViolation(
                `${whole.owner} deploys into namespace ${whole.namespace} as a whole (it declares no workloads), beside ${describeBeside(beside)}, which declare workloads there: ` +
                `the policies the stack gives ${whole.name} select their pods too and hand them its connections${policies}. Fix: ${WHOLE_NAMESPACE_FIX}.`,
            );
        }
    },
};

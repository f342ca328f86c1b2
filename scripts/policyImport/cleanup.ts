// Which hand-written policy files the GitOps repository no longer needs once
// the stack's policies replace them, and how: per Application (and per part
// of the platform, whose policies the program writes itself), the files to
// delete, the `resources` entries of the kustomization.yaml that list them,
// and the kubectl command that deletes the live objects. The program's Argo
// CD excludes the policy kinds (resource.exclusions): it neither applies
// these files nor prunes what an earlier Argo CD applied from them, so both
// go by hand. A file that also holds policies the program does not express
// (kube-system's, say) is edited, not deleted; one that holds only such
// policies is kept. When: docs/runbooks.md, "Take over a running cluster".
// Pure.

import type { SourcePolicy } from "./files";
import type { Cleanup, CleanupEntry, ImportResult, RuleOutcome } from "./importResult";

export type { Cleanup, CleanupEntry };
import type { Kustomization } from "./manifests";

/** The report's heading for the list, as docs/runbooks.md names it. */
export const CLEANUP_HEADING = "Cleanup";
/** The resource kubectl deletes the live copies as. */
export const LIVE_POLICY_RESOURCE = "ciliumnetworkpolicy";

const policyKey = (file: string, namespace: string, name: string) => `${file}\u0000${namespace}\u0000${name}`;

/** Why a policy stays: none of its rules is expressed. Undefined when the stack replaces it. */
function whyKept(outcomes: readonly RuleOutcome[]): string | undefined {
    if (outcomes.length === 0 || outcomes.some(o => o.status !== "unexpressed")) {
        return undefined;
    }
    const reasons = [...new Set(outcomes.flatMap(o => o.reasons.map(r => r.detail)))];
    return `none of its rules is expressed (${reasons.join("; ")})`;
}

/** `shared`: files that hold other objects too (a CronJob beside its policy), which are edited, never deleted. */
export function cleanupList(result: ImportResult, policies: readonly SourcePolicy[], kustomizations: readonly Kustomization[], shared: ReadonlySet<string> = new Set()): Cleanup {
    const outcomes = new Map<string, RuleOutcome[]>();
    for (const outcome of result.rules) {
        const key = policyKey(outcome.ref.file, outcome.ref.namespace, outcome.ref.policy);
        outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
    }
    // Every policy document once (a `specs:` policy is read as several).
    const documents = [...new Map(policies.map(p => [policyKey(p.file, p.namespace, p.name), p])).values()];
    const owners = new Map<string, string>();
    const kept: Array<{ file: string; policy: string; why: string }> = [];
    for (const doc of documents) {
        const key = policyKey(doc.file, doc.namespace, doc.name);
        const platform = result.platform.find(p => p.file === doc.file && p.namespace === doc.namespace && p.name === doc.name);
        const app = result.applications.find(a => a.files.includes(doc.file) && a.namespace === doc.namespace)
            ?? result.applications.find(a => a.files.includes(doc.file));
        const why = platform === undefined ? whyKept(outcomes.get(key) ?? []) ?? (app === undefined ? "no Application of the import holds it" : undefined) : undefined;
        if (why !== undefined) {
            kept.push({ file: doc.file, policy: `${doc.namespace}/${doc.name}`, why });
        } else {
            owners.set(key, platform !== undefined ? `${platform.platform} (the platform)` : `Application ${app!.name}`);
        }
    }
    const byOwner = new Map<string, SourcePolicy[]>();
    for (const doc of documents) {
        const owner = owners.get(policyKey(doc.file, doc.namespace, doc.name));
        if (owner !== undefined) {
            byOwner.set(owner, [...(byOwner.get(owner) ?? []), doc]);
        }
    }
    const entries = [...byOwner].map(([owner, docs]): CleanupEntry => {
        const files = [...new Set(docs.map(d => d.file))];
        // A file goes whole only when it holds nothing else: no other object, no policy that stays or belongs to another owner.
        const whole = files.filter(file => !shared.has(file) && documents.filter(d => d.file === file).every(d => owners.get(policyKey(d.file, d.namespace, d.name)) === owner));
        const edit = files.filter(file => !whole.includes(file)).map(file => ({ file, remove: docs.filter(d => d.file === file).map(d => `${d.namespace}/${d.name}`) }));
        const listing = kustomizations
            .map(k => ({ file: k.file, entries: k.resources.filter(r => whole.includes(r)) }))
            .filter(k => k.entries.length > 0);
        const objects = new Map<string, string[]>();
        for (const doc of docs) {
            objects.set(doc.namespace, [...new Set([...(objects.get(doc.namespace) ?? []), doc.name])]);
        }
        return { owner, delete: whole, edit, kustomizations: listing, objects };
    });
    // Applications first, in the order of the import; then the platform.
    const rank = (owner: string) => (owner.startsWith("Application ") ? 0 : 1);
    entries.sort((a, b) => rank(a.owner) - rank(b.owner) || a.owner.localeCompare(b.owner));
    return { entries, kept };
}

/** The report's lines: one per owner, then what stays. */
export function cleanupLines(cleanup: Cleanup): string[] {
    const lines: string[] = [];
    for (const entry of cleanup.entries) {
        const parts = [
            ...(entry.delete.length === 0 ? [] : [`delete ${entry.delete.join(", ")}`]),
            ...entry.edit.map(e => `edit ${e.file}: remove the ${e.remove.length === 1 ? "policy" : "policies"} ${e.remove.join(", ")}, keep the rest`),
            ...entry.kustomizations.map(k => `drop ${k.entries.map(e => e.slice(e.lastIndexOf("/") + 1)).join(", ")} from resources in ${k.file}`),
            ...[...entry.objects].map(([namespace, names]) => `kubectl -n ${namespace} delete ${LIVE_POLICY_RESOURCE} ${names.join(" ")}`),
        ];
        lines.push(`${entry.owner}: ${parts.join("; ")}`);
    }
    for (const k of cleanup.kept) {
        lines.push(`keep ${k.file} (${k.policy}): ${k.why}`);
    }
    return lines;
}

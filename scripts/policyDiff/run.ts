// The policy diff's edges: the policies of a folder (folder.ts, with its
// manifests' pod templates as the workloads), of the cluster (one kubectl
// call), and of a stack (the program run offline, scripts/offlineRun.ts);
// then the original's side made comparable (original.ts) and the pure diff
// (diff.ts).

import { execFile } from "child_process";
import { PolicyModel, Selector, readPolicies, readPolicyObject } from "../../policy/policyModel";
import { runProgram } from "../offlineRun";
import type { StackConfigValues } from "../stackFiles";
import { platformPolicyOf } from "../policyImport/cilium";
import { folderFiles } from "../policyImport/files";
import { FolderManifests, readFolderManifests } from "../policyImport/manifests";
import { ProberPorts, blackboxReleases, isProber, proberPortsText } from "../policyImport/probes";
import { DiffEntry, NAMESPACE_NAME_LABEL, PolicyDiff, Workload, diffPolicies, identityOf, selectorMatches } from "./diff";
import { PortSet, intersect, isEmpty, portSetOf } from "./ports";
import { FolderPolicies, readFolderPolicies } from "./folder";
import { OriginalSide, prepareOriginal } from "./original";

/** The kinds --live reads, in one kubectl call. */
export const LIVE_KINDS = "ciliumnetworkpolicies,ciliumclusterwidenetworkpolicies,networkpolicies";

/** The policies the stack's program would deploy, from an offline run. */
export async function stackPolicies(stack: string, root?: string, overrides: StackConfigValues = {}): Promise<PolicyModel[]> {
    const run = await runProgram(stack, overrides, root);
    return run.resources.flatMap(r => readPolicies({ type: r.type, name: r.name, props: r.inputs }));
}

export class ClusterReadError extends Error {}

/** The cluster's policies through `kubectl get ... -A -o json`. */
export function livePolicies(kubectl = "kubectl"): Promise<PolicyModel[]> {
    return new Promise((resolve, reject) => {
        execFile(kubectl, ["get", LIVE_KINDS, "-A", "-o", "json"], { maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
            if (error !== null) {
                reject(new ClusterReadError(`kubectl get ${LIVE_KINDS} -A -o json failed: ${String(stderr).trim() || error.message}`));
                return;
            }
            try {
                const list = JSON.parse(stdout) as { items?: unknown[] };
                resolve((list.items ?? []).flatMap(item => readPolicyObject(item as Record<string, any>, "the cluster")));
            } catch (parseError) {
                reject(new ClusterReadError(`kubectl's output is not JSON: ${(parseError as Error).message}`));
            }
        });
    });
}

/**
 * The workloads to compare: the folder's pod templates, where present, and a
 * workload guessed from each selector (a policy's pods, an endpoint peer) of
 * one namespace that no template matches.
 */
export function workloadsOf(manifests: FolderManifests | undefined, sides: ReadonlyArray<readonly PolicyModel[]>): Workload[] {
    const services = manifests?.services ?? [];
    const exposed = (namespace: string, labels: Readonly<Record<string, string>>) => services.some(s =>
        (s.type === "LoadBalancer" || s.type === "NodePort" || s.externalIPs.length > 0)
        && (s.namespace === undefined || s.namespace === namespace)
        && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => labels[k] === v));
    const workloads: Workload[] = [];
    const seen = new Set<string>();
    const add = (workload: Workload) => {
        const key = JSON.stringify([workload.namespace, Object.entries(workload.labels).sort()]);
        if (!seen.has(key)) {
            seen.add(key);
            workloads.push(workload);
        }
    };
    for (const t of manifests?.templates ?? []) {
        if (t.namespace !== undefined && Object.keys(t.labels).length > 0) {
            add({ namespace: t.namespace, labels: t.labels, source: t.file, hostNetwork: t.hostNetwork, exposed: exposed(t.namespace, t.labels) });
        }
    }
    const templatesIn = new Map<string, Workload[]>();
    for (const t of workloads) {
        const inNamespace = templatesIn.get(t.namespace) ?? [];
        inNamespace.push(t);
        templatesIn.set(t.namespace, inNamespace);
    }
    const guess = (namespace: string | undefined, selector: Selector, source: string) => {
        // The namespace's name is the namespace's, not the pod's; a selector that contradicts it matches nothing.
        const named = selector.matchLabels[NAMESPACE_NAME_LABEL];
        const labels = Object.fromEntries(Object.entries(selector.matchLabels).filter(([k]) => k !== NAMESPACE_NAME_LABEL));
        if (namespace === undefined || (named !== undefined && named !== namespace) || Object.keys(labels).length === 0 || Object.keys(labels).some(k => k.startsWith("reserved:") || k.startsWith("io.cilium.k8s."))) {
            return;
        }
        if ((templatesIn.get(namespace) ?? []).some(t => selectorMatches(selector, identityOf(t)))) {
            return;
        }
        add({ namespace, labels, source, exposed: exposed(namespace, labels) });
    };
    for (const policy of sides.flat()) {
        if (policy.subject.kind === "pods") {
            guess(policy.subject.namespace, policy.subject.selector, policy.owner);
        }
        for (const rule of policy.rules) {
            for (const peer of rule.peers) {
                if (peer.kind === "endpoints") {
                    guess(peer.namespace, peer.selector, policy.owner);
                }
            }
        }
    }
    return workloads;
}

export interface DiffSource {
    readonly folder?: string;
    readonly exclude?: readonly string[];
    readonly live?: boolean;
    readonly kubectl?: string;
    readonly stack: string;
    readonly root?: string;
}

export interface DiffResult {
    readonly diff: PolicyDiff;
    readonly original: OriginalSide;
    /** The folder's policies as read, when they came from a folder. */
    readonly folder?: FolderPolicies;
    /** Lost egress outside the cluster on ports a prober's config never probes (probes.ts), with the config's account. */
    readonly narrowed: { readonly entries: readonly DiffEntry[]; readonly probers: readonly string[] };
}

/**
 * Lost egress from a prober (the blackbox exporter of a chart release in the
 * folder) to the world, a CIDR or a DNS name on none of the ports its probes
 * use: the importer narrows such a rule on purpose (the pack refuses world
 * egress on every port), and the listing says so apart.
 */
function setNarrowedApart(diff: PolicyDiff, manifests: FolderManifests | undefined): { diff: PolicyDiff; narrowed: DiffResult["narrowed"] } {
    const probers = blackboxReleases(manifests?.charts ?? []).flatMap(p => ("unknown" in p ? [] : [p]));
    const probed = (prober: ProberPorts): PortSet => portSetOf([
        ...prober.ports.map(p => ({ protocol: p.protocol, from: p.port, to: p.endPort ?? p.port })),
        ...(prober.icmp.length === 0 ? [] : [{ protocol: "ICMP", from: 0, to: 65535 }]),
    ]);
    const outside = (entry: DiffEntry) => entry.peer.kind === "cidr" || entry.peer.kind === "fqdn" || (entry.peer.kind === "entity" && entry.peer.entity === "world");
    const isNarrowed = (entry: DiffEntry) => entry.direction === "egress" && outside(entry)
        && probers.some(p => isProber(p, entry.workload.namespace, entry.workload.labels) && isEmpty(intersect(entry.ports, probed(p))));
    return {
        diff: { ...diff, lost: diff.lost.filter(e => !isNarrowed(e)) },
        narrowed: {
            entries: diff.lost.filter(isNarrowed),
            probers: probers.map(p => `${p.namespace}/${p.labels["app.kubernetes.io/name"]}: ${proberPortsText(p)}, ${p.why}`),
        },
    };
}

/** Diffs two sides already read: before is the original's policies, after the stack's. */
export function diffSides(before: readonly PolicyModel[], after: readonly PolicyModel[], manifests: FolderManifests | undefined): Omit<DiffResult, "folder"> {
    const original = prepareOriginal(before, after, manifests);
    const workloads = workloadsOf(manifests, [original.policies, after]);
    const diff = diffPolicies(original.policies, after, workloads, w => (platformPolicyOf(w.namespace, w.labels) !== undefined ? "platform" : original.inRemainder(w) ? "remainder" : undefined));
    return { ...setNarrowedApart(diff, manifests), original };
}

/** Reads both sides and diffs them: before is the folder's (or the cluster's) policies, after the stack's. */
export async function policyDiff(source: DiffSource): Promise<DiffResult> {
    // kubectl answers while the program runs. The folder is read after the
    // run, so that the run's garbage collections do not walk its documents.
    const live = source.live === true || source.folder === undefined ? livePolicies(source.kubectl) : undefined;
    live?.catch(() => undefined);
    const after = await stackPolicies(source.stack, source.root);
    // The folder's files are parsed once, for its policies and its manifests.
    const files = source.folder === undefined ? undefined : folderFiles(source.folder, source.exclude ?? []);
    const folder = live !== undefined || files === undefined ? undefined : readFolderPolicies(source.folder!, source.exclude ?? [], files);
    const before = folder === undefined ? await live! : folder.policies;
    const manifests = files === undefined ? undefined : readFolderManifests(source.folder!, source.exclude ?? [], files);
    return { ...diffSides(before, after, manifests), ...(folder === undefined ? {} : { folder }) };
}

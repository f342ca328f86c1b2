// The policy diff's edges: the policies of a folder (with its manifests' pod
// templates as the workloads), of the cluster (one kubectl call), and of a
// stack (the program run offline, scripts/offlineRun.ts); then the pure diff
// (diff.ts).

import { execFile } from "child_process";
import { PolicyModel, readPolicies, readPolicyObject } from "../../policy/policyModel";
import { runProgram } from "../offlineRun";
import type { StackConfigValues } from "../stackFiles";
import { platformPolicyOf } from "../policyImport/cilium";
import { readPolicyFolder } from "../policyImport/files";
import { FolderManifests, readFolderManifests } from "../policyImport/manifests";
import { PolicyDiff, Workload, diffPolicies, selectorMatches } from "./diff";

/** The kinds --live reads, in one kubectl call. */
export const LIVE_KINDS = "ciliumnetworkpolicies,ciliumclusterwidenetworkpolicies,networkpolicies";

/** The CiliumNetworkPolicies of a folder tree as models (each of `specs` a policy of its own). */
export function folderPolicies(folder: string, exclude: readonly string[]): PolicyModel[] {
    const read = readPolicyFolder(folder, exclude);
    return read.policies.flatMap(p => readPolicyObject({
        apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy",
        metadata: { name: p.name, namespace: p.namespace }, spec: p.spec,
    }, p.file));
}

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
    const templates = [...workloads];
    const guess = (namespace: string | undefined, selector: { matchLabels: Readonly<Record<string, string>>; matchExpressions: readonly unknown[] }, source: string) => {
        if (namespace === undefined || Object.keys(selector.matchLabels).length === 0 || Object.keys(selector.matchLabels).some(k => k.startsWith("reserved:") || k.startsWith("io.cilium.k8s."))) {
            return;
        }
        if (templates.some(t => t.namespace === namespace && selectorMatches(selector as never, t.labels))) {
            return;
        }
        add({ namespace, labels: selector.matchLabels, source, exposed: exposed(namespace, selector.matchLabels) });
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

/** Reads both sides and diffs them: before is the folder's (or the cluster's) policies, after the stack's. */
export async function policyDiff(source: DiffSource): Promise<PolicyDiff> {
    const before = source.live === true ? await livePolicies(source.kubectl) : folderPolicies(source.folder!, source.exclude ?? []);
    const manifests = source.folder === undefined ? undefined : readFolderManifests(source.folder, source.exclude ?? []);
    const after = await stackPolicies(source.stack, source.root);
    return diffPolicies(before, after, workloadsOf(manifests, [before, after]), w => platformPolicyOf(w.namespace, w.labels));
}

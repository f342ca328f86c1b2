// The semantic policy diff: which traffic one set of policies allows that
// another did not, per workload, at the level of peers and ports. Pure: the
// policies come as policy/policyModel.ts models, the workloads as labels.
//
// A connection between two workloads needs both ends: the caller's egress and
// the callee's ingress. An end whose pods no policy puts into default deny in
// that direction allows everything. A peer outside the cluster's pods (an
// entity, a CIDR, a DNS name) is checked at the local end only. Host-network
// pods are outside policy (Cilium sees them as the host) and are left out.
// World ingress lost by a pod that nothing exposes (no LoadBalancer or
// NodePort Service, no externalIPs) reached it from nowhere: it is listed as
// unreachable, not lost. Traffic lost only at the ends of pods set apart (the
// platform's, whose policies the program writes itself; the remainder of
// policies the program cannot express) is listed apart, per kind, not lost.
// Every pod carries, as in Cilium, its namespace's name as the label
// io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name.

import type { Direction, Peer, PolicyModel, Selector } from "../../policy/policyModel";
import { EVERY_PORT, NO_PORTS, PortSet, intersect, isEmpty, minus, portSetOf, portSetText, union } from "./ports";

export interface Workload {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Where it was read: a manifest's file, or the policy whose selector it was guessed from. */
    readonly source: string;
    readonly hostNetwork?: boolean;
    /** A LoadBalancer or NodePort Service, or externalIPs, give it an address outside the cluster. */
    readonly exposed?: boolean;
}

/** The other end: a workload, or something outside the cluster's pods. */
export type DiffPeer =
    | { readonly kind: "workload"; readonly workload: Workload }
    | { readonly kind: "entity"; readonly entity: string }
    | { readonly kind: "cidr"; readonly cidr: string; readonly start: number; readonly end: number }
    | { readonly kind: "fqdn"; readonly pattern: string };

export interface DiffEntry {
    readonly workload: Workload;
    /** egress: the workload calls the peer; ingress: the peer calls the workload. */
    readonly direction: Direction;
    readonly peer: DiffPeer;
    readonly ports: PortSet;
}

/** Why a workload's end is set apart: the platform's pods (the program writes their policies), or pods of the remainder the program cannot express. */
export type Apart = "platform" | "remainder";

export interface PolicyDiff {
    readonly lost: readonly DiffEntry[];
    readonly gained: readonly DiffEntry[];
    /** Lost world ingress to pods that nothing exposes: it reached them from nowhere. */
    readonly unreachable: readonly DiffEntry[];
    /** Lost only at the end of one of the platform's pods, whose policies the program writes itself. */
    readonly platform: readonly DiffEntry[];
    /** Lost only at the end of pods whose original policies the program cannot express (listed, expected). */
    readonly remainder: readonly DiffEntry[];
    readonly workloads: number;
    readonly skippedHostNetwork: number;
}

/** The label Cilium gives every pod with its namespace's name (`kubernetes.io/metadata.name` of the Namespace). */
export const NAMESPACE_NAME_LABEL = "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name";

const identities = new WeakMap<Workload, Readonly<Record<string, string>>>();

/** A workload's labels as Cilium's selectors see them: its own and its namespace's name. */
export function identityOf(workload: Workload): Readonly<Record<string, string>> {
    let labels = identities.get(workload);
    if (labels === undefined) {
        labels = { ...workload.labels, [NAMESPACE_NAME_LABEL]: workload.namespace };
        identities.set(workload, labels);
    }
    return labels;
}

const ENTITIES = ["world", "host", "remote-node", "kube-apiserver"];
/** Entities `cluster` stands for besides the cluster's pods. */
const CLUSTER_ENTITIES = new Set(["host", "remote-node", "kube-apiserver", "health", "init", "ingress", "unmanaged"]);
const WORLD_ALIASES = new Set(["world", "world-ipv4", "world-ipv6"]);

export function selectorMatches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
    for (const [key, value] of Object.entries(selector.matchLabels)) {
        if (labels[key] !== value) {
            return false;
        }
    }
    return selector.matchExpressions.every(e => {
        const value = labels[e.key];
        switch (e.operator) {
            case "In": return value !== undefined && e.values.includes(value);
            case "NotIn": return value === undefined || !e.values.includes(value);
            case "Exists": return value !== undefined;
            case "DoesNotExist": return value === undefined;
            default: return false;
        }
    });
}

export function subjectMatches(policy: PolicyModel, workload: Workload): boolean {
    const subject = policy.subject;
    return subject.kind === "pods"
        && (subject.namespace === undefined || subject.namespace === workload.namespace)
        && selectorMatches(subject.selector, identityOf(workload));
}

/** Whether a rule's peer admits the other end. */
function peerCovers(peer: Peer, other: DiffPeer): boolean {
    if (peer.kind === "entity") {
        const entity = WORLD_ALIASES.has(peer.entity) ? "world" : peer.entity;
        switch (other.kind) {
            case "workload": return entity === "all" || entity === "cluster";
            case "entity": return entity === "all" || entity === other.entity || (entity === "cluster" && CLUSTER_ENTITIES.has(other.entity));
            default: return entity === "all" || entity === "world";
        }
    }
    if (peer.kind === "endpoints") {
        return other.kind === "workload"
            && (peer.namespace === undefined || peer.namespace === other.workload.namespace)
            && selectorMatches(peer.selector, identityOf(other.workload));
    }
    if (peer.kind === "cidr") {
        if (other.kind === "cidr") {
            return other.start >= peer.range.start && other.end <= peer.range.end
                && !peer.except.some(e => other.start <= e.end && other.end >= e.start);
        }
        return other.kind === "entity" && other.entity === "world" && peer.range.start === 0 && peer.range.end === 0xffffffff && peer.except.length === 0;
    }
    if (peer.kind === "fqdn") {
        return other.kind === "fqdn" && other.pattern === peer.pattern;
    }
    return false;
}

/** One side's policies, indexed per workload: the rules that apply to its pods, per direction. */
interface End {
    /** Equal for two ends that allow the same: a pair whose ends are unchanged on both sides needs no comparison. */
    readonly signature: string;
    readonly enforced: boolean;
    readonly allow: ReadonlyArray<{ readonly peers: readonly Peer[]; readonly ports: PortSet }>;
    readonly deny: ReadonlyArray<{ readonly peers: readonly Peer[]; readonly ports: PortSet }>;
}

/**
 * The policies that may select a namespace's pods (its own and those without
 * a namespace), in their order: a workload is matched against these only,
 * not against every policy of the cluster.
 */
function bySubjectNamespace(policies: readonly PolicyModel[]): (namespace: string) => readonly PolicyModel[] {
    const kept = new Map<string, readonly PolicyModel[]>();
    return namespace => {
        let found = kept.get(namespace);
        if (found === undefined) {
            found = policies.filter(p => p.subject.kind === "pods" && (p.subject.namespace === undefined || p.subject.namespace === namespace));
            kept.set(namespace, found);
        }
        return found;
    };
}

function endOf(policies: readonly PolicyModel[], workload: Workload, direction: Direction): End {
    const selecting = policies.filter(p => subjectMatches(p, workload));
    const rules = selecting.flatMap(p => p.rules.filter(r => r.direction === direction && r.peers.length > 0));
    const enforced = selecting.some(p => p.enforces[direction]);
    const peersOf = (r: typeof rules[number]) => r.peers.map(p => ({ ...p, written: "" }));
    return {
        signature: JSON.stringify([enforced, rules.map(r => [r.deny, peersOf(r), r.ports])]),
        enforced,
        allow: rules.filter(r => !r.deny).map(r => ({ peers: r.peers, ports: portSetOf(r.ports) })),
        deny: rules.filter(r => r.deny).map(r => ({ peers: r.peers, ports: portSetOf(r.ports) })),
    };
}

/** What one end allows towards (or from) the other. */
function allowed(end: End, other: DiffPeer): PortSet {
    let ports = end.enforced ? NO_PORTS : EVERY_PORT;
    for (const rule of end.allow) {
        if (rule.peers.some(p => peerCovers(p, other))) {
            ports = union(ports, rule.ports);
        }
    }
    for (const rule of end.deny) {
        if (rule.peers.some(p => peerCovers(p, other))) {
            ports = minus(ports, rule.ports);
        }
    }
    return ports;
}

/** Peers outside the cluster's pods that either side names, plus the usual entities. */
function outsidePeers(sides: ReadonlyArray<readonly PolicyModel[]>): DiffPeer[] {
    const peers = new Map<string, DiffPeer>(ENTITIES.map(e => [`entity ${e}`, { kind: "entity", entity: e }]));
    for (const policy of sides.flat()) {
        for (const rule of policy.rules) {
            for (const peer of rule.peers) {
                if (peer.kind === "entity" && !["all", "cluster"].includes(peer.entity) && !WORLD_ALIASES.has(peer.entity)) {
                    peers.set(`entity ${peer.entity}`, { kind: "entity", entity: peer.entity });
                } else if (peer.kind === "cidr") {
                    peers.set(`cidr ${peer.cidr}`, { kind: "cidr", cidr: peer.cidr, start: peer.range.start, end: peer.range.end });
                } else if (peer.kind === "fqdn") {
                    peers.set(`fqdn ${peer.pattern}`, { kind: "fqdn", pattern: peer.pattern });
                }
            }
        }
    }
    return [...peers.values()];
}

/**
 * The diff of `after` against `before` over `workloads`: lost is what before
 * allowed and after does not. `apartOf` names the workloads whose ends are set
 * apart: what only they lost is listed under their kind.
 */
export function diffPolicies(before: readonly PolicyModel[], after: readonly PolicyModel[], workloads: readonly Workload[], apartOf: (w: Workload) => Apart | undefined = () => undefined): PolicyDiff {
    const subjects = workloads.filter(w => w.hostNetwork !== true);
    const [beforeIn, afterIn] = [bySubjectNamespace(before), bySubjectNamespace(after)];
    const ends = subjects.map(w => ({
        before: { ingress: endOf(beforeIn(w.namespace), w, "ingress"), egress: endOf(beforeIn(w.namespace), w, "egress") },
        after: { ingress: endOf(afterIn(w.namespace), w, "ingress"), egress: endOf(afterIn(w.namespace), w, "egress") },
    }));
    const lost: DiffEntry[] = [];
    const gained: DiffEntry[] = [];
    const unreachable: DiffEntry[] = [];
    const apart: Record<Apart, DiffEntry[]> = { platform: [], remainder: [] };
    const apartFlags = subjects.map(apartOf);
    /** `apartOnly`: the kind of the set-apart ends that alone lost it, if only such ends did. */
    const compare = (workload: Workload, direction: Direction, peer: DiffPeer, was: PortSet, now: PortSet, apartOnly: (less: PortSet) => Apart | undefined) => {
        const less = minus(was, now);
        const more = minus(now, was);
        if (!isEmpty(less)) {
            const entry = { workload, direction, peer, ports: less };
            const fromNowhere = direction === "ingress" && workload.exposed !== true && (peer.kind === "entity" ? peer.entity === "world" : peer.kind === "cidr");
            const kind = fromNowhere ? undefined : apartOnly(less);
            (fromNowhere ? unreachable : kind === undefined ? lost : apart[kind]).push(entry);
        }
        if (!isEmpty(more)) {
            gained.push({ workload, direction, peer, ports: more });
        }
    };
    // Between workloads: the callee's ingress and the caller's egress, both.
    // A pair whose two ends are unchanged needs no comparison: a callee whose
    // ingress is unchanged is compared only with the callers whose egress changed.
    const everyCaller = subjects.map((_, i) => i);
    const egressChanged = everyCaller.filter(i => ends[i].before.egress.signature !== ends[i].after.egress.signature);
    subjects.forEach((callee, j) => {
        const ingress = ends[j];
        const callers = ingress.before.ingress.signature !== ingress.after.ingress.signature ? everyCaller : egressChanged;
        callers.forEach(i => {
            const caller = subjects[i];
            const egress = ends[i];
            const egressNow = allowed(egress.after.egress, { kind: "workload", workload: callee });
            const ingressNow = allowed(ingress.after.ingress, { kind: "workload", workload: caller });
            const was = intersect(allowed(egress.before.egress, { kind: "workload", workload: callee }), allowed(ingress.before.ingress, { kind: "workload", workload: caller }));
            const now = intersect(egressNow, ingressNow);
            compare(callee, "ingress", { kind: "workload", workload: caller }, was, now, less => {
                // Each end that lost some of it must be set apart; the callee's kind is named first.
                const losers = [[apartFlags[j], ingressNow], [apartFlags[i], egressNow]] as const;
                const lostAt = losers.filter(([, end]) => !isEmpty(minus(less, end)));
                return lostAt.every(([flag]) => flag !== undefined) ? lostAt[0]?.[0] : undefined;
            });
        });
    });
    // Outside the cluster's pods: the local end only.
    const outside = outsidePeers([before, after]);
    subjects.forEach((workload, i) => {
        for (const peer of outside) {
            for (const direction of peer.kind === "fqdn" ? ["egress"] as const : ["egress", "ingress"] as const) {
                if (ends[i].before[direction].signature === ends[i].after[direction].signature) {
                    continue;
                }
                compare(workload, direction, peer, allowed(ends[i].before[direction], peer), allowed(ends[i].after[direction], peer), () => apartFlags[i]);
            }
        }
    });
    return { lost, gained, unreachable, ...apart, workloads: subjects.length, skippedHostNetwork: workloads.length - subjects.length };
}

const NAME_LABELS = ["app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/instance", "app.kubernetes.io/component"];

export function workloadText(workload: Workload): string {
    const key = NAME_LABELS.find(k => workload.labels[k] !== undefined);
    const rest = Object.entries(workload.labels).filter(([k]) => k !== key).map(([k, v]) => `${k}=${v}`);
    const name = key === undefined ? `{${rest.join(", ")}}` : `${workload.labels[key]}${rest.length > 0 && !NAME_LABELS.includes(key) ? "" : ""}`;
    return `${workload.namespace}/${name}`;
}

export function peerText(peer: DiffPeer): string {
    switch (peer.kind) {
        case "workload": return workloadText(peer.workload);
        case "entity": return `entity ${peer.entity}`;
        case "cidr": return `CIDR ${peer.cidr}`;
        case "fqdn": return `DNS ${peer.pattern}`;
    }
}

/** e.g. `media/lidarr <- traefik/traefik: 8686/TCP`; a workload-to-workload entry reads caller -> callee. */
export function entryText(entry: DiffEntry): string {
    if (entry.peer.kind === "workload") {
        return `${peerText(entry.peer)} -> ${workloadText(entry.workload)}: ${portSetText(entry.ports)}`;
    }
    return entry.direction === "egress"
        ? `${workloadText(entry.workload)} -> ${peerText(entry.peer)}: ${portSetText(entry.ports)}`
        : `${peerText(entry.peer)} -> ${workloadText(entry.workload)}: ${portSetText(entry.ports)}`;
}

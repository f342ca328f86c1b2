// The importer's third pass: the intents (one thing a rule allows, in the
// vocabulary's terms) merged into connections on the workloads, both ends of a
// workload pair at once, with the ends the program opens beyond the original
// (widenings). Also the drafts the passes share. Pure.

import type { PortSpec } from "../../config/applications";
import { CiliumPorts, Direction, Labels, PodSet, describePods, portsText } from "./cilium";
import type { ImportOptions, ImportedConnection, ImportedPeer, RuleRef, Reason, Widening } from "./importResult";
import { ruleId } from "./importResult";

// --- Ports as sets ----------------------------------------------------------------

type PortsClass = "ports" | "icmp";

function classOf(ports: CiliumPorts): PortsClass {
    return ports.kind === "icmp" ? "icmp" : "ports";
}

export function samePort(a: PortSpec, b: PortSpec): boolean {
    return a.port === b.port && a.endPort === b.endPort && a.protocol === b.protocol;
}

/** Everything either allows (both of one class). */
function union(a: CiliumPorts | undefined, b: CiliumPorts): CiliumPorts {
    if (a === undefined) {
        return b;
    }
    if (a.kind === "any" || b.kind === "any") {
        return { kind: "any" };
    }
    if (a.kind === "icmp" && b.kind === "icmp") {
        return { kind: "icmp", types: [...a.types, ...b.types.filter(t => !a.types.includes(t))] };
    }
    if (a.kind === "ports" && b.kind === "ports") {
        return { kind: "ports", ports: [...a.ports, ...b.ports.filter(p => !a.ports.some(q => samePort(p, q)))] };
    }
    throw new Error("ports and ICMP are kept apart");
}

/** What `a` allows that `b` does not; undefined when nothing. */
function minus(a: CiliumPorts, b: CiliumPorts | undefined): CiliumPorts | undefined {
    if (b === undefined) {
        return a;
    }
    if (b.kind === "any") {
        return undefined;
    }
    if (a.kind === "any") {
        return a;
    }
    if (a.kind === "icmp" && b.kind === "icmp") {
        const types = a.types.filter(t => !b.types.includes(t));
        return types.length === 0 ? undefined : { kind: "icmp", types };
    }
    if (a.kind === "ports" && b.kind === "ports") {
        const ports = a.ports.filter(p => !b.ports.some(q => samePort(p, q)));
        return ports.length === 0 ? undefined : { kind: "ports", ports };
    }
    return a;
}

/** Whether a peer selector picks every pod of `pods`: the same namespace, and a subset of its labels. */
function selects(peer: { readonly namespace: string; readonly labels: Labels }, pods: PodSet): boolean {
    return peer.namespace === pods.namespace && Object.entries(peer.labels).every(([k, v]) => pods.labels[k] === v);
}

// --- Drafts ----------------------------------------------------------------------------

export interface WorkloadDraft {
    name: string;
    readonly key: string;
    readonly pods: PodSet;
    readonly app: AppDraft;
    readonly policies: string[];
    readonly to: ImportedConnection[];
    readonly from: ImportedConnection[];
}

export interface AppDraft {
    name: string;
    readonly folder: string;
    readonly namespace: string;
    readonly files: string[];
    readonly workloads: WorkloadDraft[];
}

/** One thing a rule allows, in the vocabulary's terms, before connections are merged. */
export interface Intent {
    readonly rule: RuleRef;
    readonly workload: WorkloadDraft;
    readonly direction: Direction;
    readonly peer: { readonly kind: "workload"; readonly workload: WorkloadDraft } | Exclude<ImportedPeer, { kind: "app" }>;
    readonly ports: CiliumPorts;
}

export interface RuleState {
    readonly ref: RuleRef;
    readonly reasons: Reason[];
    readonly widened: string[];
    emitted: boolean;
    baseline: boolean;
    note?: string;
    platform?: boolean;
}


// --- Merging --------------------------------------------------------------------------

/**
 * Pass 3: merges the intents into connections on the workloads, both ends of
 * workload pairs at once; returns where an end will allow more than its own
 * rules did (none with noWiden, which keeps both ends as written instead).
 */
export function connectIntents(intents: readonly Intent[], states: readonly RuleState[], entrypoints: ReadonlyMap<number, string>, options: ImportOptions): Widening[] {
    const widenings: Widening[] = [];
    const byState = new Map(states.map(s => [ruleId(s.ref), s]));
    const stateOf = (ref: RuleRef) => byState.get(ruleId(ref))!;
    const merged = new Map<string, { workload: WorkloadDraft; direction: Direction; peer: ImportedPeer; ports?: CiliumPorts; rules: RuleRef[] }>();
    const connect = (workload: WorkloadDraft, direction: Direction, peer: ImportedPeer, ports: CiliumPorts, rules: readonly RuleRef[]) => {
        const key = JSON.stringify([workload.key, direction, peer, classOf(ports)]);
        const entry = merged.get(key) ?? { workload, direction, peer, rules: [] };
        entry.ports = union(entry.ports, ports);
        entry.rules.push(...rules.filter(r => !entry.rules.includes(r)));
        merged.set(key, entry);
    };
    const pairs = new Map<string, { caller: WorkloadDraft; callee: WorkloadDraft; egress?: CiliumPorts; ingress?: CiliumPorts; egressRules: RuleRef[]; ingressRules: RuleRef[] }>();
    for (const intent of intents) {
        if (intent.peer.kind !== "workload") {
            connect(intent.workload, intent.direction, intent.peer, intent.ports, [intent.rule]);
            continue;
        }
        const [caller, callee] = intent.direction === "egress" ? [intent.workload, intent.peer.workload] : [intent.peer.workload, intent.workload];
        const key = JSON.stringify([caller.key, callee.key, classOf(intent.ports)]);
        const pair = pairs.get(key) ?? { caller, callee, egressRules: [], ingressRules: [] };
        if (intent.direction === "egress") {
            pair.egress = union(pair.egress, intent.ports);
            pair.egressRules.push(intent.rule);
        } else {
            pair.ingress = union(pair.ingress, intent.ports);
            pair.ingressRules.push(intent.rule);
        }
        pairs.set(key, pair);
    }
    // What a workload already allows towards some pods through wider peers: a selector of the same
    // namespace with fewer labels, or the cluster entity. Opening such an end adds nothing.
    const wider = new Map<string, Intent[]>();
    for (const intent of intents) {
        if (intent.peer.kind === "pods" || (intent.peer.kind === "entity" && intent.peer.entities.includes("cluster"))) {
            const key = `${intent.workload.key} ${intent.direction}`;
            wider.set(key, [...(wider.get(key) ?? []), intent]);
        }
    }
    const alreadyAllowed = (w: WorkloadDraft, direction: Direction, pods: PodSet, cls: PortsClass): CiliumPorts | undefined => {
        let allowed: CiliumPorts | undefined;
        for (const intent of wider.get(`${w.key} ${direction}`) ?? []) {
            const covers = intent.peer.kind === "entity" || (intent.peer.kind === "pods" && selects(intent.peer, pods));
            if (covers && intent.ports.kind === "any") {
                return intent.ports;
            }
            if (covers && classOf(intent.ports) === cls) {
                allowed = union(allowed, intent.ports);
            }
        }
        return allowed;
    };
    const appPeer = (w: WorkloadDraft): ImportedPeer => ({ kind: "app", app: w.app.name, workload: w.name, key: w.key });
    const podsPeer = (w: WorkloadDraft): ImportedPeer => ({ kind: "pods", namespace: w.pods.namespace, labels: w.pods.labels });
    for (const pair of pairs.values()) {
        const { caller, callee, egress, ingress } = pair;
        const both = union(egress, ingress ?? egress!);
        const cls = classOf(both);
        // What each end would allow beyond its own rules (and beyond what it already allows through wider peers).
        const gained = (own: CiliumPorts | undefined, end: WorkloadDraft, direction: Direction, other: PodSet) => {
            const beyond = minus(both, own);
            return beyond === undefined ? undefined : minus(beyond, alreadyAllowed(end, direction, other, cls));
        };
        const callerGains = gained(egress, caller, "egress", callee.pods);
        const calleeGains = gained(ingress, callee, "ingress", caller.pods);
        const rules = [...pair.egressRules, ...pair.ingressRules];
        if (options.noWiden === true && (callerGains !== undefined || calleeGains !== undefined)) {
            if (egress !== undefined) {
                connect(caller, "egress", podsPeer(callee), egress, pair.egressRules);
            }
            if (ingress !== undefined) {
                connect(callee, "ingress", podsPeer(caller), ingress, pair.ingressRules);
            }
        } else {
            // Declared once: at the caller, unless only the callee allowed it.
            if (egress !== undefined) {
                connect(caller, "egress", appPeer(callee), both, rules);
            } else {
                connect(callee, "ingress", appPeer(caller), both, rules);
            }
            if (calleeGains !== undefined) {
                widenings.push({ workload: callee.pods, direction: "ingress", peer: caller.pods, ports: both });
                const text = `${describePods(callee.pods)} will also allow ingress from ${describePods(caller.pods)} on ${portsText(calleeGains)}, which the original allowed only at the caller's egress`;
                pair.egressRules.forEach(r => stateOf(r).widened.push(text));
            }
            if (callerGains !== undefined) {
                widenings.push({ workload: caller.pods, direction: "egress", peer: callee.pods, ports: both });
                const text = `${describePods(caller.pods)} will also allow egress to ${describePods(callee.pods)} on ${portsText(callerGains)}, which the original allowed only at the callee's ingress`;
                pair.ingressRules.forEach(r => stateOf(r).widened.push(text));
            }
        }
    }
    for (const entry of merged.values()) {
        const connection: ImportedConnection = { peer: finalPeer(entry.peer, entry.ports!, entry.direction, entrypoints), ports: entry.ports!, rules: entry.rules };
        (entry.direction === "egress" ? entry.workload.to : entry.workload.from).push(connection);
    }
    return widenings;
}

/** Calls to Traefik on its entrypoint ports (TCP) are calls to a public hostname: `ingress:`. */
function finalPeer(peer: ImportedPeer, ports: CiliumPorts, direction: Direction, entrypoints: ReadonlyMap<number, string>): ImportedPeer {
    if (peer.kind !== "platform" || peer.id !== "traefik" || direction !== "egress" || ports.kind !== "ports") {
        return peer;
    }
    const names = ports.ports.map(p => (p.protocol === "TCP" && p.endPort === undefined ? entrypoints.get(p.port) : undefined));
    return names.every(n => n !== undefined) ? { kind: "ingress", entrypoints: [...new Set(names as string[])] } : peer;
}

const PEER_ORDER: ReadonlyArray<ImportedPeer["kind"]> = ["platform", "ingress", "app", "pods", "entity", "cidr", "fqdn"];

export function sortConnections(list: readonly ImportedConnection[]): ImportedConnection[] {
    return [...list].sort((a, b) => PEER_ORDER.indexOf(a.peer.kind) - PEER_ORDER.indexOf(b.peer.kind));
}

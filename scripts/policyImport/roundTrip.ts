// The importer's proof: its printed config, fed back through the program
// (parseApplications, connectionPolicies, ciliumPolicySpec), must yield
// policies that allow the same peers and ports as the original rules it claims
// to express, and nothing else but the ends it reports as widened. Both sides
// are read by the same reader (cilium.ts) into atoms, one per (peer, port):
// the original YAML rules and the generated CiliumNetworkPolicy specs. Pure.

import { parse } from "yaml";
import { parseApplications } from "../../config/applications";
import type { IngressFrontends } from "../../platform/traefik";
import { allFrontends } from "../../platform/traefik";
import { connectionPolicies } from "../../components/network-policy/graph";
import { ciliumPolicySpec } from "../../components/network-policy/policy";
import { formatPort } from "../../policy/ports";
import {
    CiliumPeer,
    CiliumPorts,
    Direction,
    isKubeDns,
    isObject,
    platformPeerOf,
    podSetKey,
    readEndpointSelector,
    readRule,
} from "./cilium";
import type { SourcePolicy } from "./files";
import { ImportResult, TODO, ruleId } from "./importer";

export interface RoundTripResult {
    readonly ok: boolean;
    /** Rules whose every atom was found in the generated policies. */
    readonly checkedRules: number;
    readonly checkedWorkloads: number;
    readonly problems: readonly string[];
}

/** Stand-ins for the TODO placeholders, so the program accepts the entries. */
const PLACEHOLDER_REPO = "https://git.example.org/imported.git";

function peerKey(peer: CiliumPeer): string {
    switch (peer.kind) {
        case "pods": {
            const id = platformPeerOf(peer.pods);
            return id === undefined ? `pods:${podSetKey(peer.pods)}` : `platform:${id}`;
        }
        case "entity":
            return `entity:${peer.entity}`;
        case "cidr":
            return `cidr:${peer.cidr}`;
        case "fqdn": {
            // matchPattern without a wildcard is a name.
            const text = peer.name ?? peer.pattern!;
            return text.includes("*") ? `fqdn-pattern:${text}` : `fqdn:${text}`;
        }
    }
}

function portAtoms(ports: CiliumPorts): string[] {
    switch (ports.kind) {
        case "any":
            return ["any"];
        case "ports":
            return ports.ports.map(formatPort);
        case "icmp":
            return ports.types.map(t => `icmp:${t}`);
    }
}

function isDnsAtom(peer: CiliumPeer, port: string): boolean {
    return peer.kind === "pods" && isKubeDns(peer.pods) && (port === "53/UDP" || port === "53/TCP");
}

/** Every (peer, port) a rule allows, DNS to kube-dns apart (the baseline's); undefined when the reader cannot read it. */
function atomsOf(raw: unknown, direction: Direction, namespace: string): { atoms: string[]; dns: boolean } | undefined {
    const rule = readRule(raw, direction, namespace);
    if (rule.empty) {
        return { atoms: [], dns: false };
    }
    if (rule.ports.some(p => !p.ok)) {
        return undefined;
    }
    const atoms: string[] = [];
    let dns = false;
    for (const part of rule.parts) {
        if (part.kind === "nothing") {
            continue;
        }
        if (part.kind === "unsupported") {
            return undefined;
        }
        for (const ports of rule.ports) {
            for (const port of portAtoms((ports as { value: CiliumPorts }).value)) {
                if (direction === "egress" && isDnsAtom(part.peer, port)) {
                    dns = true;
                } else {
                    atoms.push(`${peerKey(part.peer)}|${port}`);
                }
            }
        }
    }
    return { atoms, dns };
}

function splitAtom(atom: string): { peer: string; port: string } {
    const bar = atom.lastIndexOf("|");
    return { peer: atom.slice(0, bar), port: atom.slice(bar + 1) };
}

/** The namespace and labels of a `pods:` peer key. */
function podsOfKey(peer: string): { namespace: string; labels: Array<[string, string]> } | undefined {
    if (!peer.startsWith("pods:")) {
        return undefined;
    }
    const rest = peer.slice("pods:".length);
    const slash = rest.indexOf("/");
    const labels = rest.slice(slash + 1);
    return { namespace: rest.slice(0, slash), labels: labels === "" ? [] : labels.split(",").map(l => l.split("=", 2) as [string, string]) };
}

/**
 * Whether `atoms` allows `atom`, as Cilium would: itself, every port of its
 * peer, or, for pods, a selector of the same namespace with a subset of its
 * labels, or the cluster entity (every pod of the cluster).
 */
function covers(atoms: ReadonlySet<string>, atom: string): boolean {
    const { peer, port } = splitAtom(atom);
    const portCovered = (p: string) => p === port || p === "any";
    if (atoms.has(atom) || atoms.has(`${peer}|any`)) {
        return true;
    }
    if (!peer.startsWith("pods:") && !peer.startsWith("platform:")) {
        return false;
    }
    const pods = podsOfKey(peer);
    for (const other of atoms) {
        const candidate = splitAtom(other);
        if (!portCovered(candidate.port)) {
            continue;
        }
        if (candidate.peer === "entity:cluster") {
            return true;
        }
        const wider = podsOfKey(candidate.peer);
        if (pods !== undefined && wider !== undefined && wider.namespace === pods.namespace && wider.labels.every(([k, v]) => pods.labels.some(([k2, v2]) => k === k2 && v === v2))) {
            return true;
        }
    }
    return false;
}

type Atoms = Map<string, Set<string>>;

function addAtoms(map: Atoms, key: string, atoms: readonly string[]): void {
    const set = map.get(key) ?? new Set<string>();
    atoms.forEach(a => set.add(a));
    map.set(key, set);
}

/** The printed config as the program reads it, with the TODO placeholders filled in. */
export function readBack(yamlText: string): unknown {
    const raw = parse(yamlText) as unknown;
    if (!Array.isArray(raw)) {
        return raw;
    }
    return raw.map(entry => (isObject(entry)
        ? { ...entry, ...(entry.repoURL === TODO ? { repoURL: PLACEHOLDER_REPO } : {}), ...(entry.targetRevision === TODO ? { targetRevision: "HEAD" } : {}) }
        : entry));
}

export function roundTrip(policies: readonly SourcePolicy[], result: ImportResult, yamlText: string, frontends: IngressFrontends): RoundTripResult {
    const problems: string[] = [];
    const entrypoints = allFrontends(frontends).flatMap(f => f.entrypoints.map(e => e.name));
    const parsed = parseApplications(readBack(yamlText), { entrypoints });
    for (const issue of parsed.issues) {
        problems.push(`the program refuses the printed config: ${issue.key} = ${issue.value}: ${issue.problem}`);
    }
    if (parsed.issues.length > 0) {
        return { ok: false, checkedRules: 0, checkedWorkloads: 0, problems };
    }
    const graph = connectionPolicies(parsed.specs, frontends);

    // What the program generates, per workload (namespace and selector) and direction.
    const generated: Atoms = new Map();
    const baselines = new Set<string>();
    for (const [namespace, policies] of graph.namespaces) {
        const specs = policies.map(p => ({ name: p.name, spec: ciliumPolicySpec(p) }));
        const deny = specs.find(s => s.name === "default-deny")?.spec;
        const dns = specs.find(s => s.name === "allow-dns")?.spec;
        // A staged namespace's default deny is the same policy with enableDefaultDeny off.
        const denyRules: Record<string, unknown> = { ...(deny ?? {}) };
        delete denyRules.enableDefaultDeny;
        if (JSON.stringify(denyRules) === JSON.stringify({ endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] }) && dns !== undefined) {
            baselines.add(namespace);
        } else {
            problems.push(`namespace ${namespace} lacks its baseline (default deny, DNS)`);
        }
    }
    const workloadKeys = new Set<string>();
    for (const policies of graph.applications.values()) {
        for (const policy of policies) {
            const spec = ciliumPolicySpec(policy) as Record<string, unknown>;
            const selector = readEndpointSelector(spec.endpointSelector, policy.namespace);
            if (!selector.ok) {
                problems.push(`generated policy ${policy.namespace}/${policy.name} has an unreadable selector`);
                continue;
            }
            const key = podSetKey(selector.pods);
            workloadKeys.add(key);
            for (const direction of ["ingress", "egress"] as const) {
                for (const raw of (spec[direction] as unknown[] | undefined) ?? []) {
                    const atoms = atomsOf(raw, direction, policy.namespace);
                    if (atoms === undefined) {
                        problems.push(`generated policy ${policy.namespace}/${policy.name} has a ${direction} rule the reader cannot read: ${JSON.stringify(raw)}`);
                    } else {
                        addAtoms(generated, `${key} ${direction}`, atoms.atoms);
                    }
                }
            }
        }
    }

    // What the originals allow: each rule claimed expressed must be in the generated policies; they may
    // hold no more than those rules, the readable parts of partly expressed ones, and the reported widenings.
    const outcomes = new Map(result.rules.map(r => [ruleId(r.ref), r]));
    const permitted: Atoms = new Map();
    let checkedRules = 0;
    for (const policy of policies) {
        const selector = readEndpointSelector(policy.spec.endpointSelector, policy.namespace);
        const key = selector.ok ? podSetKey(selector.pods) : undefined;
        for (const direction of ["ingress", "egress"] as const) {
            const list = policy.spec[direction];
            (Array.isArray(list) ? list : []).forEach((raw, index) => {
                const id = ruleId({ file: policy.file, doc: policy.doc, policy: policy.name, namespace: policy.namespace, section: direction, index, ...(policy.specIndex === undefined ? {} : { specIndex: policy.specIndex }) });
                const outcome = outcomes.get(id);
                if (outcome === undefined) {
                    problems.push(`${id} has no outcome in the import`);
                    return;
                }
                if (outcome.status === "platform" || outcome.status === "unexpressed") {
                    return;
                }
                const atoms = atomsOf(raw, direction, policy.namespace);
                if (outcome.status === "partial") {
                    if (key !== undefined && atoms !== undefined) {
                        addAtoms(permitted, `${key} ${direction}`, atoms.atoms);
                    } else if (key !== undefined) {
                        // Parts the reader cannot read were left out; the readable ones are permitted.
                        addAtoms(permitted, `${key} ${direction}`, readableAtoms(raw, direction, policy.namespace));
                    }
                    return;
                }
                checkedRules++;
                if (atoms === undefined || key === undefined) {
                    problems.push(`${id} is claimed expressed, but cannot be read`);
                    return;
                }
                if ((atoms.dns || atoms.atoms.length === 0) && !baselines.has(policy.namespace)) {
                    problems.push(`${id} is claimed covered by the baseline, but namespace ${policy.namespace} has none`);
                }
                if (atoms.atoms.length > 0) {
                    addAtoms(permitted, `${key} ${direction}`, atoms.atoms);
                    const have = generated.get(`${key} ${direction}`) ?? new Set<string>();
                    for (const atom of atoms.atoms) {
                        if (!covers(have, atom)) {
                            problems.push(`${id}: the generated policy of ${key} does not allow ${direction} ${atom}`);
                        }
                    }
                }
            });
        }
    }
    for (const extra of result.added ?? []) {
        addAtoms(permitted, `${podSetKey(extra.workload)} ${extra.direction}`, extra.atoms);
    }
    for (const widening of result.widenings) {
        const peer: CiliumPeer = { kind: "pods", pods: widening.peer };
        addAtoms(permitted, `${podSetKey(widening.workload)} ${widening.direction}`, portAtoms(widening.ports).map(p => `${peerKey(peer)}|${p}`));
    }
    // Nothing beyond: every generated atom is one the originals allowed, or a reported widening.
    for (const [slot, atoms] of generated) {
        const allowed = permitted.get(slot) ?? new Set<string>();
        for (const atom of atoms) {
            if (!covers(allowed, atom)) {
                problems.push(`the generated policy of ${slot.replace(/ (ingress|egress)$/, "")} allows ${slot.split(" ").pop()} ${atom}, which no expressed rule allowed and no widening reports`);
            }
        }
    }
    return { ok: problems.length === 0, checkedRules, checkedWorkloads: workloadKeys.size, problems };
}

/** The atoms of a rule's readable parts, for partly expressed rules. */
function readableAtoms(raw: unknown, direction: Direction, namespace: string): string[] {
    const rule = readRule(raw, direction, namespace);
    const atoms: string[] = [];
    for (const part of rule.parts) {
        if (part.kind !== "peer") {
            continue;
        }
        for (const ports of rule.ports) {
            if (ports.ok) {
                atoms.push(...portAtoms(ports.value).map(p => `${peerKey(part.peer)}|${p}`));
            }
        }
    }
    return atoms;
}

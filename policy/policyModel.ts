// Network policies by what they allow: one reader turns every policy kind into
// the same model of ingress and egress, so a rule about LAN reachability or
// widening is written once and holds for each kind alike.
//
// Read: CiliumNetworkPolicy (`spec` and every entry of `specs`),
// CiliumClusterwideNetworkPolicy, Kubernetes NetworkPolicy, whether declared
// as resources, inside a yaml.v2.ConfigGroup (through `objectsOf`) or read
// from a live cluster as plain objects (`kubectl get -o json`).
//
// API (pure; nothing here imports Pulumi):
// - `readPolicies(resource)`: the policies a Pulumi resource declares;
//   `readPolicyObject(object, via?)`: those of one Kubernetes object (from
//   kubectl, say). Each is a `PolicyModel`: its kind, owner text, namespace,
//   the pods (or nodes) it selects (`subject`), per direction whether it puts
//   them into default deny (`enforces`), and its `rules`, each with
//   direction, allow or deny, its peers and its ports. One model per spec:
//   a CiliumNetworkPolicy with `spec` and two `specs` gives three.
// - Peers (`Peer`): an entity (`world`, `all`, `cluster`, `host`, ...; a
//   selector on a `reserved:<entity>` label is that entity), a CIDR with its
//   mask applied (`1.0.0.0/0` is 0.0.0.0/0) and its `except` blocks, a
//   CIDR group by name or selector, endpoints (selector and the namespace it is
//   confined to, or every namespace), DNS names, Services, nodes; a value the
//   reader cannot read is kept as `unreadable` with the reason. A rule
//   without any peer field but with ports admits everyone on them: its peer
//   is the entity `all`; a Kubernetes rule without `from`/`to` likewise.
// - Ports (`PortRange`): protocol and first-last; every port is 0-65535
//   (Cilium's port 0, a rule without toPorts, a Kubernetes rule without ports)
//   and `1-65535` counts as every port too (`isAnyPort`). A named port is
//   kept by name (`named`), its numbers unknown.
// - `peerLanReach(peer, lan, groups?)`: how much of the LAN a peer admits
//   (`all`, `some`, `none`, or `unknown` for a CIDR group nobody declared).
//   A CIDR that covers the LAN is as wide as the entity `world` for it.
// - `cidrGroupsOf(object)`: CiliumCIDRGroups (`spec.externalCIDRs`) by name,
//   to resolve `cidrGroupRef`.
// - `describePeer`, `describePorts`: how messages name them.

import { Netmask, ip2long } from "netmask";
import { Ipv4Range, formatIpv4, parseIpv4, rangesOverlap } from "./addressing";
import { CILIUM_NAMESPACE_LABELS, KINDS, typeToken } from "./definitions";
import { DIRECTIONS, Direction, ObjectView, ResourceView, objectsOf } from "./readers";

export { DIRECTIONS, Direction };

export type PolicyKind = "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" | "NetworkPolicy";

/** A label selector with the source prefixes `k8s:` and `any:` taken off keys (`reserved:` is kept). */
export interface Selector {
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly matchExpressions: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values: readonly string[] }>;
}

export type Peer =
    | { readonly kind: "entity"; readonly entity: string; readonly written: string }
    | { readonly kind: "cidr"; readonly cidr: string; readonly range: Ipv4Range; readonly except: readonly Ipv4Range[]; readonly written: string }
    | { readonly kind: "cidr6"; readonly cidr: string; readonly prefix: number; readonly written: string }
    | { readonly kind: "cidrGroup"; readonly name?: string; readonly selector?: Selector; readonly written: string }
    | { readonly kind: "endpoints"; readonly selector: Selector; readonly namespace?: string; readonly namespaceSelector?: Selector; readonly written: string }
    | { readonly kind: "fqdn"; readonly pattern: string; readonly written: string }
    | { readonly kind: "service"; readonly written: string }
    | { readonly kind: "nodes"; readonly written: string }
    | { readonly kind: "unreadable"; readonly reason: string; readonly written: string };

export interface PortRange {
    /** TCP, UDP, SCTP, ... or ANY. */
    readonly protocol: string;
    readonly from: number;
    readonly to: number;
    /** A named container port, whose number the policy does not say. */
    readonly named?: string;
}

export const ANY_PORT: PortRange = { protocol: "ANY", from: 0, to: 65535 };

export interface PolicyRule {
    readonly direction: Direction;
    readonly deny: boolean;
    /** Its place, e.g. `ingress[2]` or `specs[1].egressDeny[0]`. */
    readonly where: string;
    /** Empty: the rule admits nobody (Cilium's `{}`). */
    readonly peers: readonly Peer[];
    readonly ports: readonly PortRange[];
    /** It carries L7 rules or authentication, which narrow it further. */
    readonly l7: boolean;
}

/** What a policy applies to: pods (of one namespace, or every namespace) or nodes. */
export type Subject =
    | { readonly kind: "pods"; readonly namespace?: string; readonly selector: Selector }
    | { readonly kind: "nodes"; readonly selector: Selector }
    | { readonly kind: "none"; readonly reason: string };

export interface PolicyModel {
    readonly kind: PolicyKind;
    /** e.g. `CiliumNetworkPolicy media/jellyfin (specs[1], in yaml.v2.ConfigGroup extras)`. */
    readonly owner: string;
    readonly name: string;
    /** Undefined for a clusterwide policy. */
    readonly namespace?: string;
    readonly subject: Subject;
    /** Per direction: whether the selected endpoints go into default deny (and so only its rules and others' admit). */
    readonly enforces: Readonly<Record<Direction, boolean>>;
    readonly rules: readonly PolicyRule[];
}

const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

// ---------------------------------------------------------------------------
// Selectors

const SOURCE_PREFIXES = ["k8s:", "any:"];

function stripSource(key: string): string {
    const prefix = SOURCE_PREFIXES.find(p => key.startsWith(p));
    return prefix === undefined ? key : key.slice(prefix.length);
}

export function readSelector(value: unknown): Selector {
    const selector = isObject(value) ? value : {};
    const matchLabels = Object.fromEntries(Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {}).map(([k, v]) => [stripSource(k), String(v ?? "")]));
    const matchExpressions = list(selector.matchExpressions).filter(isObject).map(e => ({
        key: stripSource(String(e.key ?? "")),
        operator: String(e.operator ?? ""),
        values: list(e.values).map(String),
    }));
    return { matchLabels, matchExpressions };
}

export function isEmptySelector(selector: Selector): boolean {
    return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

const NAMESPACE_LABELS = CILIUM_NAMESPACE_LABELS.map(stripSource);
/** The label Kubernetes gives every namespace with its own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The one namespace a selector confines to through a label (`io.kubernetes.pod.namespace`, `kubernetes.io/metadata.name`), if any. */
function namespaceOf(selector: Selector, labels: readonly string[]): string | undefined {
    for (const key of labels) {
        if (selector.matchLabels[key] !== undefined) {
            return selector.matchLabels[key];
        }
        const single = selector.matchExpressions.find(e => e.key === key && e.operator === "In" && e.values.length === 1);
        if (single !== undefined) {
            return single.values[0];
        }
    }
    return undefined;
}

function withoutKeys(selector: Selector, keys: readonly string[]): Selector {
    return {
        matchLabels: Object.fromEntries(Object.entries(selector.matchLabels).filter(([k]) => !keys.includes(k))),
        matchExpressions: selector.matchExpressions.filter(e => !keys.includes(e.key)),
    };
}

function selectorText(selector: Selector): string {
    const parts = [
        ...Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`),
        ...selector.matchExpressions.map(e => `${e.key} ${e.operator}${e.values.length === 0 ? "" : ` (${e.values.join(", ")})`}`),
    ];
    return parts.length === 0 ? "{}" : `{${parts.join(", ")}}`;
}

// ---------------------------------------------------------------------------
// CIDRs

/** A CIDR as Cilium and Kubernetes read it: its mask applied to the address (`192.168.1.5/24` is 192.168.1.0/24), a bare address a /32. */
export function readCidr(text: unknown): Peer {
    const written = String(text);
    if (typeof text !== "string" || text.trim() === "") {
        return { kind: "unreadable", reason: "is not a CIDR", written };
    }
    const trimmed = text.trim();
    if (trimmed.includes(":")) {
        const prefix = Number(trimmed.split("/")[1] ?? "128");
        return Number.isInteger(prefix) && prefix >= 0 && prefix <= 128
            ? { kind: "cidr6", cidr: trimmed, prefix, written }
            : { kind: "unreadable", reason: "is not an IPv6 CIDR", written };
    }
    const [addressText, prefixText = "32"] = trimmed.split("/");
    const address = parseIpv4(addressText);
    if (!address.ok || !/^(3[0-2]|[12]?[0-9])$/.test(prefixText)) {
        return { kind: "unreadable", reason: address.ok ? `has the prefix /${prefixText}` : address.reason, written };
    }
    const block = new Netmask(`${formatIpv4(address.value)}/${prefixText}`);
    const network = ip2long(block.base);
    return { kind: "cidr", cidr: `${block.base}/${block.bitmask}`, range: { start: network, end: network + block.size - 1 }, except: [], written };
}

function cidrRule(value: unknown, cidrKey: string): Peer {
    if (!isObject(value)) {
        return readCidr(value);
    }
    if (typeof value.cidrGroupRef === "string" || isObject(value.cidrGroupSelector)) {
        return {
            kind: "cidrGroup",
            ...(typeof value.cidrGroupRef === "string" ? { name: value.cidrGroupRef } : { selector: readSelector(value.cidrGroupSelector) }),
            written: typeof value.cidrGroupRef === "string" ? `cidrGroupRef ${value.cidrGroupRef}` : `cidrGroupSelector ${selectorText(readSelector(value.cidrGroupSelector))}`,
        };
    }
    const peer = readCidr(value[cidrKey]);
    if (peer.kind !== "cidr") {
        return peer;
    }
    const except = list(value.except).map(readCidr).flatMap(e => (e.kind === "cidr" ? [e.range] : []));
    return { ...peer, except, written: except.length === 0 ? peer.written : `${peer.written} except ${list(value.except).join(", ")}` };
}

/** The parts of `range` left once `holes` are cut out. */
function subtract(range: Ipv4Range, holes: readonly Ipv4Range[]): Ipv4Range[] {
    let parts = [range];
    for (const hole of holes) {
        parts = parts.flatMap(part => {
            if (!rangesOverlap(part, hole)) {
                return [part];
            }
            const left = hole.start > part.start ? [{ start: part.start, end: hole.start - 1 }] : [];
            const right = hole.end < part.end ? [{ start: hole.end + 1, end: part.end }] : [];
            return [...left, ...right];
        });
    }
    return parts;
}

export type LanReach = "all" | "some" | "none" | "unknown";

/** CiliumCIDRGroups by name, with the blocks they hold. */
export type CidrGroups = ReadonlyMap<string, readonly Ipv4Range[]>;

/** The CiliumCIDRGroups an object declares (name to its `spec.externalCIDRs`, masks applied). */
export function cidrGroupsOf(object: Record<string, any>): Array<[string, Ipv4Range[]]> {
    if (object?.kind !== "CiliumCIDRGroup" || typeof object.metadata?.name !== "string") {
        return [];
    }
    const ranges = list(object.spec?.externalCIDRs).map(readCidr).flatMap(p => (p.kind === "cidr" ? [p.range] : []));
    return [[object.metadata.name, ranges]];
}

const WORLD_ENTITIES = ["world", "world-ipv4", "all"];

/**
 * How much of the LAN a peer admits: `all` for the entities world and all and
 * for CIDRs (with their exceptions cut out, the CIDR groups' blocks pooled)
 * that cover every LAN address, `some` for CIDRs that reach part of it,
 * `unknown` for a CIDR group not in `groups` or matched by labels, `none` for
 * the rest (pods, nodes, DNS names, IPv6 prefixes).
 */
export function peerLanReach(peer: Peer, lan: Ipv4Range, groups: CidrGroups = new Map()): LanReach {
    if (peer.kind === "entity") {
        return WORLD_ENTITIES.includes(peer.entity) ? "all" : "none";
    }
    let ranges: Ipv4Range[];
    if (peer.kind === "cidr") {
        ranges = subtract(peer.range, peer.except);
    } else if (peer.kind === "cidrGroup") {
        const known = peer.name === undefined ? undefined : groups.get(peer.name);
        if (known === undefined) {
            return "unknown";
        }
        ranges = [...known];
    } else {
        return "none";
    }
    const inside = ranges.filter(r => rangesOverlap(r, lan)).map(r => ({ start: Math.max(r.start, lan.start), end: Math.min(r.end, lan.end) }));
    if (inside.length === 0) {
        return "none";
    }
    return subtract(lan, inside).length === 0 ? "all" : "some";
}

// ---------------------------------------------------------------------------
// Ports

export function isAnyPort(port: PortRange): boolean {
    return port.named === undefined && port.protocol === "ANY" && port.from <= 1 && port.to >= 65535;
}

/** Every port of some protocol (or of all): 0-65535 and 1-65535 alike. */
export function isEveryPortOf(port: PortRange): boolean {
    return port.named === undefined && port.from <= 1 && port.to >= 65535;
}

function readPort(port: unknown, endPort: unknown, protocol: unknown, defaultProtocol: string): PortRange {
    const proto = typeof protocol === "string" && protocol !== "" ? protocol.toUpperCase() : defaultProtocol;
    if (port === undefined || port === null || port === "") {
        return { protocol: proto, from: 0, to: 65535 };
    }
    const text = String(port).trim();
    if (!/^[0-9]+$/.test(text)) {
        return { protocol: proto, from: 0, to: 65535, named: text };
    }
    const from = Number(text);
    if (from === 0) {
        // Cilium reads port 0 as every port.
        return { protocol: proto, from: 0, to: 65535 };
    }
    const end = Number(endPort);
    return { protocol: proto, from, to: Number.isInteger(end) && end > from ? end : from };
}

/** Whether `inner` lies within `outer` (ports and protocol). */
export function portWithin(inner: PortRange, outer: PortRange): boolean {
    if (outer.named !== undefined || inner.named !== undefined) {
        return outer.named !== undefined && outer.named === inner.named && (outer.protocol === "ANY" || outer.protocol === inner.protocol);
    }
    const protocolOk = outer.protocol === "ANY" || outer.protocol === inner.protocol;
    const outerFrom = outer.from <= 1 ? 0 : outer.from;
    return protocolOk && inner.from >= outerFrom && inner.to <= outer.to;
}

export function describePort(port: PortRange): string {
    if (port.named !== undefined) {
        return `port ${port.named}${port.protocol === "ANY" ? "" : `/${port.protocol}`}`;
    }
    if (isEveryPortOf(port)) {
        return port.protocol === "ANY" ? "every port" : `every ${port.protocol} port`;
    }
    return `${port.from}${port.to === port.from ? "" : `-${port.to}`}/${port.protocol}`;
}

export function describePorts(ports: readonly PortRange[]): string {
    return ports.map(describePort).join(", ");
}

function ciliumPorts(rule: Record<string, any>): PortRange[] {
    const entries = list(rule.toPorts).filter(isObject).flatMap(p => list(p.ports));
    if (list(rule.toPorts).length === 0) {
        return [ANY_PORT];
    }
    // toPorts whose entries list no ports match every port.
    return entries.length === 0 ? [ANY_PORT] : entries.filter(isObject).map(e => readPort(e.port, e.endPort, e.protocol, "ANY"));
}

function hasL7(rule: Record<string, any>): boolean {
    return isObject(rule.authentication) || list(rule.toPorts).some(p => isObject(p) && (isObject(p.rules) || p.listener !== undefined || p.serverNames !== undefined));
}

// ---------------------------------------------------------------------------
// Cilium

const CILIUM_PEER_FIELDS: Record<Direction, readonly string[]> = {
    ingress: ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromGroups", "fromNodes"],
    egress: ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes"],
};

/** An endpoint selector as a peer: a `reserved:<entity>` label is that entity; a namespaced policy confines the rest to its namespace unless the selector names one. */
function endpointPeers(value: unknown, own: string | undefined, field: string): Peer[] {
    const selector = readSelector(value);
    const reserved = Object.keys(selector.matchLabels).filter(k => k.startsWith("reserved:"));
    if (reserved.length > 0) {
        return reserved.map(key => ({ kind: "entity" as const, entity: key.slice("reserved:".length), written: `${field} ${key}` }));
    }
    const namespace = namespaceOf(selector, NAMESPACE_LABELS) ?? own;
    return [{ kind: "endpoints", selector: withoutKeys(selector, NAMESPACE_LABELS), ...(namespace === undefined ? {} : { namespace }), written: `${field} ${selectorText(selector)}` }];
}

function ciliumPeers(rule: Record<string, any>, direction: Direction, own: string | undefined): Peer[] {
    const side = direction === "ingress" ? "from" : "to";
    const peers: Peer[] = [];
    for (const value of list(rule[`${side}Endpoints`])) {
        peers.push(...endpointPeers(value, own, `${side}Endpoints`));
    }
    for (const value of list(rule[`${side}Entities`])) {
        peers.push({ kind: "entity", entity: String(value), written: `${side}Entities ${String(value)}` });
    }
    for (const value of list(rule[`${side}CIDR`])) {
        peers.push(cidrRule(value, "cidr"));
    }
    for (const value of list(rule[`${side}CIDRSet`])) {
        peers.push(cidrRule(value, "cidr"));
    }
    for (const value of list(rule.toFQDNs).filter(isObject)) {
        peers.push({ kind: "fqdn", pattern: String(value.matchName ?? value.matchPattern ?? ""), written: `toFQDNs ${String(value.matchName ?? value.matchPattern)}` });
    }
    for (const value of list(rule.toServices)) {
        peers.push({ kind: "service", written: `toServices ${JSON.stringify(value)}` });
    }
    for (const value of list(rule[`${side}Nodes`])) {
        peers.push({ kind: "nodes", written: `${side}Nodes ${selectorText(readSelector(value))}` });
    }
    for (const value of list(rule[`${side}Groups`])) {
        peers.push({ kind: "unreadable", reason: "names cloud provider groups, which the model cannot resolve", written: `${side}Groups ${JSON.stringify(value)}` });
    }
    const hasPeerField = CILIUM_PEER_FIELDS[direction].some(field => rule[field] !== undefined);
    // A rule with ports (or ICMP types) and no peer field admits every peer on them.
    if (!hasPeerField && (rule.toPorts !== undefined || rule.icmps !== undefined)) {
        peers.push({ kind: "entity", entity: "all", written: "no peer (every peer)" });
    }
    return peers;
}

function ciliumRules(spec: Record<string, any>, prefix: string, own: string | undefined): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const direction of DIRECTIONS) {
        for (const deny of [false, true]) {
            const field = `${direction}${deny ? "Deny" : ""}`;
            list(spec[field]).forEach((rule, index) => {
                if (!isObject(rule)) {
                    return;
                }
                rules.push({
                    direction, deny, where: `${prefix}${field}[${index}]`,
                    peers: ciliumPeers(rule, direction, own),
                    ports: rule.icmps !== undefined && rule.toPorts === undefined ? [{ protocol: "ICMP", from: 0, to: 65535 }] : ciliumPorts(rule),
                    l7: hasL7(rule),
                });
            });
        }
    }
    return rules;
}

function ciliumModels(object: Record<string, any>, kind: PolicyKind, owner: (where: string) => string): PolicyModel[] {
    const clusterwide = kind === "CiliumClusterwideNetworkPolicy";
    const name = String(object.metadata?.name ?? "?");
    const own = clusterwide ? undefined : String(object.metadata?.namespace ?? "default");
    const specs: Array<[Record<string, any>, string]> = [];
    if (isObject(object.spec)) {
        specs.push([object.spec, ""]);
    }
    list(object.specs).forEach((spec, index) => {
        if (isObject(spec)) {
            specs.push([spec, `specs[${index}]`]);
        }
    });
    return specs.map(([spec, where]): PolicyModel => {
        const prefix = where === "" ? "" : `${where}.`;
        const explicit = isObject(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
        const enforces = (direction: Direction): boolean => {
            if (explicit[direction] === false) {
                return false;
            }
            return explicit[direction] === true || list(spec[direction]).length > 0 || list(spec[`${direction}Deny`]).length > 0;
        };
        let subject: Subject;
        if (isObject(spec.endpointSelector)) {
            const selector = readSelector(spec.endpointSelector);
            const namespace = own ?? namespaceOf(selector, NAMESPACE_LABELS);
            subject = { kind: "pods", ...(namespace === undefined ? {} : { namespace }), selector: withoutKeys(selector, NAMESPACE_LABELS) };
        } else if (isObject(spec.nodeSelector)) {
            subject = { kind: "nodes", selector: readSelector(spec.nodeSelector) };
        } else {
            subject = { kind: "none", reason: "it has neither endpointSelector nor nodeSelector" };
        }
        return {
            kind, owner: owner(where), name, ...(own === undefined ? {} : { namespace: own }), subject,
            enforces: { ingress: enforces("ingress"), egress: enforces("egress") },
            rules: ciliumRules(spec, prefix, own),
        };
    });
}

// ---------------------------------------------------------------------------
// Kubernetes NetworkPolicy

function kubernetesPeers(rule: Record<string, any>, side: "from" | "to", own: string): Peer[] {
    const peers = list(rule[side]);
    if (peers.length === 0) {
        return [{ kind: "entity", entity: "all", written: `no ${side} (every peer)` }];
    }
    return peers.filter(isObject).map((peer): Peer => {
        if (isObject(peer.ipBlock)) {
            return cidrRule(peer.ipBlock, "cidr");
        }
        const podSelector = readSelector(peer.podSelector);
        if (isObject(peer.namespaceSelector)) {
            const namespaceSelector = readSelector(peer.namespaceSelector);
            const namespace = namespaceOf(namespaceSelector, [NAMESPACE_NAME_LABEL]);
            const rest = withoutKeys(namespaceSelector, [NAMESPACE_NAME_LABEL]);
            return {
                kind: "endpoints", selector: podSelector,
                ...(namespace === undefined ? {} : { namespace }),
                ...(isEmptySelector(rest) ? {} : { namespaceSelector: rest }),
                written: `${side} namespaceSelector ${selectorText(namespaceSelector)}${isObject(peer.podSelector) ? ` podSelector ${selectorText(podSelector)}` : ""}`,
            };
        }
        return { kind: "endpoints", selector: podSelector, namespace: own, written: `${side} podSelector ${selectorText(podSelector)}` };
    });
}

function kubernetesModel(object: Record<string, any>, owner: string): PolicyModel {
    const spec = isObject(object.spec) ? object.spec : {};
    const own = String(object.metadata?.namespace ?? "default");
    const declared = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : undefined;
    const applies = (direction: Direction) => declared !== undefined
        ? declared.includes(direction === "ingress" ? "Ingress" : "Egress")
        : direction === "ingress" || spec.egress !== undefined;
    const rules: PolicyRule[] = [];
    for (const direction of DIRECTIONS.filter(applies)) {
        list(spec[direction]).forEach((rule, index) => {
            if (!isObject(rule)) {
                return;
            }
            const ports = list(rule.ports).filter(isObject);
            rules.push({
                direction, deny: false, where: `${direction}[${index}]`,
                peers: kubernetesPeers(rule, direction === "ingress" ? "from" : "to", own),
                ports: ports.length === 0 ? [ANY_PORT] : ports.map(p => readPort(p.port, p.endPort, p.protocol, "TCP")),
                l7: false,
            });
        });
    }
    return {
        kind: "NetworkPolicy", owner, name: String(object.metadata?.name ?? "?"), namespace: own,
        subject: { kind: "pods", namespace: own, selector: readSelector(spec.podSelector) },
        enforces: { ingress: applies("ingress"), egress: applies("egress") },
        rules,
    };
}

// ---------------------------------------------------------------------------
// Entry points

const POLICY_KINDS: Record<string, PolicyKind> = {
    [typeToken(KINDS.ciliumNetworkPolicy)]: "CiliumNetworkPolicy",
    [typeToken(KINDS.ciliumClusterwideNetworkPolicy)]: "CiliumClusterwideNetworkPolicy",
    [typeToken(KINDS.networkPolicy)]: "NetworkPolicy",
};

function modelsOf(object: Record<string, any>, kind: PolicyKind, via: string | undefined): PolicyModel[] {
    const name = String(object.metadata?.name ?? "?");
    const namespace = String(object.metadata?.namespace ?? "default");
    const base = kind === "CiliumClusterwideNetworkPolicy" ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
    const owner = (where: string) => {
        const notes = [where, via === undefined ? "" : `in ${via}`].filter(n => n !== "");
        return notes.length === 0 ? base : `${base} (${notes.join(", ")})`;
    };
    return kind === "NetworkPolicy" ? [kubernetesModel(object, owner(""))] : ciliumModels(object, kind, owner);
}

/** The policies of one Kubernetes object, as kubectl returns it (apiVersion and kind); none for other kinds. */
export function readPolicyObject(object: Record<string, any>, via?: string): PolicyModel[] {
    if (!isObject(object) || typeof object.kind !== "string" || typeof object.apiVersion !== "string") {
        return [];
    }
    const kind = POLICY_KINDS[typeToken({ apiVersion: object.apiVersion, kind: object.kind })];
    return kind === undefined ? [] : modelsOf(object, kind, via);
}

/** The policies a Pulumi resource declares: itself, or the objects inside a ConfigGroup. */
export function readPolicies(resource: ResourceView): PolicyModel[] {
    return objectsOf(resource).flatMap((view: ObjectView) => {
        const kind = POLICY_KINDS[view.type];
        return kind === undefined || !isObject(view.props) ? [] : modelsOf(view.props, kind, view.via);
    });
}

/** How a message names a peer. */
export function describePeer(peer: Peer): string {
    switch (peer.kind) {
        case "cidr":
            return peer.written.trim() === peer.cidr ? `CIDR ${peer.cidr}` : `CIDR ${peer.written.trim()} (that is ${peer.cidr}${peer.except.length === 0 ? "" : " with exceptions"})`;
        case "unreadable":
            return `${peer.written} (${peer.reason})`;
        default:
            return peer.written;
    }
}

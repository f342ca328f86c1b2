// Reading CiliumNetworkPolicy rules as Cilium reads them: label prefixes,
// the namespace a selector is confined to, entities, CIDRs, DNS names, ports
// and ICMP types, each reduced to a plain value. Shared by the importer (which
// maps them onto the connections vocabulary) and by the round-trip check
// (which compares the originals with what the program generates), so both
// read a rule the same way. Pure.

import type { CiliumEntityName, PortSpec } from "../../config/applications";
import { ARGOCD } from "../../platform/argocd";
import { HUBBLE_RELAY, HUBBLE_UI } from "../../platform/cilium";
import { KUBE_DNS_PODS } from "../../platform/k3s";
import { Labels, PLATFORM_PODS, PlatformId } from "../../platform/pods";
import { formatPort } from "../../policy/ports";
import { parseCidr } from "../../policy/addressing";
import { CILIUM_POD_NAMESPACE_LABEL } from "../../policy/definitions";

export type { Labels };
export type Direction = "ingress" | "egress";

/** Pods a selector picks: a namespace and labels (empty: every pod of it). */
export interface PodSet {
    readonly namespace: string;
    readonly labels: Labels;
}

/** One peer of a rule, as Cilium means it. */
export type CiliumPeer =
    | { readonly kind: "pods"; readonly pods: PodSet }
    | { readonly kind: "entity"; readonly entity: CiliumEntityName }
    | { readonly kind: "cidr"; readonly cidr: string }
    | { readonly kind: "fqdn"; readonly name?: string; readonly pattern?: string };

/** What a rule allows towards its peers: every port, some ports, or ICMP types. */
export type CiliumPorts =
    | { readonly kind: "any" }
    | { readonly kind: "ports"; readonly ports: readonly PortSpec[] }
    | { readonly kind: "icmp"; readonly types: readonly number[] };

/** One L3 construct of a rule: a peer, a selector that matches no pod, or one the vocabulary cannot say. */
export type RulePart =
    | { readonly kind: "peer"; readonly peer: CiliumPeer; readonly what: string }
    | { readonly kind: "nothing"; readonly what: string; readonly reason: string; readonly code: ReasonCode }
    | { readonly kind: "unsupported"; readonly what: string; readonly reason: string; readonly code: ReasonCode };

/** Why something cannot be said, as a stable code; the report groups by it. */
export type ReasonCode =
    | "platform-namespace" | "policy-selector" | "whole-namespace-policy" | "no-baseline" | "deny"
    | "nothing" | "selector" | "entity" | "cidr" | "services" | "requires" | "other-peer" | "no-peer"
    | "named-port" | "port" | "protocol" | "l7" | "dns-names" | "icmp" | "narrowed" | "lan" | "probes";

/** What each code means, for the report's headings. */
export const REASON_TITLES: Readonly<Record<ReasonCode, string>> = {
    "platform-namespace": "the policy's namespace belongs to the platform (the program refuses Applications in default, kube-*, argocd, traefik)",
    "policy-selector": "the policy's endpointSelector cannot be a workload selector",
    "whole-namespace-policy": "a policy on every pod of a namespace with rules of its own (only an Application without workloads covers a whole namespace, and it also lets the namespace's pods talk freely)",
    "no-baseline": "an empty rule in a namespace no workload is imported into (no Application declares its baseline)",
    "deny": "deny rules (ingressDeny/egressDeny) are not in the vocabulary",
    "nothing": "the peer selector matches no pod",
    "selector": "the peer selector cannot be said as pods or a workload",
    "entity": "an entity the vocabulary does not name",
    "cidr": "a CIDR the vocabulary cannot say",
    "services": "toServices (Services, not pods)",
    "requires": "fromRequires/toRequires",
    "other-peer": "a peer construct the vocabulary does not have",
    "no-peer": "ports without a peer (allowed to or from anyone)",
    "named-port": "named ports",
    "port": "a port the vocabulary cannot say",
    "protocol": "a protocol other than TCP and UDP",
    "l7": "L7 rules (HTTP, Kafka, TLS) on the ports",
    "dns-names": "DNS rules that restrict the names looked up",
    "icmp": "ICMP the vocabulary cannot say (ICMPv6, unknown types)",
    "narrowed": "protocol ANY, written as TCP and UDP (SCTP dropped)",
    "lan": "the LAN (world) admitted to pods it never reached as world (no address of their own, or the host's network)",
    "probes": "egress to the world on every port (which the pack refuses) written as the ports the workload's probes use, read from its config",
};

export interface ParsedRule {
    /** `{}`: selects no peer; only puts the direction into default deny. */
    readonly empty: boolean;
    readonly parts: readonly RulePart[];
    /** The ports, or why they cannot be said. Several port specs (ICMP and ports) each come as their own entry. */
    readonly ports: ReadonlyArray<{ readonly ok: true; readonly value: CiliumPorts; readonly narrowed?: string } | { readonly ok: false; readonly reason: string; readonly code: ReasonCode }>;
    /** DNS L7 patterns on the rule's ports (`rules: {dns: [...]}`), if any. */
    readonly dnsPatterns?: readonly string[];
}

export const NAMESPACE_KEY = CILIUM_POD_NAMESPACE_LABEL;
export const NAMESPACE_NAME_KEY = "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name";
const NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";
const POLICY_LABELS_PREFIX = "io.cilium.k8s.policy.";

/** Entities the connections vocabulary can name, with its name for them. */
export const VOCABULARY_ENTITIES: Readonly<Record<CiliumEntityName, string>> = {
    "world": "world",
    "cluster": "cluster",
    "host": "host",
    "remote-node": "remote-node",
    "kube-apiserver": "apiserver",
};

function isVocabularyEntity(name: string): name is CiliumEntityName {
    return Object.hasOwn(VOCABULARY_ENTITIES, name);
}

/** ICMPv4 type names Cilium accepts, by number. */
const ICMP_V4_TYPES: Readonly<Record<string, number>> = {
    EchoReply: 0,
    DestinationUnreachable: 3,
    Redirect: 5,
    Echo: 8,
    EchoRequest: 8,
    RouterAdvertisement: 9,
    RouterSelection: 10,
    TimeExceeded: 11,
    ParameterProblem: 12,
    Timestamp: 13,
    TimestampReply: 14,
    Photuris: 40,
    ExtendedEchoRequest: 42,
    ExtendedEchoReply: 43,
};

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `a=1,b=2`, keys sorted: a stable name for a set of labels. */
export function labelsKey(labels: Labels): string {
    return Object.keys(labels).sort().map(k => `${k}=${labels[k]}`).join(",");
}

export function podSetKey(pods: PodSet): string {
    return `${pods.namespace}/${labelsKey(pods.labels)}`;
}

export function describePods(pods: PodSet): string {
    const labels = labelsKey(pods.labels);
    return labels === "" ? `every pod of namespace ${pods.namespace}` : `${pods.namespace}/{${labels}}`;
}

/**
 * A label key as the selector means it: `k8s:` (the source Kubernetes) and
 * `any:` select the same pods as the bare key. Other sources (reserved:,
 * cidr:, container:) are not pod labels: undefined.
 */
function bareKey(key: string): string | undefined {
    const match = /^([a-z0-9-]+):(.*)$/.exec(key);
    if (match === null) {
        return key;
    }
    return match[1] === "k8s" || match[1] === "any" ? match[2] : undefined;
}

type SelectorResult =
    | { readonly ok: true; readonly pods: PodSet }
    | { readonly ok: false; readonly nothing: boolean; readonly reason: string };

/**
 * The pods an endpoint selector of a namespaced policy picks. Cilium confines
 * a selector without `io.kubernetes.pod.namespace` to the policy's own
 * namespace; the namespace's `kubernetes.io/metadata.name` label, when given,
 * must name the same namespace or nothing matches.
 */
export function readSelector(raw: unknown, policyNamespace: string): SelectorResult {
    if (raw === undefined || raw === null) {
        return { ok: true, pods: { namespace: policyNamespace, labels: {} } };
    }
    if (!isObject(raw)) {
        return { ok: false, nothing: false, reason: "is not a label selector" };
    }
    const other = Object.keys(raw).filter(k => k !== "matchLabels" && k !== "matchExpressions");
    if (other.length > 0) {
        return { ok: false, nothing: false, reason: `has ${other.join(", ")}, which the vocabulary's selectors do not` };
    }
    if (Array.isArray(raw.matchExpressions) && raw.matchExpressions.length > 0) {
        return { ok: false, nothing: false, reason: "uses matchExpressions; the vocabulary selects pods by labels (matchLabels) only" };
    }
    const match = raw.matchLabels ?? {};
    if (!isObject(match)) {
        return { ok: false, nothing: false, reason: "has matchLabels that are not a map" };
    }
    const labels: Labels = {};
    let namespace: string | undefined;
    let namespaceName: string | undefined;
    for (const [rawKey, rawValue] of Object.entries(match)) {
        const key = bareKey(rawKey);
        const value = String(rawValue);
        if (key === undefined) {
            return { ok: false, nothing: false, reason: `selects by ${rawKey}, which is not a pod label` };
        }
        if (key === NAMESPACE_KEY) {
            namespace = value;
        } else if (key === NAMESPACE_NAME_KEY) {
            namespaceName = value;
        } else if (key.startsWith(NAMESPACE_LABELS_PREFIX)) {
            return { ok: false, nothing: false, reason: `selects namespaces by their label ${key.slice(NAMESPACE_LABELS_PREFIX.length)}; the vocabulary names namespaces` };
        } else if (key.startsWith(POLICY_LABELS_PREFIX)) {
            return { ok: false, nothing: false, reason: `selects by ${key} (a service account or cluster); the vocabulary selects pods by their labels` };
        } else {
            labels[key] = value;
        }
    }
    const effective = namespace ?? policyNamespace;
    if (namespaceName !== undefined && namespaceName !== effective) {
        return {
            ok: false,
            nothing: true,
            reason: namespace === undefined
                ? `matches no pod: its namespace label names ${namespaceName}, but a selector without ${NAMESPACE_KEY} is confined to the policy's namespace ${policyNamespace}`
                : `matches no pod: it names namespace ${namespace} and namespace label ${namespaceName}`,
        };
    }
    return { ok: true, pods: { namespace: effective, labels } };
}

/** The pods a policy applies to, from its endpointSelector. */
export function readEndpointSelector(raw: unknown, policyNamespace: string): SelectorResult {
    if (!isObject(raw)) {
        return { ok: false, nothing: false, reason: "has no endpointSelector (a nodeSelector policy governs nodes, not pods)" };
    }
    const read = readSelector(raw, policyNamespace);
    if (read.ok && read.pods.namespace !== policyNamespace) {
        // A namespaced policy applies to its own namespace's pods only.
        return { ok: false, nothing: true, reason: `names namespace ${read.pods.namespace}, but the policy applies in ${policyNamespace} only: it selects no pod` };
    }
    return read;
}

function readCidr(raw: unknown): { cidr: string } | { reason: string } {
    const text = String(raw).trim();
    const parsed = parseCidr(text.includes("/") ? text : `${text}/32`);
    return parsed.ok ? { cidr: parsed.value.cidr } : { reason: `${text} ${parsed.reason}` };
}

/** Every L3 construct of one rule, in the order Cilium lists them. */
function readParts(rule: Record<string, unknown>, direction: Direction, policyNamespace: string): RulePart[] {
    const parts: RulePart[] = [];
    const prefix = direction === "ingress" ? "from" : "to";
    const unsupported = (what: string, reason: string, code: ReasonCode) => parts.push({ kind: "unsupported", what, reason, code });
    for (const [key, value] of Object.entries(rule)) {
        if (key === "toPorts" || key === "icmps") {
            continue;
        }
        const list = Array.isArray(value) ? value : [value];
        if (key === `${prefix}Endpoints`) {
            list.forEach((selector, i) => {
                const what = `${key}[${i}]`;
                const read = readSelector(selector, policyNamespace);
                if (read.ok) {
                    parts.push({ kind: "peer", peer: { kind: "pods", pods: read.pods }, what });
                } else if (read.nothing) {
                    parts.push({ kind: "nothing", what, reason: read.reason, code: "nothing" });
                } else {
                    unsupported(what, `the selector ${read.reason}`, "selector");
                }
            });
        } else if (key === `${prefix}Entities`) {
            list.forEach((entity, i) => {
                const name = String(entity);
                if (!isVocabularyEntity(name)) {
                    unsupported(`${key}[${i}]`, `entity ${name} is not in the vocabulary (${Object.keys(VOCABULARY_ENTITIES).join(", ")})`, "entity");
                } else {
                    parts.push({ kind: "peer", peer: { kind: "entity", entity: name }, what: `${key}[${i}]` });
                }
            });
        } else if (key === `${prefix}CIDR`) {
            list.forEach((cidr, i) => {
                const value = readCidr(cidr);
                if ("reason" in value) {
                    unsupported(`${key}[${i}]`, value.reason, "cidr");
                } else {
                    parts.push({ kind: "peer", peer: { kind: "cidr", cidr: value.cidr }, what: `${key}[${i}]` });
                }
            });
        } else if (key === `${prefix}CIDRSet`) {
            list.forEach((item, i) => {
                const what = `${key}[${i}]`;
                if (!isObject(item) || item.cidr === undefined) {
                    unsupported(what, "names no cidr (a cidrGroupRef or selector)", "cidr");
                } else if (Array.isArray(item.except) && item.except.length > 0) {
                    unsupported(what, `excepts ${item.except.join(", ")}; the vocabulary's cidr has no exceptions`, "cidr");
                } else {
                    const value = readCidr(item.cidr);
                    if ("reason" in value) {
                        unsupported(what, value.reason, "cidr");
                    } else {
                        parts.push({ kind: "peer", peer: { kind: "cidr", cidr: value.cidr }, what });
                    }
                }
            });
        } else if (key === "toFQDNs" && direction === "egress") {
            list.forEach((item, i) => {
                const what = `${key}[${i}]`;
                if (isObject(item) && typeof item.matchName === "string") {
                    parts.push({ kind: "peer", peer: { kind: "fqdn", name: item.matchName.toLowerCase().replace(/\.$/, "") }, what });
                } else if (isObject(item) && typeof item.matchPattern === "string") {
                    parts.push({ kind: "peer", peer: { kind: "fqdn", pattern: item.matchPattern.toLowerCase().replace(/\.$/, "") }, what });
                } else {
                    unsupported(what, "has neither matchName nor matchPattern", "other-peer");
                }
            });
        } else if (key === "toServices") {
            unsupported(key, "selects Services (toServices); the vocabulary names the pods, entities or CIDRs behind them", "services");
        } else if (key === "toRequires" || key === "fromRequires") {
            unsupported(key, `${key} (a requirement on every peer) is not in the vocabulary`, "requires");
        } else {
            unsupported(key, `${key} is not in the vocabulary`, "other-peer");
        }
    }
    return parts;
}

type PortFailure = { ok: false; reason: string; code: ReasonCode };

function readPortEntry(raw: unknown): { ok: true; ports: PortSpec[]; narrowed?: string } | PortFailure {
    if (!isObject(raw)) {
        return { ok: false, reason: "a port entry is not a map", code: "port" };
    }
    const text = String(raw.port ?? "");
    if (!/^[0-9]+$/.test(text)) {
        return text === ""
            ? { ok: false, reason: "a port entry names no port", code: "port" }
            : { ok: false, reason: `named port ${text}; the vocabulary's ports are numbers`, code: "named-port" };
    }
    const port = Number(text);
    if (port < 1 || port > 65535) {
        return { ok: false, reason: `port ${text} (0: every port of one protocol) is not a port the vocabulary can say`, code: "port" };
    }
    const endPort = raw.endPort === undefined ? undefined : Number(raw.endPort);
    if (endPort !== undefined && (!Number.isInteger(endPort) || endPort <= port || endPort > 65535)) {
        return { ok: false, reason: `endPort ${String(raw.endPort)} is not above port ${port}`, code: "port" };
    }
    const protocol = String(raw.protocol ?? "ANY").toUpperCase();
    const range = endPort === undefined ? {} : { endPort };
    if (protocol === "TCP" || protocol === "UDP") {
        return { ok: true, ports: [{ port, ...range, protocol }] };
    }
    if (protocol === "ANY") {
        return { ok: true, ports: [{ port, ...range, protocol: "TCP" }, { port, ...range, protocol: "UDP" }], narrowed: `port ${text} with protocol ANY is written as TCP and UDP; SCTP is not in the vocabulary` };
    }
    return { ok: false, reason: `protocol ${protocol} is not in the vocabulary (TCP, UDP)`, code: "protocol" };
}

/** The ports of a rule: its toPorts, its icmps, or every port when it has neither. */
function readPorts(rule: Record<string, unknown>): { ports: ParsedRule["ports"]; dnsPatterns?: string[] } {
    const result: Array<ParsedRule["ports"][number]> = [];
    let dnsPatterns: string[] | undefined;
    const toPorts = rule.toPorts;
    const icmps = rule.icmps;
    if (toPorts === undefined && icmps === undefined) {
        return { ports: [{ ok: true, value: { kind: "any" } }] };
    }
    if (toPorts !== undefined) {
        const ports: PortSpec[] = [];
        const narrowed: string[] = [];
        let failed: PortFailure | undefined;
        const fail = (reason: string, code: ReasonCode) => {
            failed = failed ?? { ok: false, reason, code };
        };
        for (const entry of Array.isArray(toPorts) ? toPorts : [toPorts]) {
            if (!isObject(entry)) {
                fail("toPorts holds something other than a map", "port");
                continue;
            }
            const extra = Object.keys(entry).filter(k => k !== "ports" && k !== "rules");
            if (extra.length > 0) {
                fail(`toPorts has ${extra.join(", ")} (TLS interception, SNI); the vocabulary has ports only`, "l7");
            }
            if (entry.rules !== undefined) {
                const rules = isObject(entry.rules) ? entry.rules : {};
                const kinds = Object.keys(rules);
                if (kinds.length === 1 && kinds[0] === "dns" && Array.isArray(rules.dns)) {
                    dnsPatterns = [...(dnsPatterns ?? []), ...rules.dns.map(r => (isObject(r) ? String(r.matchPattern ?? r.matchName ?? "") : ""))];
                } else if (kinds.length > 0) {
                    fail(`L7 rules (${kinds.join(", ")}) restrict what may be said on the ports; the vocabulary allows ports, not requests`, "l7");
                }
            }
            const list = entry.ports;
            if (list === undefined || (Array.isArray(list) && list.length === 0)) {
                fail("a toPorts entry names no ports", "port");
                continue;
            }
            for (const raw of Array.isArray(list) ? list : [list]) {
                const read = readPortEntry(raw);
                if (!read.ok) {
                    fail(read.reason, read.code);
                    continue;
                }
                for (const p of read.ports) {
                    if (!ports.some(q => q.port === p.port && q.endPort === p.endPort && q.protocol === p.protocol)) {
                        ports.push(p);
                    }
                }
                if (read.narrowed !== undefined) {
                    narrowed.push(read.narrowed);
                }
            }
        }
        result.push(failed ?? { ok: true, value: { kind: "ports", ports }, ...(narrowed.length > 0 ? { narrowed: narrowed.join("; ") } : {}) });
    }
    if (icmps !== undefined) {
        const types: number[] = [];
        let failed: PortFailure | undefined;
        for (const entry of Array.isArray(icmps) ? icmps : [icmps]) {
            const fields = isObject(entry) && Array.isArray(entry.fields) ? entry.fields : [];
            if (fields.length === 0) {
                failed = failed ?? { ok: false, reason: "an icmps entry has no fields", code: "icmp" };
            }
            for (const field of fields) {
                const family = isObject(field) ? String(field.family ?? "IPv4") : "";
                const rawType = isObject(field) ? field.type : undefined;
                const type = typeof rawType === "number" ? rawType : /^[0-9]+$/.test(String(rawType)) ? Number(rawType) : ICMP_V4_TYPES[String(rawType)];
                if (family !== "IPv4") {
                    failed = failed ?? { ok: false, reason: `ICMP family ${family}; the vocabulary's icmp is ICMPv4`, code: "icmp" };
                } else if (type === undefined || type < 0 || type > 255) {
                    failed = failed ?? { ok: false, reason: `ICMP type ${String(rawType)} is not an ICMPv4 type`, code: "icmp" };
                } else if (!types.includes(type)) {
                    types.push(type);
                }
            }
        }
        result.push(failed ?? { ok: true, value: { kind: "icmp", types } });
    }
    return { ports: result, ...(dnsPatterns === undefined ? {} : { dnsPatterns }) };
}

export function readRule(raw: unknown, direction: Direction, policyNamespace: string): ParsedRule {
    if (!isObject(raw) || Object.keys(raw).length === 0) {
        return { empty: true, parts: [], ports: [] };
    }
    const parts = readParts(raw, direction, policyNamespace);
    if (parts.length === 0) {
        // Ports without peers: Cilium allows them from (or to) every peer.
        return { empty: false, parts: [{ kind: "unsupported", what: "toPorts", reason: "names no peer (ports from or to anyone); the vocabulary names its peers", code: "no-peer" }], ports: [] };
    }
    const { ports, dnsPatterns } = readPorts(raw);
    return { empty: false, parts, ports, ...(dnsPatterns === undefined ? {} : { dnsPatterns }) };
}

// --- The platform: pods this program deploys (or K3s runs) --------------------

/**
 * Traefik's pods as other clusters label them: `app.kubernetes.io/name:
 * traefik` and/or an `app.kubernetes.io/instance` of the chart's
 * `<release>-<namespace>` form, in any namespace (kube-system on K3s's
 * bundled Traefik, traefik here).
 */
function isTraefik(labels: Labels): boolean {
    const keys = Object.keys(labels);
    if (keys.length === 0 || keys.some(k => k !== "app.kubernetes.io/name" && k !== "app.kubernetes.io/instance")) {
        return false;
    }
    return (labels["app.kubernetes.io/name"] ?? "traefik") === "traefik" && (labels["app.kubernetes.io/instance"] ?? "traefik").startsWith("traefik");
}

function sameLabels(a: Labels, b: Labels): boolean {
    return labelsKey(a) === labelsKey(b);
}

/** The platform pods (by the program's ids) a peer selector names, if any. */
export function platformPeerOf(pods: PodSet): PlatformId | undefined {
    if (isTraefik(pods.labels)) {
        return "traefik";
    }
    for (const [id, platform] of Object.entries(PLATFORM_PODS) as Array<[PlatformId, (typeof PLATFORM_PODS)[PlatformId]]>) {
        if (id !== "traefik" && platform.namespace === pods.namespace && sameLabels(platform.labels, pods.labels)) {
            return id;
        }
    }
    return undefined;
}

export function isKubeDns(pods: PodSet): boolean {
    return pods.namespace === KUBE_DNS_PODS.namespace && sameLabels(pods.labels, KUBE_DNS_PODS.labels);
}

/** How the importer recognises the platform's own policies, which the program deploys itself. */
export const PLATFORM_POLICY_RULES = [
    `Argo CD: every policy in namespace ${ARGOCD.namespace}`,
    "Traefik: endpointSelector app.kubernetes.io/name: traefik and/or app.kubernetes.io/instance: traefik-*, in any namespace",
    `Hubble: endpointSelector k8s-app: ${HUBBLE_UI.labels["k8s-app"]} or ${HUBBLE_RELAY.labels["k8s-app"]}`,
    `CoreDNS: endpointSelector k8s-app: ${KUBE_DNS_PODS.labels["k8s-app"]} in ${KUBE_DNS_PODS.namespace}`,
    "kube-vip: an endpointSelector label whose value starts with kube-vip",
] as const;

/** Which part of the platform a policy belongs to, or undefined for an application's policy. */
export function platformPolicyOf(namespace: string, labels: Labels): string | undefined {
    if (namespace === ARGOCD.namespace) {
        return "Argo CD";
    }
    if (isTraefik(labels)) {
        return "Traefik";
    }
    const k8sApp = labels["k8s-app"];
    if (k8sApp === HUBBLE_UI.labels["k8s-app"] || k8sApp === HUBBLE_RELAY.labels["k8s-app"]) {
        return "Hubble";
    }
    if (namespace === KUBE_DNS_PODS.namespace && k8sApp === KUBE_DNS_PODS.labels["k8s-app"]) {
        return "CoreDNS";
    }
    if (Object.values(labels).some(v => v.startsWith("kube-vip"))) {
        return "kube-vip";
    }
    return undefined;
}

// --- Ports as text -------------------------------------------------------------

export function portsText(ports: CiliumPorts): string {
    switch (ports.kind) {
        case "any":
            return "every port";
        case "ports":
            return ports.ports.map(formatPort).join(", ");
        case "icmp":
            return `ICMP ${ports.types.join(", ")}`;
    }
}

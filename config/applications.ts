// Argo CD Applications as the stack config declares them: their source, their
// workloads (pod selectors), and the connections each workload needs. Pure:
// parsed and checked here, turned into Application objects by
// components/argocd/application.ts and into CiliumNetworkPolicies by
// components/network-policy/graph.ts.
//
// A connection names its peer and its ports, always: a misspelt or missing
// `ports` must never widen a policy to every port, so "every port" is written
// `ports: any`.

import { ARGOCD } from "../platform/argocd";
import { Labels, PLATFORM_IDS, PlatformId } from "../platform/pods";
import { TRAEFIK } from "../platform/traefik";
import { parseIpv4 } from "../policy/addressing";
import { type PortSpec, everyPortOf } from "../policy/ports";
import { EXACT_VERSION } from "../policy/revisions";
import { API_SERVER_AS_DESTINATION, API_SERVER_AS_SOURCE } from "./apiServerPeer";
import { undeclaredPins } from "./helmValuePins";
import {
    DNS_LABEL,
    FQDN,
    Report,
    countingReport,
    didYouMean,
    isObject,
    listOf,
    onlyFields,
    parseCidrText,
    parseIcmp,
    parseLabels,
    parsePorts,
    requiredName,
    shown,
    textField,
    unknownFields,
} from "./fields";
import type { ConfigIssue } from "./issues";
import { SYNC_FIELDS, SyncSpec, dependencyIssues, parseSync } from "./syncOptions";

// The port type belongs to the pack, which reads the same values in its config.
export type { PortSpec };
// The fields' readers are config/fields.ts's; the importer reads what they accept from here too.
export { accepts } from "./fields";

export type { Labels };

/**
 * Cilium entities as the config names them, as destinations (`to`).
 * `apiserver` is the API server wherever it runs, which as a source needs more
 * (SOURCE_ENTITIES, config/apiServerPeer.ts); `kube-apiserver` is Cilium's
 * entity exactly as written, in both directions.
 */
export const ENTITIES = {
    world: ["world"],
    cluster: ["cluster"],
    nodes: ["host", "remote-node"],
    host: ["host"],
    "remote-node": ["remote-node"],
    apiserver: API_SERVER_AS_DESTINATION,
    "kube-apiserver": ["kube-apiserver"],
} as const;
export type EntityName = keyof typeof ENTITIES;
/** A Cilium entity the config can name. */
export type CiliumEntityName = (typeof ENTITIES)[EntityName][number];
/** Where a name means other entities as a source (`from`). */
export const SOURCE_ENTITIES: Partial<Record<EntityName, readonly CiliumEntityName[]>> = {
    apiserver: API_SERVER_AS_SOURCE,
};

/** The other end of a connection. */
export type PeerRef =
    /** A declared Application: one of its workloads, or all of them. */
    | { readonly kind: "app"; readonly app: string; readonly workload?: string }
    /** Cilium's reserved identities: the internet, the nodes, the API server, the cluster. */
    | { readonly kind: "entity"; readonly entities: readonly CiliumEntityName[] }
    | { readonly kind: "cidr"; readonly cidr: string }
    /** DNS names or patterns; destinations only. */
    | { readonly kind: "fqdn"; readonly patterns: readonly string[] }
    /** Pods the program itself deploys (Traefik, Argo CD, Hubble) or K3s runs (CoreDNS). */
    | { readonly kind: "platform"; readonly id: PlatformId }
    /** The app's own public hostname: Traefik's pods on these entrypoints; destinations only. */
    | { readonly kind: "ingress"; readonly entrypoints: readonly string[] }
    /** Pods this config does not declare, by namespace and labels (an operator's, another tool's). */
    | { readonly kind: "pods"; readonly namespace: string; readonly labels: Labels };

export interface ConnectionSpec {
    readonly peer: PeerRef;
    /** Empty: every port (`ports: any`), or none when `icmp` is set. */
    readonly ports: readonly PortSpec[];
    /** ICMPv4 types (8: echo request) instead of ports. */
    readonly icmp?: readonly number[];
    /** Where the connection was declared, for messages: `applications[2].workloads[0].connections.to[1]`. */
    readonly where: string;
}

/** A LoadBalancer address the workload's own manifests pin (kube-vip's annotation), with what it serves. */
export interface LoadBalancerAddress {
    readonly address: number;
    readonly text: string;
    readonly ports: readonly PortSpec[];
    /** Where it was declared, for messages. */
    readonly where: string;
}

export interface WorkloadSpec {
    /** The workload's name; the Application's name for the implicit whole-namespace workload. */
    readonly name: string;
    /** `<app>` or `<app>.<workload>`: unique across the stack. */
    readonly id: string;
    readonly app: string;
    readonly namespace: string;
    /** Pod labels; empty for the implicit workload (every pod of the namespace). */
    readonly selector: Labels;
    /** The implicit workload of an Application that declares none: the whole namespace, talking freely inside it. */
    readonly wholeNamespace: boolean;
    readonly to: readonly ConnectionSpec[];
    readonly from: readonly ConnectionSpec[];
    /** Addresses of the LoadBalancer pool its Services pin: the LAN reaches it there. */
    readonly loadBalancerAddresses: readonly LoadBalancerAddress[];
}

/**
 * How an Application's policies act. `enforce`: its pods are in default deny,
 * and only what is declared passes. `staged`: its policies (and its
 * namespace's baseline) allow what is declared and deny nothing else
 * (Cilium's enableDefaultDeny off), so the declared connections can be
 * watched in Hubble before a switch to enforce cuts anything off.
 */
export const ENFORCEMENT_MODES = ["enforce", "staged"] as const;
export type Enforcement = (typeof ENFORCEMENT_MODES)[number];

export interface ApplicationSpec {
    readonly name: string;
    readonly namespace: string;
    readonly repoURL: string;
    /** Exactly one of `path` (a Git directory) and `chart` (a Helm chart) is set. */
    readonly path?: string;
    readonly chart?: string;
    readonly targetRevision: string;
    readonly helmValues?: Record<string, unknown>;
    /** At least one: the declared workloads, or the implicit whole-namespace one. */
    readonly workloads: readonly WorkloadSpec[];
    /** Defaults to `enforce`. */
    readonly enforcement: Enforcement;
    /** Sync options, ignored differences and the Applications to wait for. */
    readonly sync: SyncSpec;
}

/** What the Applications' config refers to outside itself. */
export interface ApplicationContext {
    /** Traefik's entrypoint names, for `ingress:` peers; unknown (not checked) when the address plan has problems of its own. */
    readonly entrypoints?: readonly string[];
}

const CONFIG_KEY = "applications";
const APPLICATION_FIELDS = ["name", "namespace", "repoURL", "path", "chart", "targetRevision", "helmValues", "enforcement", "connections", "loadBalancerAddresses", "workloads", ...SYNC_FIELDS];
const WORKLOAD_FIELDS = ["name", "selector", "connections", "loadBalancerAddresses"];
const CONNECTION_KINDS = ["to", "from", "ingressPorts", "apiServer", "toApps", "toCidrs"];
const PEER_KEYS = ["app", "entity", "cidr", "fqdn", "platform", "ingress", "pods"] as const;
const DESTINATION_ONLY = new Set(["fqdn", "ingress"]);

/**
 * Namespaces the platform owns. An Application there would share (and, on
 * removal, delete) the platform's namespace, and its default deny would cut
 * off CoreDNS, Traefik or Argo CD.
 */
export const RESERVED_NAMESPACES = ["default", ARGOCD.namespace, TRAEFIK.namespace] as const;

export function isReservedNamespace(namespace: string): boolean {
    return namespace.startsWith("kube-") || (RESERVED_NAMESPACES as readonly string[]).includes(namespace);
}

/**
 * Parses the `applications` config value. Returns every problem at once; the
 * `where` of each names the entry, e.g. `applications[1].workloads[0].connections.to[2].ports`.
 */
export function parseApplications(raw: unknown, context: ApplicationContext = {}): { specs: ApplicationSpec[]; issues: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    // A field that is not set has no value to show: it prints as "(not set)".
    const report: Report = (where, value, problem, fix, subject) => issues.push({ key: where, value: value === undefined ? undefined : shown(value), problem, fix, ...(subject === undefined ? {} : { subject }) });
    if (raw === undefined || raw === null) {
        return { specs: [], issues };
    }
    if (!Array.isArray(raw)) {
        report(CONFIG_KEY, raw, "is not a list", "write applications as a YAML list of objects, or [] for none");
        return { specs: [], issues };
    }
    const parsed = raw.map((entry, index) => parseApplication(entry, `${CONFIG_KEY}[${index}]`, report, context));
    crossCheck(parsed, report);
    const named = new Map(parsed.flatMap(p => (p.spec === undefined ? [] : [[p.spec.name, { where: p.where, sync: p.spec.sync }] as const])));
    issues.push(...dependencyIssues(named));
    const specs = parsed.flatMap(p => (p.ok && p.spec !== undefined ? [p.spec] : []));
    return { specs, issues };
}

/** One entry, parsed as far as it goes: `ok` is false when it has problems of its own. */
interface ParsedApplication {
    readonly where: string;
    readonly ok: boolean;
    /** Present when name, namespace and workloads could be read, even with other problems. */
    readonly spec?: ApplicationSpec;
}

function parseApplication(entry: unknown, where: string, report: Report, context: ApplicationContext): ParsedApplication {
    if (!isObject(entry)) {
        report(where, entry, "is not an object", "write each Application as a map with name, repoURL, targetRevision, namespace and path or chart");
        return { where, ok: false };
    }
    const own = countingReport(report);
    // A misspelt field is one mistake: the field it meant is not reported missing as well.
    const misspelt = unknownFields(entry, where, APPLICATION_FIELDS, own.report, "of an Application", `use only: ${APPLICATION_FIELDS.join(", ")}`);
    const text = (field: string, required: boolean): string | undefined => textField(entry, field, `${where}.${field}`, required && !misspelt.has(field), own.report);
    const name = text("name", true);
    if (name !== undefined && !DNS_LABEL.test(name)) {
        own.report(`${where}.name`, name, "is not a DNS label (lower-case letters, digits and '-', at most 63)", "rename the Application, e.g. my-app");
    }
    const namespace = text("namespace", false) ?? name;
    if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
        own.report(`${where}.namespace`, namespace, "is not a valid namespace name", "use lower-case letters, digits and '-'");
    } else if (namespace !== undefined && isReservedNamespace(namespace)) {
        own.report(`${where}.namespace`, namespace, "belongs to the platform; an Application there would share its policies and delete the namespace when removed", `choose a namespace of its own (not ${RESERVED_NAMESPACES.join(", ")} or kube-*)`);
    }
    const repoURL = text("repoURL", true);
    if (repoURL !== undefined && !/^(https?:\/\/|ssh:\/\/|git@|oci:\/\/)/.test(repoURL)) {
        own.report(`${where}.repoURL`, repoURL, "is not a Git, Helm or OCI repository URL", "use https://..., git@host:org/repo.git or oci://...");
    } else if (repoURL !== undefined && !repoURL.startsWith("git@") && !URL.canParse(repoURL)) {
        own.report(`${where}.repoURL`, repoURL, "is not a well-formed URL", "write it as a browser would accept it, e.g. https://git.example.org/org/repo.git");
    } else if (repoURL !== undefined && !repoURL.startsWith("git@") && new URL(repoURL).port === "0") {
        // Port 0 in a CiliumNetworkPolicy means every port.
        own.report(`${where}.repoURL`, repoURL, "names port 0", "write the repository's real port, or none for the scheme's default");
    }
    const path = text("path", false);
    const chart = text("chart", false);
    if ((path === undefined) === (chart === undefined) && !misspelt.has("path") && !misspelt.has("chart")) {
        own.report(`${where}`, { path, chart }, "must set exactly one of path (a directory of a Git repository) and chart (a Helm chart)", "set path or chart, not both");
    }
    const targetRevision = text("targetRevision", true);
    if (targetRevision !== undefined && chart !== undefined && !EXACT_VERSION.test(targetRevision)) {
        own.report(`${where}.targetRevision`, targetRevision, "does not pin one chart version (ranges, wildcards and latest let the app change unreviewed)", "pin an exact chart version such as 6.9.2");
    }
    const helmValues = entry.helmValues;
    if (helmValues !== undefined && !isObject(helmValues)) {
        own.report(`${where}.helmValues`, helmValues, "is not a map of Helm values", "write helmValues as a YAML map");
    }
    const enforcement = entry.enforcement ?? "enforce";
    if (!(ENFORCEMENT_MODES as readonly unknown[]).includes(enforcement)) {
        own.report(`${where}.enforcement`, enforcement, `is not one of ${ENFORCEMENT_MODES.join(", ")}`,
            "write enforcement: staged to allow the declared connections without denying the rest (while you watch the traffic), or leave it out to enforce");
    }
    const workloads = name === undefined || namespace === undefined ? [] : parseWorkloads(entry, where, name, namespace, own.report, context);
    if (isObject(helmValues)) {
        const declared = new Set(workloads.flatMap(w => w.loadBalancerAddresses.map(lb => lb.address)));
        for (const issue of undeclaredPins(helmValues, `${where}.helmValues`, declared)) {
            own.report(issue.where, issue.value, issue.problem, issue.fix);
        }
    }
    const sync = parseSync(entry, where, own.report);
    const spec = name === undefined || namespace === undefined
        ? undefined
        : {
            name,
            namespace,
            repoURL: repoURL ?? "",
            path,
            chart,
            targetRevision: targetRevision ?? "",
            helmValues: isObject(helmValues) ? helmValues : undefined,
            workloads,
            enforcement: enforcement === "staged" ? "staged" as const : "enforce" as const,
            sync,
        };
    return { where, ok: own.count() === 0 && repoURL !== undefined && targetRevision !== undefined, spec };
}

function parseWorkloads(entry: Record<string, unknown>, where: string, app: string, namespace: string, report: Report, context: ApplicationContext): WorkloadSpec[] {
    if (entry.workloads === undefined) {
        const connections = parseConnections(entry.connections, `${where}.connections`, report, context);
        const loadBalancerAddresses = parseLoadBalancerAddresses(entry.loadBalancerAddresses, `${where}.loadBalancerAddresses`, report);
        return [{ name: app, id: app, app, namespace, selector: {}, wholeNamespace: true, ...connections, loadBalancerAddresses }];
    }
    for (const field of ["connections", "loadBalancerAddresses"]) {
        if (entry[field] !== undefined) {
            report(`${where}.${field}`, entry[field], `is set beside workloads; with workloads, each workload declares its own ${field}`, `move ${field} into the workload it belongs to`);
        }
    }
    if (!Array.isArray(entry.workloads) || entry.workloads.length === 0) {
        report(`${where}.workloads`, entry.workloads, "is not a non-empty list of workloads", "list workloads as maps with name, selector and connections, or leave workloads out for one workload covering the whole namespace");
        return [];
    }
    const workloads: WorkloadSpec[] = [];
    const names = new Map<string, number>();
    entry.workloads.forEach((item, i) => {
        const at = `${where}.workloads[${i}]`;
        if (!isObject(item)) {
            report(at, item, "is not a map", "write each workload as a map with name, selector and connections");
            return;
        }
        const misspelt = unknownFields(item, at, WORKLOAD_FIELDS, report, "of a workload", `use only: ${WORKLOAD_FIELDS.join(", ")}`);
        const name = textField(item, "name", `${at}.name`, !misspelt.has("name"), report);
        if (name !== undefined && !DNS_LABEL.test(name)) {
            report(`${at}.name`, name, "is not a DNS label (lower-case letters, digits and '-')", "name the workload like its Deployment, e.g. grafana");
        } else if (name !== undefined && names.has(name)) {
            report(`${at}.name`, name, `is also the name of ${where}.workloads[${names.get(name)}]`, "give every workload of an Application its own name");
        }
        if (name !== undefined && !names.has(name)) {
            names.set(name, i);
        }
        const selector = parseLabels(item.selector, `${at}.selector`, report, !misspelt.has("selector"));
        const connections = parseConnections(item.connections, `${at}.connections`, report, context);
        const loadBalancerAddresses = parseLoadBalancerAddresses(item.loadBalancerAddresses, `${at}.loadBalancerAddresses`, report);
        if (name !== undefined) {
            workloads.push({ name, id: `${app}.${name}`, app, namespace, selector, wholeNamespace: false, ...connections, loadBalancerAddresses });
        }
    });
    return workloads;
}

/**
 * `loadBalancerAddresses: [{address: 192.168.1.233, ports: [8096, 8920]}]`:
 * the addresses the workload's Services pin, and what they serve there.
 * Whether each lies in the pool and is owned once is checked with the
 * address plan (config/reservations.ts).
 */
function parseLoadBalancerAddresses(raw: unknown, where: string, report: Report): LoadBalancerAddress[] {
    const addresses: LoadBalancerAddress[] = [];
    listOf(raw, where, report, (item, at) => {
        onlyFields(item, at, ["address", "ports"], report, "of a LoadBalancer address");
        const parsed = parseIpv4(typeof item.address === "string" ? item.address : "");
        if (!parsed.ok) {
            report(`${at}.address`, item.address, parsed.reason, "write the address the Service pins, e.g. 192.168.1.233");
        }
        const ports = parsePorts(item.ports, `${at}.ports`, report, true);
        if (item.ports === "any" || everyPortOf(ports).length > 0) {
            report(`${at}.ports`, item.ports, "opens every port of the workload to the LAN", "list the ports the Service publishes");
        }
        if (parsed.ok) {
            addresses.push({ address: parsed.value, text: (item.address as string).trim(), ports, where: at });
        }
    });
    return addresses;
}

function parseConnections(raw: unknown, where: string, report: Report, context: ApplicationContext): { to: ConnectionSpec[]; from: ConnectionSpec[] } {
    const to: ConnectionSpec[] = [];
    const from: ConnectionSpec[] = [];
    if (raw === undefined) {
        return { to, from };
    }
    if (!isObject(raw)) {
        report(where, raw, "is not a map", `write connections as a map with ${CONNECTION_KINDS.join(", ")}`);
        return { to, from };
    }
    for (const key of Object.keys(raw).filter(k => !CONNECTION_KINDS.includes(k))) {
        report(`${where}.${key}`, raw[key], "is not a known connection kind", `use one of: ${CONNECTION_KINDS.join(", ")}`);
    }
    for (const direction of ["to", "from"] as const) {
        const list = direction === "to" ? to : from;
        listOf(raw[direction], `${where}.${direction}`, report, (item, at) => {
            const connection = parseConnection(item, at, direction, report, context);
            if (connection !== undefined) {
                list.push(connection);
            }
        });
    }
    // The first vocabulary, kept: each key is a shorthand for one kind of peer.
    const ingressPorts = parsePorts(raw.ingressPorts, `${where}.ingressPorts`, report, false);
    if (ingressPorts.length > 0) {
        from.push({ peer: { kind: "platform", id: "traefik" }, ports: ingressPorts, where: `${where}.ingressPorts` });
    }
    if (raw.apiServer !== undefined && typeof raw.apiServer !== "boolean") {
        report(`${where}.apiServer`, raw.apiServer, "is not true or false", "set apiServer: true when the workload's pods call the Kubernetes API");
    } else if (raw.apiServer === true) {
        to.push({ peer: { kind: "entity", entities: ENTITIES.apiserver }, ports: [], where: `${where}.apiServer` });
    }
    listOf(raw.toApps, `${where}.toApps`, report, (item, at) => {
        onlyFields(item, at, ["app", "workload", "ports"], report, "of this connection");
        const app = requiredName(item.app, `${at}.app`, report, "name the Application to call");
        const ports = parsePorts(item.ports, `${at}.ports`, report, true);
        const workload = item.workload === undefined ? undefined : requiredName(item.workload, `${at}.workload`, report, "name a workload of that Application");
        if (app !== undefined) {
            to.push({ peer: { kind: "app", app, workload }, ports, where: at });
        }
    });
    listOf(raw.toCidrs, `${where}.toCidrs`, report, (item, at) => {
        onlyFields(item, at, ["cidr", "ports"], report, "of this connection");
        const cidr = parseCidrText(item.cidr, `${at}.cidr`, report);
        const ports = parsePorts(item.ports, `${at}.ports`, report, true);
        if (cidr !== undefined) {
            to.push({ peer: { kind: "cidr", cidr }, ports, where: at });
        }
    });
    return { to, from };
}

function parseConnection(item: Record<string, unknown>, at: string, direction: "to" | "from", report: Report, context: ApplicationContext): ConnectionSpec | undefined {
    const peerKeys = PEER_KEYS.filter(key => item[key] !== undefined);
    const misspelt = unknownFields(item, at, [...PEER_KEYS, "workload", "namespace", "selector", "ports", "icmp"], report, "of a connection", `name one peer (${PEER_KEYS.join(", ")}) and its ports`);
    if (peerKeys.length !== 1) {
        report(at, item, peerKeys.length === 0 ? "names no peer" : `names ${peerKeys.length} peers (${peerKeys.join(", ")})`, `write one connection per peer, with one of: ${PEER_KEYS.join(", ")}`);
        return undefined;
    }
    const kind = peerKeys[0];
    if (direction === "from" && DESTINATION_ONLY.has(kind)) {
        report(`${at}.${kind}`, item[kind], `can only be a destination (to), never a source`, kind === "ingress" ? "callers of a public hostname are declared with from: [{platform: traefik, ...}] at the callee" : "declare the connection under to");
        return undefined;
    }
    const extra = (field: string, allowedFor: string) => {
        if (item[field] !== undefined && kind !== allowedFor) {
            report(`${at}.${field}`, item[field], `belongs to a ${allowedFor} peer, not to a ${kind} peer`, `remove ${field}`);
        }
    };
    extra("workload", "app");
    extra("selector", "pods");
    extra("namespace", "pods");
    const peer = parsePeer(kind, item, at, direction, report, context);
    if (kind === "ingress") {
        if (item.ports !== undefined || item.icmp !== undefined) {
            report(`${at}.ports`, item.ports ?? item.icmp, "is implied: a public hostname is reached on the entrypoints' ports", "remove ports");
        }
        return peer === undefined ? undefined : { peer, ports: [], where: at };
    }
    if (item.icmp !== undefined) {
        if (item.ports !== undefined) {
            report(`${at}.icmp`, item.icmp, "is set beside ports; ICMP has no ports", "write ICMP and ports as two connections");
        }
        const icmp = parseIcmp(item.icmp, `${at}.icmp`, report);
        return peer === undefined ? undefined : { peer, ports: [], icmp, where: at };
    }
    // A misspelt ports is reported once, as the field it was meant to be.
    const ports = parsePorts(item.ports, `${at}.ports`, report, !misspelt.has("ports"));
    return peer === undefined ? undefined : { peer, ports, where: at };
}

function parsePeer(kind: (typeof PEER_KEYS)[number], item: Record<string, unknown>, at: string, direction: "to" | "from", report: Report, context: ApplicationContext): PeerRef | undefined {
    const value = item[kind];
    switch (kind) {
        case "app": {
            const app = requiredName(value, `${at}.app`, report, "name a declared Application");
            const workload = item.workload === undefined ? undefined : requiredName(item.workload, `${at}.workload`, report, "name a workload of that Application");
            return app === undefined ? undefined : { kind, app, workload };
        }
        case "entity": {
            const names = Array.isArray(value) ? value : [value];
            const known = Object.keys(ENTITIES);
            const bad = names.filter(n => typeof n !== "string" || !known.includes(n));
            if (names.length === 0 || bad.length > 0) {
                report(`${at}.entity`, value, `names no entity Cilium knows here${bad.length > 0 ? ` (${bad.map(shown).join(", ")})` : ""}`, `use ${known.join(", ")} (nodes = host and remote-node)`);
                return undefined;
            }
            const entities = [...new Set((names as EntityName[]).flatMap(n => (direction === "from" ? SOURCE_ENTITIES[n] : undefined) ?? ENTITIES[n]))];
            return { kind, entities };
        }
        case "cidr": {
            const cidr = parseCidrText(value, `${at}.cidr`, report);
            return cidr === undefined ? undefined : { kind, cidr };
        }
        case "fqdn": {
            const patterns = Array.isArray(value) ? value : [value];
            const bad = patterns.filter(p => typeof p !== "string" || !FQDN.test(p));
            if (patterns.length === 0 || bad.length > 0) {
                report(`${at}.fqdn`, value, "is not a DNS name or pattern", "write names like api.example.org or *.example.org");
                return undefined;
            }
            return { kind, patterns: patterns.map(p => String(p).toLowerCase()) };
        }
        case "platform": {
            if (typeof value !== "string" || !(PLATFORM_IDS as readonly string[]).includes(value)) {
                report(`${at}.platform`, value, `names no platform pods this program knows${didYouMean(value, PLATFORM_IDS)}`, `use one of: ${PLATFORM_IDS.join(", ")}`);
                return undefined;
            }
            return { kind, id: value as PlatformId };
        }
        case "ingress": {
            const known = context.entrypoints;
            const wanted = value === true || value === "all" ? [...(known ?? [])] : Array.isArray(value) ? value : [value];
            const bad = wanted.filter(e => typeof e !== "string" || (known !== undefined && !known.includes(e)));
            if (wanted.length === 0 || bad.length > 0) {
                report(`${at}.ingress`, value, `names no entrypoint of Traefik's${bad.length > 0 ? ` (${bad.map(shown).join(", ")})` : ""}`, `use some of: ${known?.join(", ") ?? "web, websecure"}, or all`);
                return undefined;
            }
            return { kind, entrypoints: wanted as string[] };
        }
        case "pods": {
            if (value !== true && typeof value !== "object") {
                report(`${at}.pods`, value, "is not true", "write pods: true with namespace and selector");
            }
            const namespace = typeof item.namespace === "string" && DNS_LABEL.test(item.namespace) ? item.namespace : undefined;
            if (namespace === undefined) {
                report(`${at}.namespace`, item.namespace, "is not a namespace name", "name the namespace of the pods");
            }
            const labels = parseLabels(item.selector, `${at}.selector`, report, false);
            return namespace === undefined ? undefined : { kind, namespace, labels };
        }
    }
}

/** Cross-entry rules, run on every entry that could be read, so all problems show at once. */
function crossCheck(parsed: readonly ParsedApplication[], report: Report): void {
    const byName = new Map<string, ParsedApplication>();
    const duplicates = new Set<ParsedApplication>();
    for (const p of parsed) {
        if (p.spec === undefined) {
            continue;
        }
        const earlier = byName.get(p.spec.name);
        if (earlier !== undefined) {
            report(`${p.where}.name`, p.spec.name, `is also the name of ${earlier.where}`, "give every Application its own name");
            duplicates.add(p);
        } else {
            byName.set(p.spec.name, p);
        }
    }
    // Two declarations of one workload: the same pods in one namespace. A
    // second entry of one name is already reported as such.
    const selectors = new Map<string, string>();
    for (const p of parsed.filter(entry => !duplicates.has(entry))) {
        p.spec?.workloads.forEach((w, i) => {
            const key = `${w.namespace}/${JSON.stringify(Object.entries(w.selector).sort())}`;
            const where = w.wholeNamespace ? p.where : `${p.where}.workloads[${i}]`;
            const earlier = selectors.get(key);
            if (earlier !== undefined) {
                report(w.wholeNamespace ? `${where}.namespace` : `${where}.selector`, w.wholeNamespace ? w.namespace : w.selector,
                    `selects the same pods of namespace ${w.namespace} as ${earlier}; one workload's policies would be the other's too`,
                    w.wholeNamespace ? "declare workloads with pod selectors for Applications that share a namespace" : "give each workload the labels of its own pods");
            } else {
                selectors.set(key, where);
            }
        });
    }
    for (const p of parsed) {
        for (const workload of p.spec?.workloads ?? []) {
            for (const direction of ["to", "from"] as const) {
                const seen = new Set<string>();
                for (const connection of workload[direction]) {
                    checkReference(connection, workload, byName, report);
                    // ICMP and ports to one peer are two connections (ICMP has no ports), each listed once.
                    const icmp = connection.icmp !== undefined;
                    const key = JSON.stringify([connection.peer, icmp]);
                    if (seen.has(key)) {
                        report(`${connection.where}${connection.peer.kind === "app" ? ".app" : ""}`, peerName(connection.peer), `is listed twice${icmp ? " with icmp" : ""}`, icmp ? "list the peer once with all its ICMP types" : "list the peer once, with all its ports");
                    }
                    seen.add(key);
                }
            }
        }
    }
}

function checkReference(connection: ConnectionSpec, workload: WorkloadSpec, apps: ReadonlyMap<string, ParsedApplication>, report: Report): void {
    const peer = connection.peer;
    if (peer.kind !== "app") {
        return;
    }
    const at = `${connection.where}.app`;
    const target = apps.get(peer.app);
    if (target === undefined) {
        const others = [...apps.keys()].filter(n => n !== workload.app);
        report(at, peer.app, `names no declared Application${didYouMean(peer.app, others)}`, `use one of: ${others.join(", ") || "(none declared)"}`);
        return;
    }
    if (target.spec === undefined) {
        return;
    }
    if (peer.workload !== undefined && !target.spec.workloads.some(w => !w.wholeNamespace && w.name === peer.workload)) {
        const names = target.spec.workloads.filter(w => !w.wholeNamespace).map(w => w.name);
        report(`${connection.where}.workload`, peer.workload, `is not a workload of ${peer.app}${didYouMean(peer.workload, names)}`, names.length === 0 ? `${peer.app} declares no workloads: leave workload out` : `use one of: ${names.join(", ")}`);
        return;
    }
    if (peer.app === workload.app && workload.wholeNamespace) {
        report(at, peer.app, "names the Application itself; traffic inside its namespace is already allowed", "remove this entry");
    }
}

function peerName(peer: PeerRef): string {
    switch (peer.kind) {
        case "app":
            return peer.workload === undefined ? peer.app : `${peer.app}/${peer.workload}`;
        case "entity":
            return peer.entities.join(",");
        case "cidr":
            return peer.cidr;
        case "fqdn":
            return peer.patterns.join(",");
        case "platform":
            return peer.id;
        case "ingress":
            return `ingress ${peer.entrypoints.join(",")}`;
        case "pods":
            return `${peer.namespace}/${JSON.stringify(peer.labels)}`;
    }
}


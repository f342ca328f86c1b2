// CiliumNetworkPolicies to the `applications` config: the reverse of
// components/network-policy/graph.ts. Every rule ends up expressed (at its
// original granularity: the same workload selector, the same peer, the same
// ports), covered by the namespace baseline (default deny, DNS), widened (a
// connection the original allowed at one end only: the program opens both),
// partly expressed, not expressed (with the reason), or left to the platform
// (the program deploys its own policies for Argo CD, Traefik, Hubble, CoreDNS
// and kube-vip). Pure.
//
// How policies become Applications:
// - an Application per folder and namespace (one Argo CD Application usually
//   deploys one folder), named after the folder (the namespace for files at the
//   top of the imported folder);
// - a workload per distinct (namespace, endpointSelector), named after its
//   app.kubernetes.io/name, app, k8s-app, ... label, in the Application of
//   the first file that selects it;
// - the namespace default-deny (`endpointSelector: {}`, `ingress: [{}]`,
//   `egress: [{}]`), empty rules and DNS to kube-dns become nothing: every
//   namespace gets the baseline;
// - a peer selector equal to a workload's is that workload (`app` and
//   `workload`), the program's own pods are `platform`, calls to Traefik's
//   entrypoint ports `ingress`, other selectors `pods`;
// - a connection between two workloads is declared once, at the caller (at
//   the callee when only the callee allowed it), with the ports of both ends;
//   an end the original did not allow is reported as widened, unless that end
//   already admits the other through a wider peer (a namespace-wide selector,
//   fewer labels, the cluster entity); with noWiden, such connections are
//   written as `pods` peers at each end instead, which the program does not
//   mirror.

import { accepts, isReservedNamespace } from "../../config/applications";
import type { CiliumEntityName, PeerRef, PortSpec } from "../../config/applications";
import { DNS_PORTS } from "../../platform/k3s";
import type { IngressFrontends } from "../../platform/traefik";
import { allFrontends } from "../../platform/traefik";
import {
    CiliumPorts,
    Direction,
    Labels,
    PodSet,
    ReasonCode,
    VOCABULARY_ENTITIES,
    describePods,
    isKubeDns,
    isObject,
    platformPeerOf,
    platformPolicyOf,
    podSetKey,
    portsText,
    readEndpointSelector,
    readRule,
} from "./cilium";
import type { SourcePolicy } from "./files";
import type { AddedAtoms, LanAddress, TakeOverReport } from "./takeover";

export interface ImportOptions {
    /** Traefik's entrypoints, to write calls to its entrypoint ports as `ingress:`. */
    readonly frontends: IngressFrontends;
    /** Written as the Applications' repoURL; a TODO placeholder (which the program refuses) otherwise. */
    readonly repoURL?: string;
    readonly targetRevision?: string;
    /** Prepended to each Application's folder to guess its `path` in the repository. */
    readonly pathPrefix?: string;
    /** Never open an end the original did not: one-sided and unequal connections become `pods` peers. */
    readonly noWiden?: boolean;
    /**
     * Why a peer selector of the platform's pods (Traefik's, say) matched no
     * pod in the original (its namespace ran nothing), or undefined when it
     * may have: such a rule allowed nothing and is reported, not revived as a
     * connection to the program's own pods.
     */
    readonly matchedNothing?: (pods: PodSet) => string | undefined;
}

export const TODO = "TODO";

/** Where a rule is: its file, its policy and its index, e.g. `apps/x/np.yaml: media/emby egress#2`. */
export interface RuleRef {
    readonly file: string;
    readonly doc: number;
    readonly policy: string;
    readonly namespace: string;
    readonly section: Direction | "ingressDeny" | "egressDeny";
    readonly index: number;
    readonly specIndex?: number;
}

export function ruleId(ref: RuleRef): string {
    const spec = ref.specIndex === undefined ? "" : ` specs[${ref.specIndex}]`;
    return `${ref.file}: ${ref.namespace}/${ref.policy}${spec} ${ref.section}#${ref.index}`;
}

export function shortRuleId(ref: RuleRef): string {
    return `${ref.policy} ${ref.section}#${ref.index}`;
}

export type RuleStatus = "expressed" | "widened" | "baseline" | "partial" | "unexpressed" | "platform";

export interface Reason {
    readonly code: ReasonCode;
    readonly detail: string;
}

export interface RuleOutcome {
    readonly ref: RuleRef;
    readonly status: RuleStatus;
    /** Whether the rule came through at its original granularity (expressed, widened or baseline). */
    readonly counted: boolean;
    /** partial/unexpressed: what could not be said. */
    readonly reasons: readonly Reason[];
    /** widened: what the program opens beyond the original. */
    readonly widened: readonly string[];
    /** baseline: what covers it. */
    readonly note?: string;
}

/** The other end of a connection, in the vocabulary's terms. */
export type ImportedPeer =
    | { readonly kind: "app"; readonly app: string; readonly workload: string; readonly key: string }
    | Exclude<PeerRef, { kind: "app" }>;

export interface ImportedConnection {
    readonly peer: ImportedPeer;
    readonly ports: CiliumPorts;
    /** The original rules this connection says. */
    readonly rules: readonly RuleRef[];
}

export interface ImportedWorkload {
    readonly name: string;
    readonly key: string;
    readonly namespace: string;
    readonly selector: Labels;
    readonly policies: readonly string[];
    readonly to: readonly ImportedConnection[];
    readonly from: readonly ImportedConnection[];
    /** The address the LAN reaches it on (takeover.ts). */
    loadBalancerAddresses?: readonly LanAddress[];
}

export interface ImportedApplication {
    readonly name: string;
    readonly namespace: string;
    /** The folder (relative to the imported one) its policies came from. */
    readonly folder: string;
    readonly files: readonly string[];
    readonly workloads: readonly ImportedWorkload[];
    /** Staged (takeover.ts): its namespace had no default deny in the original. */
    readonly enforcement?: "staged";
}

/** An end the program opens that the original did not: the other side of a one-sided connection. */
export interface Widening {
    /** The workload whose policy gains the rule. */
    readonly workload: PodSet;
    readonly direction: Direction;
    readonly peer: PodSet;
    readonly ports: CiliumPorts;
}

export interface PlatformPolicy {
    readonly file: string;
    readonly name: string;
    readonly namespace: string;
    readonly platform: string;
    readonly rules: number;
}

export interface ImportResult {
    readonly applications: readonly ImportedApplication[];
    readonly rules: readonly RuleOutcome[];
    readonly platform: readonly PlatformPolicy[];
    readonly widenings: readonly Widening[];
    /** Namespaces of imported workloads that had no default-deny policy: the baseline now denies what no rule allows. */
    readonly namespacesWithoutDefaultDeny: readonly string[];
    readonly options: ImportOptions;
    /** What the generated policies allow beyond the rules on purpose (the take-over's addresses and Traefik paths). */
    readonly added?: readonly AddedAtoms[];
    /** The take-over's findings, when the folder's other manifests were read. */
    readonly takeOver?: TakeOverReport;
}

export interface Coverage {
    readonly rules: number;
    readonly counted: number;
    readonly applicationRules: number;
    readonly applicationCounted: number;
    readonly platformRules: number;
}

export function coverage(result: ImportResult): Coverage {
    const app = result.rules.filter(r => r.status !== "platform");
    const counted = app.filter(r => r.counted).length;
    return { rules: result.rules.length, counted, applicationRules: app.length, applicationCounted: counted, platformRules: result.rules.length - app.length };
}

// --- Ports as sets ----------------------------------------------------------------

type PortsClass = "ports" | "icmp";

function classOf(ports: CiliumPorts): PortsClass {
    return ports.kind === "icmp" ? "icmp" : "ports";
}

function samePort(a: PortSpec, b: PortSpec): boolean {
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

// --- Names ----------------------------------------------------------------------------

const NAME_LABELS = ["app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "component"];

function dnsLabel(text: string): string {
    const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
    return label === "" ? "workload" : label;
}

function unique(base: string, taken: Set<string>): string {
    let name = base;
    for (let i = 2; taken.has(name); i++) {
        name = dnsLabel(`${base.slice(0, 60)}-${i}`);
    }
    taken.add(name);
    return name;
}

/** The label values that name a workload, most telling first. */
function nameParts(labels: Labels): string[] {
    const keys = [...NAME_LABELS.filter(k => labels[k] !== undefined), ...Object.keys(labels).filter(k => !NAME_LABELS.includes(k)).sort()];
    return keys.map(k => dnsLabel(labels[k]));
}

/**
 * Workload names from their labels; workloads of one Application that share
 * the first (loki and loki) also get their other labels' values
 * (loki-single-binary, loki-canary).
 */
function nameWorkloads(workloads: readonly WorkloadDraft[]): void {
    const parts = workloads.map(w => nameParts(w.pods.labels));
    const taken = new Set<string>();
    workloads.forEach((workload, i) => {
        const [first, ...rest] = parts[i];
        const shared = parts.filter(p => p[0] === first).length > 1;
        const name = shared ? rest.reduce((n, part) => (n.split("-").includes(part) ? n : `${n}-${part}`), first) : first;
        workload.name = unique(dnsLabel(name), taken);
    });
}

function folderOf(file: string): string {
    const slash = file.lastIndexOf("/");
    return slash < 0 ? "" : file.slice(0, slash);
}

/** Why the config would refuse these pods' namespace or labels, if it would. */
function labelProblem(pods: PodSet): string | undefined {
    if (!accepts.namespace(pods.namespace)) {
        return `names namespace ${pods.namespace}, which is not a namespace name`;
    }
    const bad = Object.entries(pods.labels).find(([key, value]) => !accepts.label(key, value));
    return bad === undefined ? undefined : `has the label ${bad[0]}: ${bad[1]}, which is not a Kubernetes label`;
}

/** Whether a peer selector picks every pod of `pods`: the same namespace, and a subset of its labels. */
function selects(peer: { readonly namespace: string; readonly labels: Labels }, pods: PodSet): boolean {
    return peer.namespace === pods.namespace && Object.entries(peer.labels).every(([k, v]) => pods.labels[k] === v);
}

// --- The import -----------------------------------------------------------------------

interface WorkloadDraft {
    name: string;
    readonly key: string;
    readonly pods: PodSet;
    readonly app: AppDraft;
    readonly policies: string[];
    readonly to: ImportedConnection[];
    readonly from: ImportedConnection[];
}

interface AppDraft {
    name: string;
    readonly folder: string;
    readonly namespace: string;
    readonly files: string[];
    readonly workloads: WorkloadDraft[];
}

/** One thing a rule allows, in the vocabulary's terms, before connections are merged. */
interface Intent {
    readonly rule: RuleRef;
    readonly workload: WorkloadDraft;
    readonly direction: Direction;
    readonly peer: { readonly kind: "workload"; readonly workload: WorkloadDraft } | Exclude<ImportedPeer, { kind: "app" }>;
    readonly ports: CiliumPorts;
}

interface RuleState {
    readonly ref: RuleRef;
    readonly reasons: Reason[];
    readonly widened: string[];
    emitted: boolean;
    baseline: boolean;
    note?: string;
    platform?: boolean;
}


/** A policy read in the first pass, waiting for its rules to be read in the second. */
interface PendingPolicy {
    readonly policy: SourcePolicy;
    readonly workload?: WorkloadDraft;
    readonly policyReason?: Reason;
    readonly wholeNamespace: boolean;
    readonly ruleStates: ReadonlyArray<{ readonly state: RuleState; readonly raw: unknown; readonly direction: Direction }>;
}

/** What the first pass learns: every rule's state, the platform's policies, the Applications and workloads the rest import into. */
interface Drafts {
    readonly states: RuleState[];
    readonly platform: PlatformPolicy[];
    readonly apps: Map<string, AppDraft>;
    readonly workloads: Map<string, WorkloadDraft>;
    readonly defaultDenied: Set<string>;
    readonly pending: PendingPolicy[];
}

export function importPolicies(policies: readonly SourcePolicy[], options: ImportOptions): ImportResult {
    const drafts = readPolicies(policies);
    const entrypoints = new Map(allFrontends(options.frontends).flatMap(f => f.entrypoints.map(e => [e.port, e.name] as const)));
    const intents = drafts.pending.flatMap(pending => pending.ruleStates.flatMap(rule => ruleIntents(pending, rule, drafts.workloads, options.matchedNothing)));
    const widenings = connectIntents(intents, drafts.states, entrypoints, options);
    markMissingBaselines(drafts.states, drafts.apps);
    const applications = importedApplications(drafts.apps);
    const namespacesWithoutDefaultDeny = [...new Set(applications.map(a => a.namespace))].filter(ns => !drafts.defaultDenied.has(ns)).sort();
    return { applications, rules: drafts.states.map(state => outcome(state)), platform: drafts.platform, widenings, namespacesWithoutDefaultDeny, options };
}

/** Pass 1: the policies, their workloads and Applications; a default deny joins the Application of its folder and namespace. */
function readPolicies(policies: readonly SourcePolicy[]): Drafts {
    const drafts: Drafts = { states: [], platform: [], apps: new Map(), workloads: new Map(), defaultDenied: new Set(), pending: [] };
    const defaultDenyFiles: Array<{ file: string; namespace: string }> = [];
    for (const policy of policies) {
        const pending = readPolicy(policy, drafts);
        if (pending === undefined) {
            continue;
        }
        if (isDefaultDeny(pending)) {
            drafts.defaultDenied.add(policy.namespace);
            defaultDenyFiles.push({ file: policy.file, namespace: policy.namespace });
        }
        drafts.pending.push(pending);
    }
    // A default deny belongs with the Application of its folder and namespace, if there is one.
    for (const { file, namespace } of defaultDenyFiles) {
        const app = drafts.apps.get(`${folderOf(file)}\u0000${namespace}`);
        if (app !== undefined && !app.files.includes(file)) {
            app.files.push(file);
        }
    }
    nameApplications([...drafts.apps.values()]);
    return drafts;
}

/** One policy's rules as states, and its workload; undefined for a platform policy, which is recorded apart. */
function readPolicy(policy: SourcePolicy, drafts: Drafts): PendingPolicy | undefined {
    const spec = policy.spec;
    const selector = readEndpointSelector(spec.endpointSelector, policy.namespace);
    const ruleStates: Array<{ state: RuleState; raw: unknown; direction: Direction }> = [];
    const denyStates: RuleState[] = [];
    for (const section of ["ingress", "egress", "ingressDeny", "egressDeny"] as const) {
        const list = spec[section];
        (Array.isArray(list) ? list : []).forEach((raw, index) => {
            const ref: RuleRef = { file: policy.file, doc: policy.doc, policy: policy.name, namespace: policy.namespace, section, index, ...(policy.specIndex === undefined ? {} : { specIndex: policy.specIndex }) };
            const state: RuleState = { ref, reasons: [], widened: [], emitted: false, baseline: false };
            drafts.states.push(state);
            if (section === "ingress" || section === "egress") {
                ruleStates.push({ state, raw, direction: section });
            } else {
                denyStates.push(state);
            }
        });
    }
    const platformName = selector.ok ? platformPolicyOf(policy.namespace, selector.pods.labels) : platformPolicyOf(policy.namespace, {});
    if (platformName !== undefined) {
        const rules = [...ruleStates.map(r => r.state), ...denyStates];
        rules.forEach(s => (s.platform = true));
        drafts.platform.push({ file: policy.file, name: policy.name, namespace: policy.namespace, platform: platformName, rules: rules.length });
        return undefined;
    }
    for (const state of denyStates) {
        state.reasons.push({ code: "deny", detail: "a deny rule; the generated policies have allows only" });
    }
    let policyReason: Reason | undefined;
    if (!selector.ok) {
        policyReason = { code: "policy-selector", detail: `the endpointSelector ${selector.reason}` };
    } else if (labelProblem(selector.pods) !== undefined) {
        policyReason = { code: "policy-selector", detail: `the endpointSelector ${labelProblem(selector.pods)!}` };
    } else if (isReservedNamespace(policy.namespace)) {
        policyReason = { code: "platform-namespace", detail: `namespace ${policy.namespace} belongs to the platform; the program refuses Applications there` };
    }
    const wholeNamespace = selector.ok && Object.keys(selector.pods.labels).length === 0;
    const workload = policyReason === undefined && selector.ok && !wholeNamespace ? workloadOf(policy, selector.pods, drafts) : undefined;
    return { policy, workload, policyReason, wholeNamespace, ruleStates };
}

/** A policy that selects every pod of its namespace and has only empty rules, both ways. */
function isDefaultDeny({ wholeNamespace, ruleStates }: PendingPolicy): boolean {
    return wholeNamespace
        && ruleStates.some(r => r.direction === "ingress") && ruleStates.some(r => r.direction === "egress")
        && ruleStates.every(r => !isObject(r.raw) || Object.keys(r.raw).length === 0);
}

/** The workload a policy selects, created with its Application (one per folder and namespace) when first seen. */
function workloadOf(policy: SourcePolicy, pods: PodSet, drafts: Drafts): WorkloadDraft {
    const key = podSetKey(pods);
    let workload = drafts.workloads.get(key);
    if (workload === undefined) {
        const folder = folderOf(policy.file);
        const appKey = `${folder}\u0000${policy.namespace}`;
        let app = drafts.apps.get(appKey);
        if (app === undefined) {
            app = { name: "", folder, namespace: policy.namespace, files: [], workloads: [] };
            drafts.apps.set(appKey, app);
        }
        workload = { name: "", key, pods, app, policies: [], to: [], from: [] };
        app.workloads.push(workload);
        drafts.workloads.set(key, workload);
    }
    workload.policies.push(policy.name);
    if (!workload.app.files.includes(policy.file)) {
        workload.app.files.push(policy.file);
    }
    return workload;
}

/** Pass 2: one rule's peers and ports, as intents; what it cannot express goes into its state's reasons. */
function ruleIntents(pending: PendingPolicy, { state, raw, direction }: PendingPolicy["ruleStates"][number], workloads: ReadonlyMap<string, WorkloadDraft>, matchedNothing?: ImportOptions["matchedNothing"]): Intent[] {
    const { policy, workload, policyReason, wholeNamespace } = pending;
    if (policyReason !== undefined) {
        state.reasons.push(policyReason);
        return [];
    }
    const rule = readRule(raw, direction, policy.namespace);
    if (rule.empty) {
        state.baseline = true;
        state.note = "an empty rule (default deny): every namespace's baseline denies what no rule allows";
        return [];
    }
    if (wholeNamespace || workload === undefined) {
        state.reasons.push({ code: "whole-namespace-policy", detail: `the policy selects every pod of namespace ${policy.namespace}` });
        return [];
    }
    const badPorts = rule.ports.filter(p => !p.ok);
    if (badPorts.length > 0) {
        for (const p of badPorts) {
            if (!p.ok) {
                state.reasons.push({ code: p.code, detail: p.reason });
            }
        }
        return [];
    }
    const dnsNames = (rule.dnsPatterns ?? []).filter(p => p !== "*");
    if (dnsNames.length > 0) {
        // Only DNS lookups of these names: the baseline and the vocabulary allow every name.
        state.reasons.push({ code: "dns-names", detail: `DNS rules allow lookups of ${dnsNames.join(", ")} only` });
        return [];
    }
    const portSets = rule.ports.flatMap(p => (p.ok ? [p.value] : []));
    for (const p of rule.ports) {
        if (p.ok && p.narrowed !== undefined) {
            state.reasons.push({ code: "narrowed", detail: p.narrowed });
        }
    }
    const intents: Intent[] = [];
    const add = (peer: Intent["peer"], ports: CiliumPorts) => {
        intents.push({ rule: state.ref, workload, direction, peer, ports });
        state.emitted = true;
    };
    const entities: CiliumEntityName[] = [];
    const fqdns: string[] = [];
    for (const part of rule.parts) {
        if (part.kind !== "peer") {
            state.reasons.push({ code: part.code, detail: `${part.what}: ${part.reason}` });
            continue;
        }
        const peer = part.peer;
        switch (peer.kind) {
            case "entity":
                entities.push(peer.entity);
                break;
            case "fqdn": {
                const pattern = peer.name ?? peer.pattern!;
                if (accepts.fqdn(pattern)) {
                    fqdns.push(pattern);
                } else {
                    state.reasons.push({ code: "other-peer", detail: `${part.what}: ${pattern} is not a DNS name or pattern the vocabulary accepts` });
                }
                break;
            }
            case "cidr":
                portSets.forEach(ports => add({ kind: "cidr", cidr: peer.cidr }, ports));
                break;
            case "pods":
                podsIntents(peer.pods, part.what, { state, direction, portSets, workloads, add, matchedNothing });
                break;
        }
    }
    if (entities.length > 0) {
        const names = [...new Set(entities)].sort();
        portSets.forEach(ports => add({ kind: "entity", entities: names }, ports));
    }
    if (fqdns.length > 0) {
        const patterns = [...new Set(fqdns)].sort();
        portSets.forEach(ports => add({ kind: "fqdn", patterns }, ports));
    }
    if (state.baseline && !state.emitted && state.reasons.length === 0) {
        state.note = "DNS to kube-dns: every namespace's baseline allows it";
    }
    return intents;
}

/** A pods peer of a rule: CoreDNS (the baseline's DNS, any other port a platform peer), a platform peer, an imported workload, or other pods. */
function podsIntents(pods: PodSet, what: string, rule: {
    readonly state: RuleState;
    readonly direction: Direction;
    readonly portSets: readonly CiliumPorts[];
    readonly workloads: ReadonlyMap<string, WorkloadDraft>;
    readonly add: (peer: Intent["peer"], ports: CiliumPorts) => void;
    readonly matchedNothing?: ImportOptions["matchedNothing"];
}): void {
    const { state, direction, portSets, workloads, add } = rule;
    // A selector of the platform's pods becomes a live connection to the program's own pods, wherever the original looked for them.
    const vacuous = platformPeerOf(pods) === undefined ? undefined : rule.matchedNothing?.(pods);
    if (vacuous !== undefined) {
        state.reasons.push({ code: "nothing", detail: `${what}: matched no pod in the original: ${vacuous}` });
        return;
    }
    if (labelProblem(pods) !== undefined) {
        state.reasons.push({ code: "selector", detail: `${what}: the selector ${labelProblem(pods)!}` });
        return;
    }
    if (direction === "egress" && isKubeDns(pods)) {
        // DNS: the baseline's; any other port of CoreDNS's is a platform peer.
        for (const ports of portSets) {
            const rest = ports.kind === "ports" ? ports.ports.filter(p => !DNS_PORTS.some(d => samePort(p, d))) : undefined;
            if (ports.kind === "ports" && rest!.length < ports.ports.length) {
                state.baseline = true;
            }
            if (rest === undefined || rest.length > 0) {
                add({ kind: "platform", id: "coredns" }, rest === undefined ? ports : { kind: "ports", ports: rest });
            }
        }
        return;
    }
    const id = platformPeerOf(pods);
    const target = workloads.get(podSetKey(pods));
    if (id !== undefined) {
        portSets.forEach(ports => add({ kind: "platform", id }, ports));
    } else if (target !== undefined) {
        portSets.forEach(ports => add({ kind: "workload", workload: target }, ports));
    } else {
        portSets.forEach(ports => add({ kind: "pods", namespace: pods.namespace, labels: pods.labels }, ports));
    }
}

/**
 * Pass 3: merges the intents into connections on the workloads, both ends of
 * workload pairs at once; returns where an end will allow more than its own
 * rules did (none with noWiden, which keeps both ends as written instead).
 */
function connectIntents(intents: readonly Intent[], states: readonly RuleState[], entrypoints: ReadonlyMap<number, string>, options: ImportOptions): Widening[] {
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

/** The baseline exists only in namespaces an Application is imported into. */
function markMissingBaselines(states: readonly RuleState[], apps: ReadonlyMap<string, AppDraft>): void {
    const appNamespaces = new Set([...apps.values()].map(app => app.namespace));
    for (const state of states) {
        if (state.baseline && !state.emitted && !appNamespaces.has(state.ref.namespace)) {
            state.reasons.push({ code: "no-baseline", detail: `no workload of namespace ${state.ref.namespace} is imported, so no Application declares its baseline` });
        }
    }
}

function importedApplications(apps: ReadonlyMap<string, AppDraft>): ImportedApplication[] {
    return [...apps.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(app => ({
            name: app.name,
            namespace: app.namespace,
            folder: app.folder,
            files: [...app.files],
            workloads: app.workloads.map(w => ({
                name: w.name,
                key: w.key,
                namespace: w.pods.namespace,
                selector: { ...w.pods.labels },
                policies: [...w.policies],
                to: sortConnections(w.to),
                from: sortConnections(w.from),
            })),
        }));
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

function sortConnections(list: readonly ImportedConnection[]): ImportedConnection[] {
    return [...list].sort((a, b) => PEER_ORDER.indexOf(a.peer.kind) - PEER_ORDER.indexOf(b.peer.kind));
}

function outcome(state: RuleState): RuleOutcome {
    const base = { ref: state.ref, reasons: state.reasons, widened: state.widened, ...(state.note === undefined ? {} : { note: state.note }) };
    if (state.platform === true) {
        return { ...base, status: "platform", counted: false };
    }
    if (state.reasons.length > 0) {
        return { ...base, status: state.emitted || state.baseline ? "partial" : "unexpressed", counted: false };
    }
    if (state.widened.length > 0) {
        return { ...base, status: "widened", counted: true };
    }
    if (!state.emitted && state.baseline) {
        return { ...base, status: "baseline", counted: true };
    }
    return { ...base, status: "expressed", counted: true };
}

/** Application names from folders (or namespaces), workload names from labels; all unique. */
function nameApplications(apps: AppDraft[]): void {
    const taken = new Set<string>();
    const byFolderName = new Map<string, number>();
    const baseOf = (app: AppDraft) => (app.folder === "" ? app.namespace : app.folder.split("/").pop()!);
    for (const app of apps) {
        byFolderName.set(baseOf(app), (byFolderName.get(baseOf(app)) ?? 0) + 1);
    }
    for (const app of [...apps].sort((a, b) => a.folder.localeCompare(b.folder) || a.namespace.localeCompare(b.namespace))) {
        // Two folders of one name (a/x, b/x), or one folder in two namespaces: the whole path, then the namespace.
        let base = baseOf(app);
        if (byFolderName.get(base)! > 1) {
            base = app.folder === "" ? app.namespace : `${app.folder.replace(/\//g, "-")}${apps.some(o => o !== app && o.folder === app.folder) ? `-${app.namespace}` : ""}`;
        }
        app.name = unique(dnsLabel(base), taken);
        nameWorkloads(app.workloads);
    }
}

/** Ports as the config writes them: 8080, "53/UDP", "6000-6010", or any. */
export function configPorts(ports: CiliumPorts): Array<number | string> | "any" {
    if (ports.kind === "any") {
        return "any";
    }
    if (ports.kind === "icmp") {
        throw new Error("ICMP is written as icmp, not ports");
    }
    return ports.ports.map(p => {
        const range = `${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}`;
        return p.protocol === "TCP" ? (p.endPort === undefined ? p.port : range) : `${range}/${p.protocol}`;
    });
}

/**
 * The vocabulary's entity names for a connection `to` or `from` them: host and
 * remote-node together are `nodes`. `apiserver` means kube-apiserver as a
 * destination, and kube-apiserver with remote-node as a source (the API
 * server on another node, tunnel mode: config/apiServerPeer.ts); a source
 * rule with kube-apiserver alone stays `kube-apiserver`, Cilium's entity as
 * written, so that the import allows no more than the original.
 */
export function configEntities(entities: readonly CiliumEntityName[], direction: "to" | "from"): string[] {
    let names = entities.map(e => VOCABULARY_ENTITIES[e]);
    if (direction === "from" && names.includes("apiserver")) {
        names = names.includes("remote-node") ? ["apiserver", ...names.filter(n => n !== "apiserver" && n !== "remote-node")] : names.map(n => (n === "apiserver" ? "kube-apiserver" : n));
    }
    if (names.includes("host") && names.includes("remote-node")) {
        return ["nodes", ...names.filter(n => n !== "host" && n !== "remote-node")];
    }
    return names;
}

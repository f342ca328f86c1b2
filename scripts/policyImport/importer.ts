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
import type { CiliumEntityName } from "../../config/applications";
import { DNS_PORTS } from "../../platform/k3s";
import { allFrontends } from "../../platform/traefik";
import {
    CiliumPorts,
    Direction,
    Labels,
    PodSet,
    isKubeDns,
    isObject,
    platformPeerOf,
    platformPolicyOf,
    podSetKey,
    readEndpointSelector,
    readRule,
} from "./cilium";
import type { SourcePolicy } from "./files";
import type { ImportOptions, ImportResult, ImportedApplication, PlatformPolicy, Reason, RuleOutcome, RuleRef } from "./importResult";
import type { AppDraft, Intent, RuleState, WorkloadDraft } from "./intents";
import { connectIntents, samePort, sortConnections } from "./intents";

// The results' names, where the importer's users have always found them.
export * from "./importResult";

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


// --- The import -----------------------------------------------------------------------

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


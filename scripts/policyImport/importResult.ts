// The importer's results and options: what became of each rule, the
// Applications and workloads imported, and the config's spelling of ports and
// entities. Pure; the import itself is importer.ts.

import type { CiliumEntityName, PeerRef, PortSpec } from "../../config/applications";
import type { IngressFrontends } from "../../platform/traefik";
import { CiliumPorts, Direction, Labels, PodSet, ReasonCode, VOCABULARY_ENTITIES } from "./cilium";


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

// What the take-over step (takeover.ts) adds to a result.

/** An address of the pool the LAN reaches a workload on. */
export interface LanAddress {
    readonly address: string;
    readonly ports: readonly PortSpec[];
    /** Where it comes from, for the config's comment. */
    readonly source: string;
    /** Set when someone must act on it (an address chosen here, to pin on the Service). */
    readonly todo?: string;
}

/** What the generated policies allow beyond the original rules, on purpose: (peer|port) atoms per workload. */
export interface AddedAtoms {
    readonly workload: PodSet;
    readonly direction: "ingress" | "egress";
    readonly atoms: readonly string[];
}

export interface TakeOverReport {
    /** Per workload reached on its own address: where the address came from. */
    readonly lan: readonly string[];
    /** `world` not written, and why. */
    readonly lanDropped: readonly string[];
    /** Traefik connections added, and from what. */
    readonly traefik: readonly string[];
    /** Staged Applications, by namespace. */
    readonly staged: readonly string[];
    /** World egress on every port narrowed to the ports a prober's config names, per workload. */
    readonly narrowed?: readonly string[];
    /** Every place where the printed config would still fail the pack. */
    readonly packFailures: readonly string[];
    /** The hand-written policy files the stack replaces, and what stays (cleanup.ts). */
    readonly cleanup?: Cleanup;
}

// What the cleanup (cleanup.ts) lists.

export interface CleanupEntry {
    /** `Application authelia`, or the part of the platform, `Traefik (the platform)`. */
    readonly owner: string;
    /** Files whose every policy the stack replaces. */
    readonly delete: readonly string[];
    /** Files that also hold other objects or policies the stack does not replace: the policy documents to remove. */
    readonly edit: ReadonlyArray<{ readonly file: string; readonly remove: readonly string[] }>;
    /** The kustomizations whose `resources` list a deleted file, and those entries. */
    readonly kustomizations: ReadonlyArray<{ readonly file: string; readonly entries: readonly string[] }>;
    /** Per namespace, the live CiliumNetworkPolicies to delete. */
    readonly objects: ReadonlyMap<string, readonly string[]>;
}

export interface Cleanup {
    readonly entries: readonly CleanupEntry[];
    /** Policies that stay: the program does not express them. */
    readonly kept: ReadonlyArray<{ readonly file: string; readonly policy: string; readonly why: string }>;
}

// What an import needs beyond the policies to take a running cluster over
// without breaking it, from the folder's other manifests (manifests.ts):
// - the LAN: a workload whose policy admits `world` is reached from the LAN
//   on an address of its own only if a Service gives it one. Then the config
//   says so (`loadBalancerAddresses`, which the pack's
//   world-ingress-on-owned-ports requires): the address the Service pins
//   when it pins one of the pool, else a free address of the pool to pin
//   (marked TODO), else the place is listed as failing the pack. Without such
//   a Service (ClusterIP only), or with pods on the host's network (Cilium
//   applies no pod policy to them), `world` is not written: the LAN never
//   reached those pods through it.
// - Traefik: the program's Traefik policy opens only declared `platform:
//   traefik` connections. An Ingress or IngressRoute in an Application's
//   folder, or an original Traefik policy that let Traefik reach the
//   workload's namespace while the workload admitted Traefik (through the
//   cluster entity or Traefik's pods), becomes that connection.
// - Staging: a namespace the originals left without default deny is staged
//   (`enforcement: staged`): the generated policies allow what is declared
//   and deny nothing else until someone switches them to enforce.
// - Egress to the world on every port: a prober's narrowed to its probes'
//   ports, any other listed as failing the pack (worldEgress.ts).
// - Cleanup: the hand-written policy files the stack replaces (cleanup.ts).
// Pure: the folder is read by the caller.

import type { CiliumEntityName, PortSpec } from "../../config/applications";
import {
    CiliumPorts,
    Labels,
    PodSet,
    describePods,
    isObject,
    platformPolicyOf,
    portsText,
    readEndpointSelector,
    readRule,
} from "./cilium";
import { LOADBALANCER_IPS_ANNOTATION } from "../../policy/definitions";
import { formatPort as portText } from "../../policy/ports";
import { cleanupList } from "./cleanup";
import { narrowWorldEgress } from "./worldEgress";
import type { SourcePolicy } from "./files";
import type { AddedAtoms, ImportResult, ImportedApplication, ImportedConnection, ImportedWorkload, LanAddress, Reason, RuleOutcome, RuleRef, TakeOverReport } from "./importResult";
import { ruleId } from "./importResult";

export type { AddedAtoms, LanAddress, TakeOverReport };
import type { FolderManifests, PodTemplate, ServiceManifest } from "./manifests";
import { ALWAYS_RUNNING } from "./manifests";

export interface TakeOverContext {
    /** Where the folder was read from, for messages. */
    readonly source: string;
    /** Whether an address lies in the stack's loadBalancerPool. */
    readonly inPool: (address: string) => boolean;
    /** Free addresses of the pool (not the API's or Traefik's), in order: chosen for workloads reached on an address outside it. */
    readonly free: readonly string[];
    /** Files that hold other objects beside their policies (files.ts): the cleanup edits them, never deletes them. */
    readonly sharedFiles?: ReadonlySet<string>;
}

const subset = (small: Labels, big: Labels) => Object.entries(small).every(([k, v]) => big[k] === v);
const samePort = (a: PortSpec, b: PortSpec) => a.port === b.port && a.endPort === b.endPort && a.protocol === b.protocol;

function within(file: string, folder: string): boolean {
    return folder === "" || file === folder || file.startsWith(`${folder}/`);
}

/** What both allow. */
function intersect(a: CiliumPorts, b: CiliumPorts): CiliumPorts | undefined {
    if (a.kind === "any") {
        return b;
    }
    if (b.kind === "any") {
        return a;
    }
    if (a.kind === "ports" && b.kind === "ports") {
        const ports = a.ports.filter(p => b.ports.some(q => samePort(p, q)));
        return ports.length === 0 ? undefined : { kind: "ports", ports };
    }
    return undefined;
}

/** `a` without what `b` allows. */
function without(a: CiliumPorts, b: CiliumPorts | undefined): CiliumPorts | undefined {
    if (b === undefined) {
        return a;
    }
    if (b.kind === "any") {
        return undefined;
    }
    if (a.kind === "ports" && b.kind === "ports") {
        const ports = a.ports.filter(p => !b.ports.some(q => samePort(p, q)));
        return ports.length === 0 ? undefined : { kind: "ports", ports };
    }
    return a;
}

const atoms = (peer: string, ports: CiliumPorts) => (ports.kind === "any" ? [`${peer}|any`] : ports.kind === "ports" ? ports.ports.map(p => `${peer}|${portText(p)}`) : []);

const TRAEFIK_PEER = { kind: "platform", id: "traefik" } as const;

type MutableWorkload = { -readonly [K in keyof ImportedWorkload]: ImportedWorkload[K] } & { from: ImportedConnection[] };

export function applyTakeOver(result: ImportResult, policies: readonly SourcePolicy[], manifests: FolderManifests, context: TakeOverContext): ImportResult {
    const lan: string[] = [];
    const lanDropped: string[] = [];
    const traefik: string[] = [];
    const packFailures: string[] = [];
    const added: AddedAtoms[] = [...(result.added ?? [])];
    const extraReasons = new Map<string, Reason[]>();
    const used = new Set<string>();
    const free = [...context.free];
    const staged = new Set(result.namespacesWithoutDefaultDeny);

    const apps: ImportedApplication[] = result.applications.map(app => ({
        ...app,
        ...(staged.has(app.namespace) ? { enforcement: "staged" as const } : {}),
        workloads: app.workloads.map(w => ({ ...w, from: [...w.from], to: [...w.to] })),
    }));
    const templatesOf = (w: ImportedWorkload): PodTemplate[] => manifests.templates.filter(t => t.namespace === w.namespace && subset(w.selector, t.labels));
    const servicesOf = (w: ImportedWorkload, folder: string): ServiceManifest[] => {
        const templates = templatesOf(w);
        return manifests.services.filter(s => s.namespace === w.namespace && within(s.file, folder) && Object.keys(s.selector).length > 0 &&
            (templates.length > 0
                ? templates.some(t => subset(s.selector, t.labels))
                : Object.entries(s.selector).some(([k, v]) => w.selector[k] === v) && Object.entries(s.selector).every(([k, v]) => w.selector[k] === undefined || w.selector[k] === v)));
    };
    const podPort = (service: ServiceManifest, target: number | string, w: ImportedWorkload): number | undefined =>
        typeof target === "number" ? target : templatesOf(w).map(t => t.namedPorts.get(target)).find(p => p !== undefined) ?? service.ports.find(p => p.targetPort === target)?.port;

    // --- The LAN ------------------------------------------------------------------------------
    for (const app of apps) {
        for (const workload of app.workloads as MutableWorkload[]) {
            const world = workload.from.filter(c => c.peer.kind === "entity" && c.peer.entities.includes("world"));
            if (world.length === 0) {
                continue;
            }
            const pods = describePods({ namespace: workload.namespace, labels: workload.selector });
            const hostNetwork = templatesOf(workload).find(t => t.hostNetwork);
            const services = servicesOf(workload, app.folder);
            const helm = manifests.helmServices.filter(h => h.namespace === workload.namespace && within(h.file, app.folder) && Object.values(workload.selector).some(v => v === h.release || v === h.chart));
            const pinned = [...services.flatMap(s => s.pinned.map(a => ({ address: a, file: s.file, what: `Service ${s.name}` }))), ...helm.flatMap(h => h.pinned.map(a => ({ address: a, file: h.file, what: `chart ${h.chart}'s Service (helmCharts values)` })))];
            const exposed = [...services.filter(s => s.type === "LoadBalancer" || s.externalIPs.length > 0).map(s => `Service ${s.name} (${s.file}) ${s.externalIPs.length > 0 ? `uses externalIPs ${s.externalIPs.join(", ")}` : "is a LoadBalancer"}`),
                ...helm.filter(h => h.type === "LoadBalancer").map(h => `chart ${h.chart}'s Service (${h.file}) is a LoadBalancer`)];
            const dropWorld = (why: string) => {
                for (const connection of world) {
                    const rest = (connection.peer as { entities: readonly CiliumEntityName[] }).entities.filter(e => e !== "world");
                    const at = workload.from.indexOf(connection);
                    if (rest.length === 0) {
                        workload.from.splice(at, 1);
                    } else {
                        workload.from[at] = { ...connection, peer: { kind: "entity", entities: rest } };
                    }
                    for (const rule of connection.rules) {
                        extraReasons.set(ruleId(rule), [...(extraReasons.get(ruleId(rule)) ?? []), { code: "lan", detail: `world on ${portsText(connection.ports)} is not written: ${why}` }]);
                    }
                }
                lanDropped.push(`${pods} (Application ${app.name}): ${why}`);
            };
            if (hostNetwork !== undefined) {
                dropWorld(`its pods use the host's network (hostNetwork: true in ${hostNetwork.file}): the LAN reaches them on the node's address, and Cilium applies no pod policy to them`);
                continue;
            }
            const inPool = pinned.find(p => context.inPool(p.address) && !used.has(p.address));
            const seen = templatesOf(workload).length > 0 || services.length > 0 || helm.length > 0;
            if (inPool === undefined && exposed.length === 0 && !seen) {
                // Nothing under the folder defines these pods: whether the LAN reaches them cannot be told.
                packFailures.push(`${pods} (Application ${app.name}): its policy admits the LAN (world) on ${world.map(c => portsText(c.ports)).join(", ")}, and no manifest under ${context.source}/${app.folder} defines the pods or a Service for them: ` +
                    "if a Service gives them an address of the pool, write it with those ports under the workload's loadBalancerAddresses; if not, delete world from the connection");
                continue;
            }
            if (inPool === undefined && exposed.length === 0) {
                dropWorld(`no Service under ${context.source}/${app.folder} gives them an address of their own (${services.length === 0 ? "none selects them" : `${services.map(s => `${s.name}: ${s.type}`).join(", ")}`}), so the LAN never reached them as world; from the LAN they are reached through Traefik`);
                continue;
            }
            const worldPorts = world.map(c => c.ports);
            if (worldPorts.some(p => p.kind !== "ports")) {
                packFailures.push(`${pods} (Application ${app.name}): the original admits the LAN on every port; loadBalancerAddresses needs the ports its Service publishes: narrow the rule and list them`);
                continue;
            }
            const ports = worldPorts.flatMap(p => (p.kind === "ports" ? p.ports : [])).filter((p, i, all) => all.findIndex(q => samePort(p, q)) === i);
            let entry: LanAddress | undefined;
            if (inPool !== undefined) {
                entry = { address: inPool.address, ports, source: `pinned by ${inPool.what} in ${inPool.file}` };
            } else {
                const chosen = free.find(a => !used.has(a));
                const today = exposed.length > 0 ? exposed.join("; ") : pinned.map(p => `${p.what} pins ${p.address}, outside the pool or taken`).join("; ");
                if (chosen === undefined) {
                    packFailures.push(`${pods} (Application ${app.name}): reached today on an address of its own (${today}), but the pool has no free address left to write into loadBalancerAddresses: widen loadBalancerPool, then pin one on that Service`);
                    continue;
                }
                entry = { address: chosen, ports, source: `a free address of the pool, chosen here`, todo: `${today}; pin ${chosen} on that Service (annotation ${LOADBALANCER_IPS_ANNOTATION}, type LoadBalancer) before the take-over, or write the address you pin` };
            }
            used.add(entry.address);
            workload.loadBalancerAddresses = [entry];
            lan.push(`${pods} (Application ${app.name}): ${entry.address} on ${ports.map(portText).join(", ")}, ${entry.source}${entry.todo === undefined ? "" : ` (TODO: ${entry.todo})`}`);
            // The program admits world and the cluster on the address's ports (in-cluster clients arrive as themselves).
            added.push({ workload: { namespace: workload.namespace, labels: workload.selector }, direction: "ingress", atoms: [...atoms("entity:world", { kind: "ports", ports }), ...atoms("entity:cluster", { kind: "ports", ports })] });
        }
    }

    // --- Egress to the world on every port ----------------------------------------------------
    const world = narrowWorldEgress(apps, manifests.charts ?? []);
    packFailures.push(...world.packFailures);
    for (const [rule, reasons] of world.reasons) {
        extraReasons.set(rule, [...(extraReasons.get(rule) ?? []), ...reasons]);
    }

    // --- Traefik ------------------------------------------------------------------------------
    const traefikFrom = (w: MutableWorkload) => w.from.filter(c => c.peer.kind === "platform" && c.peer.id === "traefik").reduce<CiliumPorts | undefined>((all, c) => (all === undefined ? c.ports : all.kind === "any" || c.ports.kind === "any" ? { kind: "any" } : all.kind === "ports" && c.ports.kind === "ports" ? { kind: "ports", ports: [...all.ports, ...c.ports.ports] } : all), undefined);
    const addTraefik = (app: ImportedApplication, w: MutableWorkload, ports: CiliumPorts, rules: readonly RuleRef[], why: string, covered: boolean) => {
        const missing = without(ports, traefikFrom(w));
        if (missing === undefined) {
            return;
        }
        // One Traefik connection per workload and kind of ports: the program refuses a peer listed twice.
        const existing = w.from.findIndex(c => c.peer.kind === "platform" && c.peer.id === "traefik" && (c.ports.kind === "icmp") === (missing.kind === "icmp"));
        if (existing >= 0) {
            const before = w.from[existing];
            const ports: CiliumPorts = before.ports.kind === "ports" && missing.kind === "ports" ? { kind: "ports", ports: [...before.ports.ports, ...missing.ports] } : { kind: "any" };
            w.from[existing] = { ...before, ports, rules: [...before.rules, ...rules.filter(r => !before.rules.includes(r))] };
        } else {
            w.from.unshift({ peer: TRAEFIK_PEER, ports: missing, rules: [...rules] });
        }
        traefik.push(`${describePods({ namespace: w.namespace, labels: w.selector })} (Application ${app.name}): from Traefik on ${portsText(missing)}: ${why}`);
        if (!covered) {
            added.push({ workload: { namespace: w.namespace, labels: w.selector }, direction: "ingress", atoms: atoms("platform:traefik", missing) });
        }
    };
    // Ingresses and IngressRoutes in the Application's folder.
    for (const app of apps) {
        for (const backend of manifests.ingressBackends.filter(b => b.namespace === app.namespace && within(b.file, app.folder))) {
            const service = manifests.services.find(s => s.name === backend.service && s.namespace === app.namespace);
            if (service === undefined) {
                continue;
            }
            for (const workload of app.workloads as MutableWorkload[]) {
                if (!servicesOf(workload, app.folder).includes(service)) {
                    continue;
                }
                const port = service.ports.find(p => backend.port === undefined || p.port === backend.port || p.targetPort === backend.port) ?? service.ports[0];
                const target = port === undefined ? undefined : podPort(service, port.targetPort, workload);
                if (target !== undefined) {
                    addTraefik(app, workload, { kind: "ports", ports: [{ port: target, protocol: "TCP" }] }, [], `${backend.file} routes to Service ${service.name} (pod port ${target})`, false);
                }
            }
        }
    }
    // The original Traefik policies: where Traefik could call, and the workload admitted it.
    for (const policy of policies) {
        const selector = readEndpointSelector(policy.spec.endpointSelector, policy.namespace);
        if (!selector.ok || platformPolicyOf(policy.namespace, selector.pods.labels) !== "Traefik") {
            continue;
        }
        const original: PodSet = selector.pods;
        (Array.isArray(policy.spec.egress) ? policy.spec.egress : []).forEach((raw, index) => {
            const rule = readRule(raw, "egress", policy.namespace);
            const portSets = rule.ports.flatMap(p => (p.ok ? [p.value] : []));
            const reachable = portSets.length === 0 ? [{ kind: "any" } as CiliumPorts] : portSets;
            for (const part of rule.parts) {
                if (part.kind !== "peer" || part.peer.kind !== "pods" || !isObject(raw)) {
                    continue;
                }
                const peer = part.peer.pods;
                for (const app of apps) {
                    for (const workload of app.workloads as MutableWorkload[]) {
                        if (peer.namespace !== workload.namespace || !subset(peer.labels, workload.selector)) {
                            continue;
                        }
                        for (const connection of workload.from) {
                            const admits = (connection.peer.kind === "entity" && connection.peer.entities.includes("cluster")) ||
                                (connection.peer.kind === "pods" && connection.peer.namespace === original.namespace && subset(connection.peer.labels, original.labels));
                            if (!admits) {
                                continue;
                            }
                            for (const ports of reachable) {
                                const both = intersect(ports, connection.ports);
                                if (both !== undefined) {
                                    addTraefik(app, workload, both, connection.rules,
                                        `${policy.file}: ${policy.namespace}/${policy.name} egress#${index} let Traefik reach ${describePods(peer)}, and ${connection.rules.map(r => `${r.policy} ${r.section}#${r.index}`).join(", ")} admitted it`, true);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    const stagedLines = [...staged].sort().map(ns => `namespace ${ns}: ${apps.filter(a => a.namespace === ns).map(a => a.name).join(", ")}`);
    const rules: RuleOutcome[] = result.rules.map(outcome => {
        const more = extraReasons.get(ruleId(outcome.ref));
        if (more === undefined) {
            return outcome;
        }
        return { ...outcome, status: "partial", counted: false, reasons: [...outcome.reasons, ...more] };
    });
    const cleanup = cleanupList({ ...result, applications: apps, rules }, policies, manifests.kustomizations ?? [], context.sharedFiles);
    return { ...result, applications: apps, rules, added, takeOver: { lan, lanDropped, traefik, staged: stagedLines, narrowed: world.narrowed, packFailures, cleanup } };
}

/**
 * Why pods matched nothing in the original: their namespace is one no
 * manifest of the folder runs pods in. A folder of policies alone
 * proves nothing, so then nothing is called vacuous.
 */
export function matchedNothing(manifests: FolderManifests, policies: readonly SourcePolicy[], source: string): (pods: PodSet) => string | undefined {
    if (manifests.namespaces.size === 0) {
        return () => undefined;
    }
    // K3s itself runs pods in kube-system; default always exists; a namespace with policies of the folder is taken to run pods.
    const known = new Set([...manifests.namespaces, ...policies.map(p => p.namespace), ...ALWAYS_RUNNING]);
    return pods => (known.has(pods.namespace)
        ? undefined
        : `no manifest under ${source} runs pods in namespace ${pods.namespace} (no pod template, no chart release there), so ${describePods(pods)} matched none`);
}

// The declared connections as a graph, before any drawing: every workload,
// every peer outside the Applications, and one edge per ordered pair of ends
// (caller, callee), its ports the union of every declaration between them,
// whichever end declared it. The overview and the per-namespace diagrams are
// two views of this one graph. Pure.

import type { ApplicationSpec, ConnectionSpec, PeerRef, PortSpec, WorkloadSpec } from "../../config/applications";
import type { StackSettings } from "../../config/stack";
import { PLATFORM_PODS, PlatformId } from "../../platform/pods";
import { portList } from "./mermaid";

/** The platform's pods as people call them. */
const PLATFORM_NAMES: Record<PlatformId, string> = {
    "traefik": "Traefik",
    "argocd-server": "Argo CD server",
    "argocd-repo-server": "Argo CD repo server",
    "argocd-application-controller": "Argo CD application controller",
    "argocd-applicationset-controller": "Argo CD ApplicationSet controller",
    "hubble-relay": "Hubble Relay",
    "hubble-ui": "Hubble UI",
    "coredns": "CoreDNS",
};

/** The platform's pods by product, for the overview. */
const PLATFORM_BRIEF: Record<PlatformId, string> = {
    "traefik": "Traefik",
    "argocd-server": "Argo CD",
    "argocd-repo-server": "Argo CD",
    "argocd-application-controller": "Argo CD",
    "argocd-applicationset-controller": "Argo CD",
    "hubble-relay": "Hubble",
    "hubble-ui": "Hubble",
    "coredns": "CoreDNS",
};

/** Cilium's entities as people call them, and as the overview does (the nodes as one). */
const ENTITY_NAMES: Record<string, { name: string; brief: string }> = {
    "world": { name: "Internet", brief: "Internet" },
    "cluster": { name: "the whole cluster", brief: "the whole cluster" },
    "host": { name: "the pod's own node", brief: "the nodes" },
    "remote-node": { name: "the other nodes", brief: "the nodes" },
    "kube-apiserver": { name: "Kubernetes API", brief: "Kubernetes API" },
};

/**
 * A peer outside the Applications. `lines` label it where one namespace is
 * drawn; the overview names it by `brief` (a peer of several Cilium entities
 * has one name for each), and draws pods of an Application's namespace
 * (`podsOf`) as that namespace.
 */
export interface ExternalPeer {
    readonly kind: "external";
    readonly key: string;
    readonly lines: readonly string[];
    readonly style: "external" | "platform";
    readonly brief: readonly string[];
    readonly podsOf?: string;
}

export type End = { readonly kind: "workload"; readonly workload: WorkloadSpec } | ExternalPeer;

export interface Connection {
    /** The end that opens the connection. */
    readonly from: End;
    readonly to: End;
    readonly ports: PortSpec[];
    anyPort: boolean;
    readonly icmp: Set<number>;
    /** What the declaration says besides ports: the VIP it arrives on, the entrypoints of a call to the app's own hostname. */
    readonly notes: string[];
}

export interface ConnectionGraph {
    /** Namespaces by name, each with its Applications and workloads in the order the config declares them. */
    readonly namespaces: ReadonlyMap<string, { readonly applications: readonly string[]; readonly workloads: readonly WorkloadSpec[] }>;
    readonly connections: readonly Connection[];
}

export function endKey(end: End): string {
    return end.kind === "workload" ? `w:${end.workload.id}` : `x:${end.key}`;
}

/** The namespace a workload end lives in; undefined for a peer outside the Applications. */
export function namespaceOf(end: End): string | undefined {
    return end.kind === "workload" ? end.workload.namespace : undefined;
}

/** An edge's label: its notes, its ports (or "any port"), its ICMP types. */
export function connectionLabel(connection: Connection): string[] {
    return [
        ...connection.notes,
        ...(connection.anyPort ? ["any port"] : connection.ports.length > 0 ? [portList(connection.ports)] : []),
        ...(connection.icmp.size > 0 ? [`ICMP ${[...connection.icmp].sort((x, y) => x - y).join(", ")}`] : []),
    ];
}

function platformPeer(id: PlatformId): ExternalPeer {
    const namespace = PLATFORM_PODS[id].namespace;
    return { kind: "external", key: `platform-${id}`, lines: [PLATFORM_NAMES[id], `namespace ${namespace}`], style: "platform", brief: [PLATFORM_BRIEF[id]] };
}

/** The external peer a non-Application peer stands for. */
function externalPeer(peer: Exclude<PeerRef, { kind: "app" }>, lan: string): ExternalPeer {
    switch (peer.kind) {
        case "entity": {
            const names = [...peer.entities].sort();
            const key = `entity-${names.join("+")}`;
            const title = key === "entity-host+remote-node" ? "the nodes" : names.map(n => ENTITY_NAMES[n]?.name ?? n).join(", ");
            const brief = [...new Set(names.map(n => ENTITY_NAMES[n]?.brief ?? n))];
            return { kind: "external", key, lines: [title, `entity ${names.join(", ")}`], style: "external", brief };
        }
        case "cidr": {
            const lines = peer.cidr === lan ? ["the LAN", peer.cidr] : [peer.cidr];
            return { kind: "external", key: `cidr-${peer.cidr}`, lines, style: "external", brief: [peer.cidr === lan ? "the LAN" : "CIDRs"] };
        }
        case "fqdn":
            return { kind: "external", key: `fqdn-${peer.patterns.join(",")}`, lines: ["DNS names", ...peer.patterns], style: "external", brief: ["DNS names"] };
        case "platform":
            return platformPeer(peer.id);
        case "ingress":
            return platformPeer("traefik");
        case "pods": {
            const selector = Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`).join(", ");
            return {
                kind: "external", key: `pods-${peer.namespace}-${selector}`, lines: [`pods of namespace ${peer.namespace}`, selector === "" ? "every pod" : selector],
                style: "external", brief: [`pods of ${peer.namespace}`], podsOf: peer.namespace,
            };
        }
    }
}

/** The graph of every connection the stack's Applications declare. */
export function connectionGraph(settings: StackSettings): ConnectionGraph {
    const apps = settings.applications;
    const lan = settings.addresses.lan.cidr;
    const byName = new Map<string, ApplicationSpec>(apps.map(app => [app.name, app]));
    const lanClients: ExternalPeer = { kind: "external", key: "lan-clients", lines: ["LAN clients", lan], style: "external", brief: ["LAN clients"] };

    /** The ends a peer stands for, with a note for the edge label when the peer says more than its ports. */
    const resolve = (peer: PeerRef): Array<{ end: End; note?: string }> => {
        if (peer.kind === "app") {
            const targets = (byName.get(peer.app)?.workloads ?? []).filter(w => peer.workload === undefined || w.name === peer.workload);
            return targets.map(workload => ({ end: { kind: "workload", workload } }));
        }
        const note = peer.kind === "ingress" ? `its hostname via ${peer.entrypoints.join(", ")}` : undefined;
        return [{ end: externalPeer(peer, lan), note }];
    };

    const connections = new Map<string, Connection>();
    const add = (from: End, to: End, connection: Pick<ConnectionSpec, "ports" | "icmp">, note?: string) => {
        const key = `${endKey(from)}>${endKey(to)}`;
        const edge = connections.get(key) ?? { from, to, ports: [], anyPort: false, icmp: new Set<number>(), notes: [] };
        connections.set(key, edge);
        if (note !== undefined) {
            if (!edge.notes.includes(note)) {
                edge.notes.push(note);
            }
        } else if (connection.icmp !== undefined) {
            connection.icmp.forEach(t => edge.icmp.add(t));
        } else if (connection.ports.length === 0) {
            edge.anyPort = true;
        } else {
            edge.ports.push(...connection.ports);
        }
    };

    const namespaces = new Map<string, { applications: string[]; workloads: WorkloadSpec[] }>();
    for (const app of apps) {
        for (const workload of app.workloads) {
            const entry = namespaces.get(workload.namespace) ?? { applications: [], workloads: [] };
            namespaces.set(workload.namespace, entry);
            if (!entry.applications.includes(app.name)) {
                entry.applications.push(app.name);
            }
            entry.workloads.push(workload);
            const self: End = { kind: "workload", workload };
            for (const lb of workload.loadBalancerAddresses) {
                add(lanClients, self, { ports: [] }, `VIP ${lb.text}: ${portList(lb.ports)}`);
            }
            for (const connection of workload.to) {
                for (const peer of resolve(connection.peer)) {
                    add(self, peer.end, connection, peer.note);
                }
            }
            for (const connection of workload.from) {
                for (const peer of resolve(connection.peer)) {
                    add(peer.end, self, connection, peer.note);
                }
            }
        }
    }
    return { namespaces, connections: [...connections.values()] };
}

// The declared connections of every Application, as one graph, and the
// CiliumNetworkPolicies it takes to allow exactly them. A connection is
// declared once, at either end; where both ends are pods this program
// polices, both get their rule (egress at the caller, ingress at the callee),
// since Cilium drops what either side does not allow. Pure, and linear in
// the number of connections: peers are looked up by name, never by scanning
// every pair of Applications.

import type { ApplicationSpec, ConnectionSpec, PeerRef, WorkloadSpec } from "../../config/applications";
import type { IngressFrontends } from "../../platform/traefik";
import { allFrontends } from "../../platform/traefik";
import { PLATFORM_PODS, PlatformId } from "../../platform/pods";
import { Connection, DNS_THROUGH_PROXY, Peer, WorkloadPolicy, namespaceBaseline } from "./policy";

/** One end of an edge that a policy of this program selects. */
type Owner = { readonly kind: "workload"; readonly workload: WorkloadSpec } | { readonly kind: "platform"; readonly id: PlatformId };

interface Edge {
    /** Who writes the egress rule; undefined when the source is not ours to police. */
    readonly source?: Owner;
    readonly sourcePeer: Peer;
    readonly target?: Owner;
    readonly targetPeer: Peer;
    readonly ports: ConnectionSpec["ports"];
    readonly icmp?: readonly number[];
}

interface Rules {
    readonly ingress: Connection[];
    readonly egress: Connection[];
    readonly keys: Set<string>;
}

/** The policies of every Application and the platform's side of their connections. */
export interface ConnectionPolicies {
    /** Per namespace the Applications use: its baseline, created once. */
    readonly namespaces: ReadonlyMap<string, WorkloadPolicy[]>;
    /** Per Application: one policy per workload. */
    readonly applications: ReadonlyMap<string, WorkloadPolicy[]>;
    /** Per platform pods this program polices: what the Applications' connections add to their policies. */
    readonly platform: ReadonlyMap<PlatformId, { readonly ingress: readonly Connection[]; readonly egress: readonly Connection[] }>;
}

const LAN_AND_CLUSTER: Peer = { kind: "entities", entities: ["world", "cluster"] };

function podsOf(workload: WorkloadSpec): Peer {
    return { kind: "pods", namespace: workload.namespace, labels: { ...workload.selector } };
}

function platformPeer(id: PlatformId): Peer {
    const pods = PLATFORM_PODS[id];
    return { kind: "pods", namespace: pods.namespace, labels: { ...pods.labels } };
}

function ownerKey(owner: Owner): string {
    return owner.kind === "workload" ? `w:${owner.workload.id}` : `p:${owner.id}`;
}

/** The name of a workload's policy: `app-<app>` or `app-<app>.<workload>`; app names hold no dot, so none collide. */
export function workloadPolicyName(workload: WorkloadSpec): string {
    return `app-${workload.id}`;
}

export function connectionPolicies(apps: readonly ApplicationSpec[], frontends: IngressFrontends): ConnectionPolicies {
    const appsByName = new Map<string, ApplicationSpec>(apps.map(app => [app.name, app]));
    const entrypointPorts = new Map(allFrontends(frontends).flatMap(f => f.entrypoints.map(e => [e.name, e.port] as const)));
    const rules = new Map<string, Rules>();
    const rulesOf = (owner: Owner): Rules => {
        const key = ownerKey(owner);
        let found = rules.get(key);
        if (found === undefined) {
            found = { ingress: [], egress: [], keys: new Set() };
            rules.set(key, found);
        }
        return found;
    };
    const fqdnUsers = new Set<string>();

    const add = (edge: Edge) => {
        const connection = (peer: Peer): Connection => ({ peer, ports: edge.ports, ...(edge.icmp === undefined ? {} : { icmp: edge.icmp }) });
        // Declared at both ends, or twice: one rule each side.
        const key = JSON.stringify([edge.sourcePeer, edge.targetPeer, edge.ports, edge.icmp]);
        if (edge.source !== undefined) {
            const own = rulesOf(edge.source);
            if (!own.keys.has(`e${key}`)) {
                own.keys.add(`e${key}`);
                own.egress.push(connection(edge.targetPeer));
            }
            if (edge.targetPeer.kind === "fqdn") {
                fqdnUsers.add(ownerKey(edge.source));
            }
        }
        if (edge.target !== undefined) {
            const own = rulesOf(edge.target);
            if (!own.keys.has(`i${key}`)) {
                own.keys.add(`i${key}`);
                own.ingress.push(connection(edge.sourcePeer));
            }
        }
    };

    /** The other end of a connection: its owners (if ours to police) and its peers. */
    const resolve = (peer: PeerRef): Array<{ owner?: Owner; peer: Peer; ports?: ConnectionSpec["ports"] }> => {
        switch (peer.kind) {
            case "app": {
                const app = appsByName.get(peer.app);
                const targets = (app?.workloads ?? []).filter(w => peer.workload === undefined || w.name === peer.workload);
                return targets.map(w => ({ owner: { kind: "workload", workload: w }, peer: podsOf(w) }));
            }
            case "platform":
                return [{ owner: PLATFORM_PODS[peer.id].managed ? { kind: "platform", id: peer.id } : undefined, peer: platformPeer(peer.id) }];
            case "ingress":
                return [{
                    owner: { kind: "platform", id: "traefik" },
                    peer: platformPeer("traefik"),
                    ports: peer.entrypoints.map(name => ({ port: entrypointPorts.get(name)!, protocol: "TCP" as const })),
                }];
            case "entity":
                return [{ peer: { kind: "entities", entities: [...peer.entities] } }];
            case "cidr":
                return [{ peer: { kind: "cidr", cidr: peer.cidr } }];
            case "fqdn":
                return [{ peer: { kind: "fqdn", patterns: [...peer.patterns] } }];
            case "pods":
                return [{ peer: { kind: "pods", namespace: peer.namespace, labels: { ...peer.labels } } }];
        }
    };

    for (const app of apps) {
        for (const workload of app.workloads) {
            const self: Owner = { kind: "workload", workload };
            rulesOf(self);
            // Its own LoadBalancer addresses: LAN clients arrive as world;
            // in-cluster clients, with kube-proxy replacement, as themselves.
            // `cluster` admits every pod on these ports straight to the pod
            // too: no wider than the address, which every pod reaches anyway
            // and which Cilium translates to the pod before policy.
            for (const lb of workload.loadBalancerAddresses) {
                add({ sourcePeer: LAN_AND_CLUSTER, target: self, targetPeer: podsOf(workload), ports: lb.ports });
            }
            for (const connection of workload.to) {
                for (const end of resolve(connection.peer)) {
                    add({ source: self, sourcePeer: podsOf(workload), target: end.owner, targetPeer: end.peer, ports: end.ports ?? connection.ports, icmp: connection.icmp });
                }
            }
            for (const connection of workload.from) {
                for (const end of resolve(connection.peer)) {
                    add({ source: end.owner, sourcePeer: end.peer, target: self, targetPeer: podsOf(workload), ports: end.ports ?? connection.ports, icmp: connection.icmp });
                }
            }
        }
    }

    const namespaces = new Map<string, WorkloadPolicy[]>();
    const applications = new Map<string, WorkloadPolicy[]>();
    const stagedNamespaces = new Set(apps.filter(app => app.enforcement === "staged").map(app => app.namespace));
    for (const app of apps) {
        if (!namespaces.has(app.namespace)) {
            namespaces.set(app.namespace, namespaceBaseline(app.namespace, stagedNamespaces.has(app.namespace)));
        }
        applications.set(app.name, app.workloads.flatMap(workload => {
            const own = rulesOf({ kind: "workload", workload });
            // The whole-namespace workload talks freely inside its namespace.
            const inside: Connection[] = workload.wholeNamespace ? [{ peer: { kind: "pods", namespace: app.namespace, labels: {} }, ports: [] }] : [];
            const ingress = [...inside, ...own.ingress];
            const egress = [...inside, ...(fqdnUsers.has(`w:${workload.id}`) ? [DNS_THROUGH_PROXY] : []), ...own.egress];
            if (ingress.length === 0 && egress.length === 0 && workload.wholeNamespace) {
                return [];
            }
            return [{
                name: workloadPolicyName(workload),
                namespace: workload.namespace,
                podLabels: { ...workload.selector },
                // A declared workload always has its policy, even one that allows
                // nothing beyond the baseline: it says so, and a pack can check it.
                ...(ingress.length > 0 || egress.length === 0 ? { ingress } : {}),
                ...(egress.length > 0 || ingress.length === 0 ? { egress } : {}),
                ...(app.enforcement === "staged" ? { staged: true } : {}),
            }];
        }));
    }
    const platform = new Map<PlatformId, { ingress: Connection[]; egress: Connection[] }>();
    for (const id of Object.keys(PLATFORM_PODS) as PlatformId[]) {
        const own = rules.get(`p:${id}`);
        if (own !== undefined) {
            platform.set(id, { ingress: own.ingress, egress: own.egress });
        }
    }
    return { namespaces, applications, platform };
}

/**
 * The policy that adds the Applications' connections to platform pods of
 * this program's (Argo CD's server, Hubble Relay): none when nothing connects.
 */
export function platformConnectionPolicies(id: PlatformId, graph: ConnectionPolicies): WorkloadPolicy[] {
    const extra = graph.platform.get(id);
    if (extra === undefined || (extra.ingress.length === 0 && extra.egress.length === 0)) {
        return [];
    }
    const pods = PLATFORM_PODS[id];
    return [{
        name: `${id}-applications`,
        namespace: pods.namespace,
        podLabels: { ...pods.labels },
        ...(extra.ingress.length > 0 ? { ingress: extra.ingress } : {}),
        ...(extra.egress.length > 0 ? { egress: extra.egress } : {}),
    }];
}

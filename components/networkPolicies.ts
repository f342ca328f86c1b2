// CiliumNetworkPolicies derived from intent: a workload says which connections
// it needs, this module writes the policy. Pure, so every rule is asserted in
// tests. In Cilium, selecting an endpoint with a policy that has an ingress (or
// egress) section puts it into default deny for that direction; an empty rule
// `{}` selects nothing, so `[{}]` is "deny all".

import type { AppConnections, ApplicationSpec, PortSpec } from "./applicationSpec";

export type Labels = Record<string, string>;

/** Who is on the other side of a connection. */
export type Peer =
    | { readonly kind: "entities"; readonly entities: readonly CiliumEntity[] }
    | { readonly kind: "pods"; readonly namespace: string; readonly labels: Labels }
    | { readonly kind: "cidr"; readonly cidr: string };

/** Cilium's reserved identities used here. */
export type CiliumEntity = "world" | "host" | "remote-node" | "kube-apiserver" | "cluster";

export interface Connection {
    readonly peer: Peer;
    /** Empty: every port. */
    readonly ports: readonly PortSpec[];
}

/** What one workload may receive and send; anything else is dropped. */
export interface WorkloadPolicy {
    readonly name: string;
    readonly namespace: string;
    /** Pods the policy applies to; empty selects every pod of the namespace. */
    readonly podLabels: Labels;
    /** Narrows the pods further: a label whose value is one of several. */
    readonly podLabelIn?: { readonly key: string; readonly values: readonly string[] };
    /** Absent: this policy says nothing of that direction. Empty: deny all. */
    readonly ingress?: readonly Connection[];
    readonly egress?: readonly Connection[];
}

export const NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";

export const KUBE_DNS: Peer = { kind: "pods", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
export const DNS_PORTS: readonly PortSpec[] = [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }];
export const API_SERVER: Peer = { kind: "entities", entities: ["kube-apiserver"] };

/** The spec of a CiliumNetworkPolicy (cilium.io/v2) for one workload. */
export function ciliumPolicySpec(policy: WorkloadPolicy) {
    const selector: Record<string, unknown> = { matchLabels: { ...policy.podLabels } };
    if (policy.podLabelIn !== undefined) {
        selector.matchExpressions = [{ key: policy.podLabelIn.key, operator: "In", values: [...policy.podLabelIn.values] }];
    }
    const spec: Record<string, unknown> = { endpointSelector: selector };
    if (policy.ingress !== undefined) {
        spec.ingress = policy.ingress.length === 0 ? [{}] : policy.ingress.map(c => ({ ...fromPeer(c.peer, policy.namespace), ...toPorts(c.ports) }));
    }
    if (policy.egress !== undefined) {
        spec.egress = policy.egress.length === 0 ? [{}] : policy.egress.map(c => ({ ...toPeer(c.peer, policy.namespace), ...toPorts(c.ports) }));
    }
    return spec;
}

function endpointSelector(peer: Extract<Peer, { kind: "pods" }>, policyNamespace: string) {
    // Endpoint selectors of a namespaced policy match its own namespace unless
    // they name another one.
    const namespace = peer.namespace === policyNamespace ? {} : { [NAMESPACE_LABEL]: peer.namespace };
    return { matchLabels: { ...namespace, ...peer.labels } };
}

function fromPeer(peer: Peer, namespace: string) {
    switch (peer.kind) {
        case "entities":
            return { fromEntities: [...peer.entities] };
        case "pods":
            return { fromEndpoints: [endpointSelector(peer, namespace)] };
        case "cidr":
            return { fromCIDRSet: [{ cidr: peer.cidr }] };
    }
}

function toPeer(peer: Peer, namespace: string) {
    switch (peer.kind) {
        case "entities":
            return { toEntities: [...peer.entities] };
        case "pods":
            return { toEndpoints: [endpointSelector(peer, namespace)] };
        case "cidr":
            return { toCIDRSet: [{ cidr: peer.cidr }] };
    }
}

function toPorts(ports: readonly PortSpec[]) {
    if (ports.length === 0) {
        return {};
    }
    return { toPorts: [{ ports: ports.map(p => ({ port: String(p.port), protocol: p.protocol })) }] };
}

/** Where Traefik's pods run; apps published through it accept their traffic. */
export interface IngressController {
    readonly namespace: string;
    readonly podLabels: Labels;
}

/**
 * The policies of one Argo CD Application's namespace: a namespace-wide default
 * deny, DNS, traffic between the app's own pods, and exactly the connections
 * it declares. Calls between apps are allowed on both ends: egress here, and
 * ingress in the callee's namespace.
 */
export function applicationPolicies(app: ApplicationSpec, all: readonly ApplicationSpec[], ingress: IngressController): WorkloadPolicy[] {
    const byName = new Map(all.map(a => [a.name, a]));
    const wholeNamespace = (name: string, ingressRules?: Connection[], egressRules?: Connection[]): WorkloadPolicy =>
        ({ name, namespace: app.namespace, podLabels: {}, ingress: ingressRules, egress: egressRules });
    const ownPods: Peer = { kind: "pods", namespace: app.namespace, labels: {} };
    const connections: AppConnections = app.connections;

    const policies: WorkloadPolicy[] = [
        wholeNamespace("default-deny", [], []),
        wholeNamespace("allow-dns", undefined, [{ peer: KUBE_DNS, ports: DNS_PORTS }]),
        wholeNamespace("allow-same-namespace", [{ peer: ownPods, ports: [] }], [{ peer: ownPods, ports: [] }]),
    ];
    // Names carry the kind of peer (app-, cidr-) so that no app name can
    // collide with another policy of the namespace.
    if (connections.ingressPorts.length > 0) {
        policies.push(wholeNamespace("allow-from-ingress", [{ peer: { kind: "pods", namespace: ingress.namespace, labels: ingress.podLabels }, ports: connections.ingressPorts }]));
    }
    if (connections.apiServer) {
        policies.push(wholeNamespace("allow-to-apiserver", undefined, [{ peer: API_SERVER, ports: [] }]));
    }
    for (const target of connections.toApps) {
        const callee = byName.get(target.app);
        if (callee !== undefined) {
            policies.push(wholeNamespace(`allow-to-app-${callee.name}`, undefined, [{ peer: { kind: "pods", namespace: callee.namespace, labels: {} }, ports: target.ports }]));
        }
    }
    for (const caller of all) {
        for (const target of caller.connections.toApps.filter(t => t.app === app.name && caller.name !== app.name)) {
            policies.push(wholeNamespace(`allow-from-app-${caller.name}`, [{ peer: { kind: "pods", namespace: caller.namespace, labels: {} }, ports: target.ports }]));
        }
    }
    connections.toCidrs.forEach((egress, index) => {
        policies.push(wholeNamespace(`allow-to-cidr-${index}`, undefined, [{ peer: { kind: "cidr", cidr: egress.cidr }, ports: egress.ports }]));
    });
    return policies;
}

/**
 * Traefik's egress to the apps it publishes: one connection per app that
 * declares ingress ports, so Traefik reaches nothing else.
 */
export function ingressBackends(apps: readonly ApplicationSpec[]): Connection[] {
    return apps
        .filter(app => app.connections.ingressPorts.length > 0)
        .map(app => ({ peer: { kind: "pods", namespace: app.namespace, labels: {} }, ports: app.connections.ingressPorts }));
}

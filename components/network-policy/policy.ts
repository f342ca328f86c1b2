// CiliumNetworkPolicies derived from intent: a workload says which connections
// it needs, this module writes the policy. Pure, so every rule is asserted in
// tests. In Cilium, selecting an endpoint with a policy that has an ingress (or
// egress) section puts it into default deny for that direction; an empty rule
// `{}` selects nothing, so `[{}]` is "deny all".

import { API_SERVER_AS_DESTINATION } from "../../config/apiServerPeer";
import type { PortSpec } from "../../config/applications";
import { DNS_PORTS, KUBE_DNS_PODS } from "../../platform/k3s";
import type { Labels } from "../../platform/pods";
import { CILIUM_NAMESPACE_LABELS } from "../../policy/definitions";

export type { Labels };

/** Cilium's reserved identities used here. */
export type CiliumEntity = "world" | "host" | "remote-node" | "kube-apiserver" | "cluster";

/** Who is on the other side of a connection. */
export type Peer =
    | { readonly kind: "entities"; readonly entities: readonly CiliumEntity[] }
    | { readonly kind: "pods"; readonly namespace: string; readonly labels: Labels }
    | { readonly kind: "cidr"; readonly cidr: string }
    /** DNS names or patterns (`*.example.org`); egress only. */
    | { readonly kind: "fqdn"; readonly patterns: readonly string[] };

export interface Connection {
    readonly peer: Peer;
    /** Empty: every port (or, with `icmp`, no port at all). */
    readonly ports: readonly PortSpec[];
    /** ICMPv4 types instead of ports (8: echo request). */
    readonly icmp?: readonly number[];
    /** DNS lookups pass Cilium's DNS proxy, which is what makes toFQDNs rules work. */
    readonly dnsProxy?: boolean;
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
    /**
     * Staging (an Application's `enforcement: staged`): the policy allows what it
     * says without putting its pods into default deny (Cilium's
     * enableDefaultDeny off both ways), so nothing undeclared is cut off yet.
     */
    readonly staged?: boolean;
}

/** Cilium's namespace label with its source prefix (`k8s:`), as the program writes selectors. */
export const NAMESPACE_LABEL = CILIUM_NAMESPACE_LABELS[0];
export const KUBE_DNS: Peer = { kind: "pods", namespace: KUBE_DNS_PODS.namespace, labels: { ...KUBE_DNS_PODS.labels } };
/**
 * The API server as a destination: what the platform's own pods (Argo CD,
 * kube-vip, Traefik, Hubble's certgen) need, all of them API clients. None of
 * them serves a webhook, so no platform policy admits the API server as a
 * source; an Application's does with `from: [{entity: apiserver}]`, which
 * adds remote-node (config/apiServerPeer.ts says why).
 */
export const API_SERVER: Peer = { kind: "entities", entities: API_SERVER_AS_DESTINATION };

export const tcp = (...ports: number[]): PortSpec[] => ports.map(port => ({ port, protocol: "TCP" }));
export const DNS: Connection = { peer: KUBE_DNS, ports: DNS_PORTS };
/** DNS through Cilium's proxy: needed beside any toFQDNs rule of the same pods. */
export const DNS_THROUGH_PROXY: Connection = { peer: KUBE_DNS, ports: DNS_PORTS, dnsProxy: true };
export const TO_API_SERVER: Connection = { peer: API_SERVER, ports: [] };

/** The spec of a CiliumNetworkPolicy (cilium.io/v2) for one workload. */
export function ciliumPolicySpec(policy: WorkloadPolicy) {
    const selector: Record<string, unknown> = { matchLabels: { ...policy.podLabels } };
    if (policy.podLabelIn !== undefined) {
        selector.matchExpressions = [{ key: policy.podLabelIn.key, operator: "In", values: [...policy.podLabelIn.values] }];
    }
    const spec: Record<string, unknown> = { endpointSelector: selector };
    if (policy.staged === true) {
        spec.enableDefaultDeny = { ingress: false, egress: false };
    }
    if (policy.ingress !== undefined) {
        spec.ingress = policy.ingress.length === 0 ? [{}] : policy.ingress.map(c => ({ ...fromPeer(c.peer, policy.namespace), ...portRules(c) }));
    }
    if (policy.egress !== undefined) {
        spec.egress = policy.egress.length === 0 ? [{}] : policy.egress.map(c => ({ ...toPeer(c.peer, policy.namespace), ...portRules(c) }));
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
        case "fqdn":
            throw new Error("a DNS name is a destination only");
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
        case "fqdn":
            return { toFQDNs: peer.patterns.map(p => (p.includes("*") ? { matchPattern: p } : { matchName: p })) };
    }
}

function portRules(connection: Connection) {
    if (connection.icmp !== undefined) {
        return { icmps: [{ fields: connection.icmp.map(type => ({ type, family: "IPv4" })) }] };
    }
    if (connection.ports.length === 0) {
        return {};
    }
    const ports = connection.ports.map(p => ({ port: String(p.port), ...(p.endPort === undefined ? {} : { endPort: p.endPort }), protocol: p.protocol }));
    return { toPorts: [{ ports, ...(connection.dnsProxy === true ? { rules: { dns: [{ matchPattern: "*" }] } } : {}) }] };
}

/**
 * What every namespace this program owns starts from: everything denied both
 * ways, then DNS. Everything else is allowed by a policy of its own. A staged
 * namespace (one of its Applications is staged) denies nothing: in Cilium one
 * policy in default deny is enough to put a pod into default deny, so a
 * staged Application in an enforced namespace would be enforced anyway.
 */
export function namespaceBaseline(namespace: string, staged = false): WorkloadPolicy[] {
    // Staged, the default-deny policy keeps its place (switching to enforce
    // changes one field of it) but denies nothing.
    const whole = { namespace, podLabels: {}, ...(staged ? { staged } : {}) };
    return [
        { name: "default-deny", ...whole, ingress: [], egress: [] },
        { name: "allow-dns", ...whole, egress: [DNS] },
    ];
}

/** Traffic between all pods of a namespace, both ways. */
export function withinNamespace(namespace: string): WorkloadPolicy {
    const ownPods: Peer = { kind: "pods", namespace, labels: {} };
    return { name: "allow-same-namespace", namespace, podLabels: {}, ingress: [{ peer: ownPods, ports: [] }], egress: [{ peer: ownPods, ports: [] }] };
}

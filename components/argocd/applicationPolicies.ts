// The CiliumNetworkPolicies of an Argo CD Application's namespace, derived
// from the connections the Application declares. Pure, so every rule is
// asserted in tests.

import type { ApplicationSpec } from "../../config/applications";
import { API_SERVER, Connection, Peer, WorkloadPolicy, namespaceBaseline } from "../network-policy/policy";
import { TRAEFIK } from "../traefik/names";

/** Traefik's pods, which reach the apps it publishes. */
const TRAEFIK_PODS: Peer = { kind: "pods", namespace: TRAEFIK.namespace, labels: { ...TRAEFIK.podLabels } };

/**
 * The policies of one Argo CD Application's namespace: its baseline (default
 * deny, DNS, traffic between its own pods), and exactly the connections it
 * declares. Calls between apps are allowed on both ends: egress here, and
 * ingress in the callee's namespace.
 */
export function applicationPolicies(app: ApplicationSpec, all: readonly ApplicationSpec[]): WorkloadPolicy[] {
    const byName = new Map(all.map(a => [a.name, a]));
    const wholeNamespace = (name: string, ingressRules?: Connection[], egressRules?: Connection[]): WorkloadPolicy =>
        ({ name, namespace: app.namespace, podLabels: {}, ingress: ingressRules, egress: egressRules });
    const connections = app.connections;

    const policies: WorkloadPolicy[] = [...namespaceBaseline(app.namespace)];
    // Names carry the kind of peer (app-, cidr-) so that no app name can
    // collide with another policy of the namespace.
    if (connections.ingressPorts.length > 0) {
        policies.push(wholeNamespace("allow-from-ingress", [{ peer: TRAEFIK_PODS, ports: connections.ingressPorts }]));
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

// Traefik's CiliumNetworkPolicy: LAN clients reach its entrypoints; Traefik
// reaches DNS, the API (to watch Ingresses) and the apps it publishes; pods
// that call an app's public hostname reach it too. Pure.

import { Connection, DNS, TO_API_SERVER, WorkloadPolicy, tcp } from "../network-policy/policy";
import { IngressFrontends, allFrontends } from "../../platform/traefik";
import { TRAEFIK } from "./names";

/** What the Applications' connections add: callers of public hostnames (ingress), the apps Traefik publishes (egress). */
export interface TraefikConnections {
    readonly ingress: readonly Connection[];
    readonly egress: readonly Connection[];
}

export function traefikPolicies(frontends: IngressFrontends, connections: TraefikConnections): WorkloadPolicy[] {
    const entrypoints = allFrontends(frontends).flatMap(frontend => frontend.entrypoints);
    return [{
        name: "traefik",
        namespace: TRAEFIK.namespace,
        podLabels: { ...TRAEFIK.podLabels },
        // Traffic to a VIP arrives from the LAN (world) or, when another
        // node forwards it, from that node (remote-node, host).
        // In-cluster callers of a public hostname arrive as themselves: with
        // kube-proxy replacement the VIP is translated before the packet
        // leaves the calling pod.
        ingress: [{ peer: { kind: "entities", entities: ["world", "remote-node", "host"] }, ports: tcp(...entrypoints.map(e => e.port)) }, ...connections.ingress],
        egress: [DNS, TO_API_SERVER, ...connections.egress],
    }];
}

// Traefik's CiliumNetworkPolicy: LAN clients reach its entrypoints; Traefik
// reaches DNS, the API (to watch Ingresses) and the apps it publishes. Pure.

import { Connection, DNS, TO_API_SERVER, WorkloadPolicy, tcp } from "../network-policy/policy";
import { IngressFrontends, allFrontends } from "./frontends";
import { TRAEFIK } from "./names";

export function traefikPolicies(frontends: IngressFrontends, backends: readonly Connection[]): WorkloadPolicy[] {
    const entrypoints = allFrontends(frontends).flatMap(frontend => frontend.entrypoints);
    return [{
        name: "traefik",
        namespace: TRAEFIK.namespace,
        podLabels: { ...TRAEFIK.podLabels },
        // Traffic to a VIP arrives from the LAN (world) or, when another
        // node forwards it, from that node (remote-node, host).
        ingress: [{ peer: { kind: "entities", entities: ["world", "remote-node", "host"] }, ports: tcp(...entrypoints.map(e => e.port)) }],
        egress: [DNS, TO_API_SERVER, ...backends],
    }];
}

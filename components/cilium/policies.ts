// Hubble's CiliumNetworkPolicies: UI -> Relay -> the agents' Hubble servers on
// every node. The Cilium agents run on the host network, which
// CiliumNetworkPolicies do not govern. Pure.

import { ConnectionPolicies, platformConnectionPolicies } from "../network-policy/graph";
import { DNS, TO_API_SERVER, WorkloadPolicy, tcp } from "../network-policy/policy";
import { HUBBLE_AGENT_PORT, HUBBLE_RELAY, HUBBLE_UI } from "./names";

export function hubblePolicies(connections: ConnectionPolicies): WorkloadPolicy[] {
    const relay = { kind: "pods", namespace: HUBBLE_RELAY.namespace, labels: { ...HUBBLE_RELAY.labels } } as const;
    return [
        {
            name: "hubble-ui",
            namespace: HUBBLE_UI.namespace,
            podLabels: { ...HUBBLE_UI.labels },
            // Reached with kubectl port-forward, which policies do not see.
            ingress: [],
            egress: [DNS, TO_API_SERVER, { peer: relay, ports: tcp(HUBBLE_RELAY.targetPort) }],
        },
        {
            name: "hubble-relay",
            namespace: HUBBLE_RELAY.namespace,
            podLabels: { ...HUBBLE_RELAY.labels },
            ingress: [{ peer: { kind: "pods", namespace: HUBBLE_UI.namespace, labels: { ...HUBBLE_UI.labels } }, ports: tcp(HUBBLE_RELAY.targetPort) }],
            egress: [DNS, { peer: { kind: "entities", entities: ["host", "remote-node"] }, ports: tcp(HUBBLE_AGENT_PORT) }],
        },
        // What Applications declare with Hubble's pods (a Prometheus scraping Relay).
        ...platformConnectionPolicies("hubble-relay", connections),
        ...platformConnectionPolicies("hubble-ui", connections),
    ];
}

// What an Application's author puts in the Service that holds an address the
// stack reserved for it: the stack output `loadBalancerAddresses`. Pure.

import { AddressOwnership } from "../../config/reservations";
import { LOADBALANCER_IPS_ANNOTATION } from "../../policy/definitions";
import { formatPort } from "../../policy/ports";

export interface ServiceInstructions {
    readonly application: string;
    readonly workload?: string;
    readonly namespace: string;
    readonly ports: readonly string[];
    /** The Service's metadata and spec fields that make it hold the address. */
    readonly service: {
        readonly annotations: Readonly<Record<string, string>>;
        readonly type: "LoadBalancer";
        /** One leader election per Service, on a node that runs one of its pods; client addresses kept. */
        readonly externalTrafficPolicy: "Local";
    };
}

/** Address -> what its owner's Service must say. */
export function serviceInstructions(ownership: AddressOwnership): Record<string, ServiceInstructions> {
    return Object.fromEntries(ownership.reservations
        .filter(r => r.owner.kind === "application")
        .map(r => [r.address.text, {
            application: r.owner.application!,
            ...(r.owner.workload === undefined ? {} : { workload: r.owner.workload }),
            namespace: r.owner.namespace!,
            ports: (r.owner.ports ?? []).map(formatPort),
            service: { annotations: { [LOADBALANCER_IPS_ANNOTATION]: r.address.text }, type: "LoadBalancer", externalTrafficPolicy: "Local" },
        }]));
}

// Who owns which address of the LAN: the API VIP, Traefik's two VIPs and the
// addresses Applications pin for their own LoadBalancer Services. Each
// address of the pool is owned once; the cloud provider may hand out only
// what nobody owns, so an unpinned Service can never take an address whose
// owner Argo CD has not synced yet. Pure.

import { TRAEFIK, allFrontends } from "../platform/traefik";
import { formatIpv4, rangeAddresses, rangeContains } from "../policy/addressing";
import { AddressPlan, AddressRange, address, addressRange } from "./addressPlan";
import type { ApplicationSpec, PortSpec } from "./applications";
import type { ConfigIssue } from "./issues";

export interface AddressOwner {
    readonly kind: "api" | "traefik" | "application";
    /** For people: "the Kubernetes API", "Traefik Service traefik-vip239", "Application emby (workload emby, namespace media)". */
    readonly description: string;
    /** The config key that declares it. */
    readonly key: string;
    /** The name of Traefik's Service, for Traefik's addresses. */
    readonly service?: string;
    /** The Application and workload, for application-owned addresses. */
    readonly application?: string;
    readonly workload?: string;
    readonly namespace?: string;
    readonly ports?: readonly PortSpec[];
}

export interface AddressReservation {
    readonly address: ReturnType<typeof address>;
    readonly owner: AddressOwner;
}

export interface AddressOwnership {
    /** Every owned address, in pool order (the API VIP first). */
    readonly reservations: readonly AddressReservation[];
    /** What the cloud provider may still hand to Services that pin nothing. */
    readonly unpinned: readonly AddressRange[];
}

/** Proves each application-owned address lies in the pool and is owned once; every conflict at once, naming both owners. */
export function addressOwnership(plan: AddressPlan, apps: readonly ApplicationSpec[]): { ownership: AddressOwnership; issues: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    const platform: AddressReservation[] = [
        { address: plan.controlPlaneVip, owner: { kind: "api", description: "the Kubernetes API", key: "controlPlaneVip" } },
        ...allFrontends(plan.ingress).map((frontend, i): AddressReservation => ({
            address: frontend.vip,
            owner: {
                kind: "traefik",
                description: `Traefik Service ${frontend.serviceName}`,
                service: frontend.serviceName,
                key: i === 0 ? "ingressVip" : "ingressSecondaryVip",
                namespace: TRAEFIK.namespace,
                // The pod ports behind the Service: what a policy sees after service translation.
                ports: frontend.entrypoints.map(e => ({ port: e.port, protocol: "TCP" as const })),
            },
        })),
    ];
    const owners = new Map<number, AddressReservation>(platform.map(r => [r.address.value, r]));
    const reservations = [...platform];
    for (const app of apps) {
        for (const workload of app.workloads) {
            for (const lb of workload.loadBalancerAddresses) {
                const owner: AddressOwner = {
                    kind: "application",
                    description: workload.wholeNamespace ? `Application ${app.name} (namespace ${app.namespace})` : `Application ${app.name} (workload ${workload.name}, namespace ${app.namespace})`,
                    key: `${lb.where}.address`,
                    application: app.name,
                    workload: workload.wholeNamespace ? undefined : workload.name,
                    namespace: app.namespace,
                    ports: lb.ports,
                };
                const earlier = owners.get(lb.address);
                if (earlier !== undefined) {
                    issues.push({
                        key: owner.key,
                        value: lb.text,
                        problem: `is already owned by ${earlier.owner.description} (${earlier.owner.key}); two owners would announce one address`,
                        fix: `give ${owner.description} another free address of the pool ${plan.loadBalancerPool.text}`,
                    });
                    continue;
                }
                if (!rangeContains(plan.loadBalancerPool, lb.address)) {
                    issues.push({
                        key: owner.key,
                        value: lb.text,
                        problem: `lies outside the LoadBalancer pool ${plan.loadBalancerPool.text}; nothing in the cluster checks that no LAN host uses it`,
                        fix: `choose a free address of ${plan.loadBalancerPool.text}, or widen loadBalancerPool`,
                    });
                    continue;
                }
                const reservation = { address: address(lb.address), owner };
                owners.set(lb.address, reservation);
                reservations.push(reservation);
            }
        }
    }
    const taken = new Set(reservations.map(r => r.address.value));
    const unpinned = runsOf(rangeAddresses(plan.loadBalancerPool).filter(a => !taken.has(a)));
    return { ownership: { reservations, unpinned }, issues };
}

/** Sorted addresses as first-last runs. */
export function runsOf(addresses: readonly number[]): AddressRange[] {
    const runs: AddressRange[] = [];
    for (const value of addresses) {
        const last = runs[runs.length - 1];
        if (last !== undefined && last.end + 1 === value) {
            runs[runs.length - 1] = addressRange({ start: last.start, end: value });
        } else {
            runs.push(addressRange({ start: value, end: value }));
        }
    }
    return runs;
}

/**
 * The cloud provider's `range-global`: comma-separated first-last ranges (a
 * lone address written as a one-address range, the form the provider parses);
 * undefined when nothing is left for Services that pin nothing.
 */
export function rangeGlobalValue(unpinned: readonly AddressRange[]): string | undefined {
    return unpinned.length === 0 ? undefined : unpinned.map(r => `${formatIpv4(r.start)}-${formatIpv4(r.end)}`).join(",");
}

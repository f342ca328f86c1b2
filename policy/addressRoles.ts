// What an address is on this network, for messages: "192.168.1.1 (the
// gateway)" says more than "outside the pool". Pure; the policies pass in the
// parts of the network they read from the pack config.

import { Ipv4Block, Ipv4Range, formatIpv4, formatRange, rangeContains } from "./addressing";
import { ParsedReservation } from "./reservations";

/** The parts of the network an address can be recognised by; each optional. */
export interface AddressContext {
    readonly lan?: Ipv4Block;
    readonly lanGateway?: number;
    readonly dhcpScope?: Ipv4Range;
    readonly controlPlaneVip?: number;
    readonly loadBalancerPool?: Ipv4Range;
    readonly reservations?: readonly ParsedReservation[];
}

/**
 * What the address is, as noun phrases: the API VIP, the gateway, the LAN's
 * network or broadcast address, the address of a reservation's owner (a
 * Traefik VIP, an address an Application owns), or where it lies (outside the
 * LAN, in the DHCP scope). Empty for an ordinary address of the LAN.
 */
export function addressRoles(address: number, context: AddressContext): string[] {
    const roles: string[] = [];
    if (context.controlPlaneVip === address) {
        roles.push("the API VIP");
    }
    for (const reservation of context.reservations ?? []) {
        if (reservation.address === address) {
            roles.push(`the address of ${reservation.owner}`);
        }
    }
    if (context.lanGateway === address) {
        roles.push("the gateway");
    }
    const lan = context.lan;
    if (lan !== undefined) {
        if (lan.prefix < 31 && address === lan.network) {
            roles.push(`the network address of the LAN ${lan.cidr}`);
        } else if (lan.prefix < 31 && address === lan.broadcast) {
            roles.push(`the broadcast address of the LAN ${lan.cidr}`);
        } else if (address < lan.network || address > lan.broadcast) {
            roles.push(`outside the LAN ${lan.cidr}`);
        }
    }
    if (context.dhcpScope !== undefined && rangeContains(context.dhcpScope, address)) {
        roles.push(`in the router's DHCP scope ${formatRange(context.dhcpScope)}`);
    }
    return roles;
}

/** `192.168.1.1 (the gateway)`, or the bare address when it is nothing in particular. */
export function describeAddress(address: number, context: AddressContext): string {
    const roles = addressRoles(address, context);
    return roles.length === 0 ? formatIpv4(address) : `${formatIpv4(address)} (${roles.join(", ")})`;
}

/** The addresses of a range that are the API VIP, the gateway, reserved or the LAN's own, described. */
export function notableAddressesIn(range: Ipv4Range, context: AddressContext): string[] {
    const candidates = new Set<number>();
    for (const address of [context.controlPlaneVip, context.lanGateway, context.lan?.network, context.lan?.broadcast, ...(context.reservations ?? []).map(r => r.address)]) {
        if (address !== undefined && rangeContains(range, address)) {
            candidates.add(address);
        }
    }
    return [...candidates].sort((a, b) => a - b).map(address => describeAddress(address, context)).filter(text => text.includes("("));
}

/** "it is the API VIP and in the router's DHCP scope …", or "" for an ordinary address. */
export function whatItIs(address: number, context: AddressContext): string {
    const roles = addressRoles(address, context);
    return roles.length === 0 ? "" : `: it is ${roles.join(" and ")}`;
}

/** Why an address outside the pool is dangerous, from what it is. */
export function whyItMatters(address: number, context: AddressContext): string {
    const roles = addressRoles(address, context).join(" ");
    if (roles.includes("the API VIP")) {
        return "kube-vip would announce the Kubernetes API's own address for a Service, and the API would drop off the LAN";
    }
    if (roles.includes("the gateway")) {
        return "kube-vip would answer ARP for the router's address and take the whole LAN's way out";
    }
    if (roles.includes("network address") || roles.includes("broadcast address")) {
        return "no host may use that address; announcing it breaks the LAN's broadcast";
    }
    if (roles.includes("outside the LAN")) {
        return "kube-vip answers ARP only on the node's own network, so nothing would reach it";
    }
    if (roles.includes("DHCP scope")) {
        return "the router could hand the same address to a DHCP client (an ARP conflict)";
    }
    return "kube-vip's cloud provider does not check this, so the address could collide with a host on the LAN";
}

// IPv4 address arithmetic shared by the Pulumi program and the policy pack.
//
// It lives in policy/ because the pack must stand alone (`pulumi policy publish`
// packages only this folder); the program imports it from here.
//
// netmask does the arithmetic, but it is lenient: "10/8" parses as 0.0.0.0/8,
// "010.1.1.1" as 8.1.1.1 and "192.168.1.5/24" silently drops the host bits.
// A config typo must not become a different network, so every text goes through
// a strict dotted-quad check before netmask sees it.

import { Netmask, ip2long, long2ip } from "netmask";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A CIDR block, with its bounds as 32-bit integers for cheap comparisons. */
export interface Ipv4Block {
    readonly cidr: string;
    readonly network: number;
    readonly broadcast: number;
    readonly prefix: number;
}

/** An inclusive range of addresses, as kube-vip's `range-*` keys write them. */
export interface Ipv4Range {
    readonly start: number;
    readonly end: number;
}

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function formatIpv4(address: number): string {
    return long2ip(address);
}

/** One IPv4 address: its number for arithmetic, its text for manifests. */
export interface Address {
    readonly value: number;
    readonly text: string;
}

export function address(value: number): Address {
    return { value, text: formatIpv4(value) };
}

export function formatRange(range: Ipv4Range): string {
    return range.start === range.end
        ? formatIpv4(range.start)
        : `${formatIpv4(range.start)}-${formatIpv4(range.end)}`;
}

export function rangeSize(range: Ipv4Range): number {
    return range.end - range.start + 1;
}

export function parseIpv4(text: string): Parsed<number> {
    const trimmed = text.trim();
    if (!DOTTED_QUAD.test(trimmed)) {
        return { ok: false, reason: explainBadAddress(trimmed) };
    }
    return { ok: true, value: ip2long(trimmed) };
}

function explainBadAddress(text: string): string {
    if (text === "") {
        return "is empty; expected an IPv4 address such as 192.168.1.10";
    }
    const parts = text.split(".");
    if (parts.length !== 4) {
        return `is not an IPv4 address: it has ${parts.length} dot-separated part(s), an address has 4 (e.g. 192.168.1.10)`;
    }
    const bad = parts.find(part => !/^(0|[1-9][0-9]*)$/.test(part) || Number(part) > 255);
    if (bad !== undefined && /^[0-9]+$/.test(bad) && Number(bad) > 255) {
        return `is not an IPv4 address: the part ${bad} is above 255`;
    }
    if (bad !== undefined && /^0[0-9]+$/.test(bad)) {
        return `is not an IPv4 address: the part ${bad} has a leading zero (many tools read it as octal); write ${Number(bad)}`;
    }
    return `is not an IPv4 address: the part "${bad ?? text}" is not a number from 0 to 255`;
}

/**
 * Parses a network in CIDR notation. Host bits are refused, with the network the
 * user probably meant, since a silently widened network would hide a typo.
 */
export function parseCidr(text: string): Parsed<Ipv4Block> {
    const trimmed = text.trim();
    const slash = trimmed.indexOf("/");
    if (slash < 0) {
        return { ok: false, reason: "is not a CIDR block: it has no /prefix (e.g. 10.42.0.0/16)" };
    }
    const address = parseIpv4(trimmed.slice(0, slash));
    if (!address.ok) {
        return address;
    }
    const prefixText = trimmed.slice(slash + 1);
    if (!/^(3[0-2]|[12]?[0-9])$/.test(prefixText)) {
        return { ok: false, reason: `has the prefix /${prefixText}; a prefix is a whole number from 0 to 32` };
    }
    const block = new Netmask(`${formatIpv4(address.value)}/${prefixText}`);
    const network = ip2long(block.base);
    if (network !== address.value) {
        return {
            ok: false,
            reason: `has host bits set: ${trimmed} is an address inside ${block.base}/${block.bitmask}, not a network; write ${block.base}/${block.bitmask}`,
        };
    }
    return {
        ok: true,
        value: { cidr: `${block.base}/${block.bitmask}`, network, broadcast: network + block.size - 1, prefix: block.bitmask },
    };
}

/** Parses `first-last`, or a single address as a one-address range. */
export function parseRange(text: string): Parsed<Ipv4Range> {
    const trimmed = text.trim();
    const parts = trimmed.split("-");
    if (parts.length > 2) {
        return { ok: false, reason: "is not a range: expected first-last, e.g. 192.168.1.231-192.168.1.239" };
    }
    const start = parseIpv4(parts[0]);
    if (!start.ok) {
        return { ok: false, reason: `starts with an address that ${start.reason}` };
    }
    if (parts.length === 1) {
        return { ok: true, value: { start: start.value, end: start.value } };
    }
    const end = parseIpv4(parts[1]);
    if (!end.ok) {
        return { ok: false, reason: `ends with an address that ${end.reason}` };
    }
    if (end.value < start.value) {
        return {
            ok: false,
            reason: `ends before it starts; write it lowest address first: ${formatIpv4(end.value)}-${formatIpv4(start.value)}`,
        };
    }
    return { ok: true, value: { start: start.value, end: end.value } };
}

export function blockAsRange(block: Ipv4Block): Ipv4Range {
    return { start: block.network, end: block.broadcast };
}

export function rangeContains(range: Ipv4Range, address: number): boolean {
    return address >= range.start && address <= range.end;
}

export function rangeWithin(inner: Ipv4Range, outer: Ipv4Range): boolean {
    return inner.start >= outer.start && inner.end <= outer.end;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
    return a.start <= b.end && b.start <= a.end;
}

/** What surrounds the VIPs on the LAN; gateway and DHCP scope are optional. */
export interface LanLayout {
    readonly lan: Ipv4Block;
    readonly gateway?: number;
    readonly dhcpScope?: Ipv4Range;
}

/**
 * Why a VIP or VIP range cannot be advertised on the LAN, as phrases that follow
 * the value in a message ("192.168.1.0 is the LAN's network address"). Empty
 * when the placement is sound.
 */
export function lanPlacementProblems(range: Ipv4Range, layout: LanLayout): string[] {
    const lanRange = blockAsRange(layout.lan);
    if (!rangeWithin(range, lanRange)) {
        return [`lies outside the LAN ${layout.lan.cidr}; kube-vip answers ARP only for addresses on the node's own network`];
    }
    const problems: string[] = [];
    // One address is the special address; a range includes it, named.
    const single = range.start === range.end;
    const taken = (address: number, what: string) => (single ? `is ${what}` : `includes ${formatIpv4(address)}, ${what}`);
    if (layout.lan.prefix < 31) {
        if (rangeContains(range, layout.lan.network)) {
            problems.push(taken(layout.lan.network, `the network address of ${layout.lan.cidr}`));
        }
        if (rangeContains(range, layout.lan.broadcast)) {
            problems.push(taken(layout.lan.broadcast, `the broadcast address of ${layout.lan.cidr}`));
        }
    }
    if (layout.gateway !== undefined && rangeContains(range, layout.gateway)) {
        problems.push(`${taken(layout.gateway, "the gateway's address")}; announcing it would hijack the router`);
    }
    if (layout.dhcpScope !== undefined && rangesOverlap(range, layout.dhcpScope)) {
        problems.push(
            `overlaps the router's DHCP scope ${formatRange(layout.dhcpScope)}; a DHCP client could be handed the same address (ARP conflict)`,
        );
    }
    return problems;
}

/** Every address of a range, for small ranges such as a LoadBalancer pool. */
export function rangeAddresses(range: Ipv4Range): number[] {
    const addresses: number[] = [];
    for (let address = range.start; address <= range.end; address++) {
        addresses.push(address);
    }
    return addresses;
}

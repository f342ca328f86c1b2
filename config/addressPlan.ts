// The address plan: the stack's addresses, ranges and interfaces, parsed once
// and proven consistent before any resource is declared. Every component, the
// offline plan, the pack's config and the outputs read this one object; each
// address carries its number (for arithmetic) and its text (for manifests).
// Pure: no Pulumi imports, so every rule is tested with plain inputs.

import { IngressFrontends, ingressFrontends } from "../platform/traefik";
import {
    Address,
    address,
    Ipv4Block,
    Ipv4Range,
    LanLayout,
    Parsed,
    blockAsRange,
    formatRange,
    lanPlacementProblems,
    parseCidr,
    parseIpv4,
    parseRange,
    rangeContains,
    rangesOverlap,
} from "../policy/addressing";
import { ConfigIssue } from "./issues";

// Addresses are the shared floor's; the config's readers find them here too.
export { address };
export type { Address };

/** The network part of the stack config, as the user typed it. */
export interface RawAddressConfig {
    lan: string;
    lanGateway: string;
    dhcpScope: string;
    controlPlaneVip: string;
    vipInterface: string;
    loadBalancerPool: string;
    ingressVip: string;
    ingressSecondaryVip: string;
    /** What the second frontend's names end with; "" or absent: ingressSecondaryVip's last octet. */
    ingressSecondaryName?: string;
    podCidr: string;
    serviceCidr: string;
    /** `undefined` when the value could not be read as a list (the reader has reported that). */
    ciliumDevices: string[] | undefined;
}

export type AddressConfigKey = keyof RawAddressConfig;

/** An inclusive range of addresses with its first-last text. */
export interface AddressRange extends Ipv4Range {
    readonly text: string;
}

export function addressRange(range: Ipv4Range): AddressRange {
    return { start: range.start, end: range.end, text: formatRange(range) };
}

export interface AddressPlan {
    readonly lan: Ipv4Block;
    /** Absent when the stack does not declare it; see `unproven`. */
    readonly gateway?: Address;
    readonly dhcpScope?: AddressRange;
    readonly controlPlaneVip: Address;
    /** The NIC on which kube-vip answers ARP for every VIP. */
    readonly vipInterface: string;
    readonly loadBalancerPool: AddressRange;
    /** The two Traefik Services: names, VIPs and entrypoints. */
    readonly ingress: IngressFrontends;
    readonly podCidr: Ipv4Block;
    readonly serviceCidr: Ipv4Block;
    /** The NICs Cilium's datapath attaches to; vipInterface is one of them. */
    readonly ciliumDevices: readonly string[];
    /** What the plan could not prove because an optional key is unset. */
    readonly unproven: readonly string[];
}

export type { ConfigIssue };

export type PlanResult = { ok: true; plan: AddressPlan } | { ok: false; issues: ConfigIssue[] };

/** Cilium's cluster-pool IPAM hands every node a block of this prefix from the pod CIDR. */
export const POD_BLOCK_PER_NODE_PREFIX = 24;

// Linux interface names: at most 15 bytes, no slash, no white space.
const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

export function buildAddressPlan(raw: RawAddressConfig): PlanResult {
    const issues: ConfigIssue[] = [];
    const report = (key: AddressConfigKey, value: string, problem: string, fix: string): void => {
        issues.push({ key, value, problem, fix });
    };
    const parse = <T>(key: AddressConfigKey, parser: (text: string) => Parsed<T>, example: string): T | undefined => {
        const value = raw[key] as string;
        const parsed = parser(value);
        if (!parsed.ok) {
            report(key, value, parsed.reason, `set ${key} to a value like ${example}`);
            return undefined;
        }
        return parsed.value;
    };
    const parseOptional = <T>(key: AddressConfigKey, parser: (text: string) => Parsed<T>, example: string): T | undefined =>
        (raw[key] as string).trim() === "" ? undefined : parse(key, parser, example);

    const lan = parse("lan", parseCidr, "192.168.1.0/24");
    const gateway = parseOptional("lanGateway", parseIpv4, "192.168.1.1");
    const dhcpScope = parseOptional("dhcpScope", parseRange, "192.168.1.100-192.168.1.199");
    const controlPlaneVip = parse("controlPlaneVip", parseIpv4, "192.168.1.230");
    const loadBalancerPool = parse("loadBalancerPool", parseRange, "192.168.1.231-192.168.1.239");
    const ingressVip = parse("ingressVip", parseIpv4, "192.168.1.231");
    const ingressSecondaryVip = parse("ingressSecondaryVip", parseIpv4, "192.168.1.239");
    const podCidr = parse("podCidr", parseCidr, "10.42.0.0/16");
    const serviceCidr = parse("serviceCidr", parseCidr, "10.43.0.0/16");

    checkInterfaces(raw, report);

    if (podCidr !== undefined && podCidr.prefix > POD_BLOCK_PER_NODE_PREFIX - 1) {
        const blocks = podCidr.prefix > POD_BLOCK_PER_NODE_PREFIX ? "not even one" : "only one";
        report(
            "podCidr",
            raw.podCidr,
            `holds ${blocks} of the /${POD_BLOCK_PER_NODE_PREFIX} blocks Cilium gives each node, so at most one node would get pod addresses`,
            `use a /${POD_BLOCK_PER_NODE_PREFIX - 1} or larger (K3s's default is 10.42.0.0/16, room for 256 nodes)`,
        );
    }

    if (lan !== undefined) {
        if (gateway !== undefined) {
            const problems = gatewayProblems(gateway, lan);
            problems.forEach(p => report("lanGateway", raw.lanGateway, p, `set lanGateway to the router's address inside ${lan.cidr}`));
        }
        if (dhcpScope !== undefined && !lanRangeHolds(lan, dhcpScope)) {
            report("dhcpScope", raw.dhcpScope, `lies outside the LAN ${lan.cidr}`, "copy the DHCP scope from the router's settings");
        }
        const layout: LanLayout = { lan, gateway, dhcpScope };
        if (controlPlaneVip !== undefined) {
            for (const problem of lanPlacementProblems({ start: controlPlaneVip, end: controlPlaneVip }, layout)) {
                report("controlPlaneVip", raw.controlPlaneVip, problem, `choose a free static address inside ${lan.cidr}, outside the DHCP scope`);
            }
        }
        if (loadBalancerPool !== undefined) {
            for (const problem of lanPlacementProblems(loadBalancerPool, layout)) {
                report("loadBalancerPool", raw.loadBalancerPool, problem, `choose a range of free static addresses inside ${lan.cidr}, outside the DHCP scope`);
            }
        }
    }

    if (loadBalancerPool !== undefined) {
        const pool = formatRange(loadBalancerPool);
        if (controlPlaneVip !== undefined && rangeContains(loadBalancerPool, controlPlaneVip)) {
            report(
                "controlPlaneVip",
                raw.controlPlaneVip,
                `lies inside the LoadBalancer pool ${pool}; the cloud provider could hand the API's address to a Service`,
                "move the API VIP out of loadBalancerPool, or shrink the pool so it excludes the VIP",
            );
        }
        for (const key of ["ingressVip", "ingressSecondaryVip"] as const) {
            const vip = key === "ingressVip" ? ingressVip : ingressSecondaryVip;
            if (vip !== undefined && !rangeContains(loadBalancerPool, vip)) {
                report(key, raw[key], `lies outside the LoadBalancer pool ${pool}, the addresses set aside for Services; kube-vip would announce it anyway, and nothing in the cluster checks that no LAN host uses it`, `choose an address inside ${pool}, or widen loadBalancerPool`);
            }
        }
    }
    const secondaryName = secondaryFrontendName(raw.ingressSecondaryName, report);
    if (ingressVip !== undefined && ingressSecondaryVip !== undefined && ingressVip === ingressSecondaryVip) {
        report(
            "ingressSecondaryVip",
            raw.ingressSecondaryVip,
            `is the same address as ingressVip; the two Traefik Services need distinct VIPs`,
            "choose another free address of the LoadBalancer pool",
        );
    }

    const blocks: Array<[AddressConfigKey, Ipv4Block | undefined]> = [["podCidr", podCidr], ["serviceCidr", serviceCidr], ["lan", lan]];
    for (let i = 0; i < blocks.length; i++) {
        for (let j = i + 1; j < blocks.length; j++) {
            const [keyA, a] = blocks[i];
            const [keyB, b] = blocks[j];
            if (a !== undefined && b !== undefined && rangesOverlap(blockAsRange(a), blockAsRange(b))) {
                report(
                    keyA,
                    raw[keyA] as string,
                    `overlaps ${keyB} ${b.cidr}; packets for one would be routed to the other`,
                    `choose a ${keyA} that shares no address with ${keyB}`,
                );
            }
        }
    }

    if (issues.length > 0 || raw.ciliumDevices === undefined || lan === undefined || controlPlaneVip === undefined || loadBalancerPool === undefined
        || ingressVip === undefined || ingressSecondaryVip === undefined || podCidr === undefined || serviceCidr === undefined) {
        return { ok: false, issues };
    }
    return {
        ok: true,
        plan: {
            lan,
            gateway: gateway === undefined ? undefined : address(gateway),
            dhcpScope: dhcpScope === undefined ? undefined : addressRange(dhcpScope),
            controlPlaneVip: address(controlPlaneVip),
            vipInterface: raw.vipInterface.trim(),
            loadBalancerPool: addressRange(loadBalancerPool),
            ingress: ingressFrontends(address(ingressVip), address(ingressSecondaryVip), secondaryName),
            podCidr,
            serviceCidr,
            ciliumDevices: raw.ciliumDevices.map(d => d.trim()),
            unproven: unprovenClaims(gateway, dhcpScope),
        },
    };
}

/**
 * `ingressSecondaryName`, when set: the end of the second frontend's names
 * (Service traefik-vip<name>, entrypoints web<name>, websecure<name>), kept
 * when ingressSecondaryVip moves. websecure<name> is also a container port's
 * name, which Kubernetes caps at 15 characters, so at most 6; and web<name>
 * must never be the first frontend's websecure.
 */
function secondaryFrontendName(value: string | undefined, report: (key: AddressConfigKey, value: string, problem: string, fix: string) => void): string | undefined {
    const name = (value ?? "").trim();
    if (name === "") {
        return undefined;
    }
    if (!/^[a-z0-9]{1,6}$/.test(name)) {
        report("ingressSecondaryName", value!, "is not 1 to 6 lower-case letters or digits (websecure<name> names a container port, at most 15 characters)", "write e.g. 239, the octet the names carry today");
        return undefined;
    }
    if (name === "secure") {
        report("ingressSecondaryName", value!, "makes the second frontend's web entrypoint websecure, the first frontend's", "choose another name");
        return undefined;
    }
    return name;
}

function lanRangeHolds(lan: Ipv4Block, range: Ipv4Range): boolean {
    return range.start >= lan.network && range.end <= lan.broadcast;
}

function gatewayProblems(gateway: number, lan: Ipv4Block): string[] {
    if (!rangeContains(blockAsRange(lan), gateway)) {
        return [`lies outside the LAN ${lan.cidr}`];
    }
    if (lan.prefix < 31 && (gateway === lan.network || gateway === lan.broadcast)) {
        return [`is the ${gateway === lan.network ? "network" : "broadcast"} address of ${lan.cidr}, not a host`];
    }
    return [];
}

function checkInterfaces(raw: RawAddressConfig, report: (key: AddressConfigKey, value: string, problem: string, fix: string) => void): void {
    const vipInterface = raw.vipInterface.trim();
    if (!INTERFACE_NAME.test(vipInterface)) {
        report("vipInterface", raw.vipInterface, "is not a Linux interface name (1-15 characters, no spaces or slashes)", "set vipInterface to the NIC on the LAN, as `ip link` shows it (e.g. eno1)");
    }
    if (raw.ciliumDevices === undefined) {
        // Unreadable, and already reported: an empty list or a missing
        // vipInterface would only be a consequence of that.
        return;
    }
    const devices = raw.ciliumDevices.map(d => d.trim());
    const shown = JSON.stringify(raw.ciliumDevices);
    if (devices.length === 0) {
        report("ciliumDevices", shown, "is empty; Cilium needs at least the interface that carries the LAN", `set ciliumDevices to a list such as ["${raw.vipInterface || "eno1"}"]`);
    }
    for (const device of devices) {
        if (!INTERFACE_NAME.test(device)) {
            report("ciliumDevices", shown, `names "${device}", which is not a Linux interface name (1-15 characters, no spaces or slashes)`, "list interface names as `ip link` shows them");
        }
    }
    const duplicates = devices.filter((d, i) => devices.indexOf(d) !== i);
    if (duplicates.length > 0) {
        report("ciliumDevices", shown, `lists ${duplicates.join(", ")} more than once`, "list each interface once");
    }
    if (INTERFACE_NAME.test(vipInterface) && devices.length > 0 && !devices.includes(vipInterface)) {
        report(
            "vipInterface",
            raw.vipInterface,
            `is not among ciliumDevices ${shown}; Cilium would not process traffic arriving on the VIPs' interface`,
            `add "${vipInterface}" to ciliumDevices, or correct vipInterface`,
        );
    }
}

function unprovenClaims(gateway: number | undefined, dhcpScope: Ipv4Range | undefined): string[] {
    const claims: string[] = [];
    if (gateway === undefined) {
        claims.push("lanGateway is not set: the plan cannot prove that no VIP is the router's own address");
    }
    if (dhcpScope === undefined) {
        claims.push("dhcpScope is not set: the plan cannot prove that the VIPs stay out of the router's DHCP scope");
    }
    return claims;
}

/** The plan's addresses as text: the stack output `addressPlan`. */
export function describeAddresses(plan: AddressPlan) {
    return {
        lan: plan.lan.cidr,
        gateway: plan.gateway?.text,
        dhcpScope: plan.dhcpScope?.text,
        controlPlaneVip: plan.controlPlaneVip.text,
        loadBalancerPool: plan.loadBalancerPool.text,
        ingressVip: plan.ingress.primary.vip.text,
        ingressSecondaryVip: plan.ingress.secondary.vip.text,
        podCidr: plan.podCidr.cidr,
        serviceCidr: plan.serviceCidr.cidr,
    };
}

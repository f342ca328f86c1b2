// The LoadBalancer pool: the ranges the kubevip ConfigMap gives the cloud
// provider, the allocators and announcers that would compete with kube-vip,
// and whether the pool holds every Service that asks for an address.

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { AddressContext, notableAddressesIn } from "./addressRoles";
import {
    Ipv4Range,
    Parsed,
    blockAsRange,
    formatIpv4,
    formatRange,
    lanPlacementProblems,
    parseCidr,
    parseIpv4,
    parseRange,
    rangeContains,
    rangeSize,
    rangeWithin,
    rangesOverlap,
} from "./addressing";
import { CHARTS, SECOND_ALLOCATOR_KINDS } from "./definitions";
import { LAN_KEYS, lanLayout, networkNeeds } from "./networkConfig";
import { ResourceView, groupKind, helmSources, isObject, metaName, objectsOf, readEach, readable, via } from "./readers";
import { loadBalancerServices } from "./addresses";
import { kubeVipPools } from "./kubeVip";

// ---------------------------------------------------------------------------
// Readers: second allocators and announcers

export interface SecondAllocator {
    /** e.g. `CiliumLoadBalancerIPPool lan-pool`. */
    readonly owner: string;
    /** What it does, e.g. "makes Cilium's LB IPAM assign LoadBalancer addresses". */
    readonly role: string;
    /** The addresses it hands out, as written (CIDRs or first-last ranges). */
    readonly blocks: readonly string[];
}

function allocatorBlocks(spec: Record<string, any> | undefined): string[] {
    if (!isObject(spec)) {
        return [];
    }
    const blocks: string[] = [];
    for (const block of [...(Array.isArray(spec.blocks) ? spec.blocks : []), ...(Array.isArray(spec.cidrs) ? spec.cidrs : [])]) {
        if (isObject(block) && typeof block.cidr === "string") {
            blocks.push(block.cidr);
        } else if (isObject(block) && typeof block.start === "string") {
            blocks.push(typeof block.stop === "string" ? `${block.start}-${block.stop}` : block.start);
        }
    }
    for (const address of Array.isArray(spec.addresses) ? spec.addresses : []) {
        if (typeof address === "string") {
            blocks.push(address.replace(/\s+/g, ""));
        }
    }
    return blocks;
}

/** Objects that allocate or announce LoadBalancer addresses besides kube-vip, and releases of MetalLB. */
export function secondAllocators(resource: ResourceView): SecondAllocator[] {
    const found: SecondAllocator[] = [];
    for (const view of objectsOf(resource)) {
        const gk = groupKind(view);
        const known = gk === undefined ? undefined : SECOND_ALLOCATOR_KINDS.find(k => k.group === gk.group && k.kind === gk.kind);
        if (known !== undefined) {
            const ns = view.props?.metadata?.namespace;
            found.push({ owner: `${known.kind} ${ns === undefined ? "" : `${ns}/`}${metaName(view)}${via(view)}`, role: known.role, blocks: allocatorBlocks(view.props?.spec) });
        }
    }
    for (const source of helmSources(resource).filter(s => s.chart === CHARTS.metallb)) {
        found.push({ owner: source.owner, role: "installs MetalLB, a LoadBalancer allocator and announcer", blocks: [] });
    }
    return found;
}

/** A range first-last, or a CIDR block when it holds a slash, as the range it covers. */
function parseRangeOrCidr(text: string): Parsed<Ipv4Range> {
    if (!text.includes("/")) {
        return parseRange(text);
    }
    const block = parseCidr(text);
    return block.ok ? { ok: true, value: blockAsRange(block.value) } : block;
}

/** A kube-vip pool value: comma-separated ranges, or CIDRs when it holds a slash. */
function parsePoolValue(value: string): { ranges: Ipv4Range[]; problems: string[] } {
    const ranges: Ipv4Range[] = [];
    const problems: string[] = [];
    for (const part of value.split(",").map(p => p.trim()).filter(p => p !== "")) {
        const parsed = parseRangeOrCidr(part);
        if (!parsed.ok) {
            problems.push(`"${part}" ${parsed.reason}`);
        } else {
            ranges.push(parsed.value);
        }
    }
    return { ranges, problems };
}

// ---------------------------------------------------------------------------
// Policies

const poolPlacementNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool");
export const loadBalancerPoolPlacement: ResourceValidationPolicy = {
    name: "loadbalancer-pool-placement",
    description:
        "The kube-vip pool's ranges (range-* and cidr-* keys of the kubevip ConfigMap, a ConfigMapPatch of it or a ConfigGroup's copy) lie inside the stack's declared " +
        "LoadBalancer pool: inside the LAN, outside the DHCP scope, off the gateway, network and broadcast addresses and the API VIP.",
    enforcementLevel: "mandatory",
    configSchema: poolPlacementNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = poolPlacementNeeds.read("loadbalancer-pool-placement", args.getConfig());
        const layout = lanLayout(net);
        const declared = formatRange(net.loadBalancerPool);
        for (const pool of kubeVipPools(args)) {
            const parsed = parsePoolValue(pool.value);
            for (const problem of parsed.problems) {
                reportViolation(`${pool.owner} key ${pool.key}: ${problem}. Fix: write comma-separated ranges first-last, or CIDR blocks.`);
            }
            for (const range of parsed.ranges) {
                for (const problem of lanPlacementProblems(range, layout)) {
                    reportViolation(`${pool.owner} key ${pool.key} = ${formatRange(range)} ${problem}. Fix: use free static addresses of ${net.lan.cidr}.`);
                }
                if (rangeContains(range, net.controlPlaneVip)) {
                    reportViolation(`${pool.owner} key ${pool.key} = ${formatRange(range)} includes the API VIP ${formatIpv4(net.controlPlaneVip)}. Fix: exclude it from the pool.`);
                }
                if (!rangeWithin(range, net.loadBalancerPool)) {
                    reportViolation(
                        `${pool.owner} key ${pool.key} = ${formatRange(range)} reaches outside the stack's LoadBalancer pool ${declared}: the plan set only ${declared} aside for VIPs, ` +
                        `so the cloud provider could hand a Service an address a host or the router already uses. Fix: use addresses of ${declared}, ` +
                        "or widen loadBalancerPool in the stack config (npm run policy-config then updates the pack's config).",
                    );
                }
            }
        }
    },
};

const allocatorNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool", "reservations");
export const singleLoadBalancerAllocator: ResourceValidationPolicy = {
    name: "single-loadbalancer-allocator",
    description:
        "kube-vip's cloud provider is the only LoadBalancer allocator and kube-vip the only announcer: no CiliumLoadBalancerIPPool, CiliumL2AnnouncementPolicy, " +
        "Cilium BGP advertisement, MetalLB IPAddressPool or advertisement, and no MetalLB release. A second allocator hands the same addresses to other Services, " +
        "a second announcer answers ARP for the same VIPs, and the addresses flap between them.",
    enforcementLevel: "mandatory",
    configSchema: allocatorNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = allocatorNeeds.read("single-loadbalancer-allocator", args.getConfig());
        const context: AddressContext = { ...net };
        const pool = formatRange(net.loadBalancerPool);
        for (const allocator of secondAllocators(args)) {
            const notes: string[] = [];
            for (const block of allocator.blocks) {
                const parsed = parseRangeOrCidr(block);
                if (!parsed.ok) {
                    continue;
                }
                const range = parsed.value;
                const notable = notableAddressesIn(range, context);
                const overlap = rangesOverlap(range, net.loadBalancerPool) ? `overlaps the pool ${pool}` : "";
                const parts = [overlap, notable.length > 0 ? `includes ${notable.join(", ")}` : ""].filter(p => p !== "");
                if (parts.length > 0) {
                    notes.push(`${block} ${parts.join(" and ")}`);
                }
            }
            const blocks = allocator.blocks.length === 0 ? "" : ` from ${allocator.blocks.join(", ")}`;
            reportViolation(
                `${allocator.owner} ${allocator.role}${blocks}${notes.length === 0 ? "" : ` (${notes.join("; ")})`}; kube-vip's cloud provider already hands out ${pool} ` +
                "and kube-vip answers ARP for every Service address, so two controllers would give out and announce the same addresses. " +
                "Fix: remove it; for more addresses, widen loadBalancerPool in the stack config.",
            );
        }
    },
};

const capacityNeeds = networkNeeds("loadBalancerPool", "reservations");
export const loadBalancerPoolCapacity: StackValidationPolicy = {
    name: "loadbalancer-pool-capacity",
    description:
        "Pinned and reserved addresses plus the LoadBalancer Services that will ask for one fit in the pool (an address an Application owns is taken whether or not its Service is in the stack); " +
        "a Service of another loadBalancerClass is not kube-vip's and does not count.",
    enforcementLevel: "mandatory",
    configSchema: capacityNeeds.schema,
    validateStack: (args, reportViolation) => {
        const net = capacityNeeds.read("loadbalancer-pool-capacity", args.getConfig());
        const services = readEach(readable(args.resources), loadBalancerServices);
        const declared = new Set(services.filter(s => !s.patch && s.service !== undefined).map(s => s.service));
        const pinned = new Set<number>();
        const unpinned: string[] = [];
        const counted = new Set<string>();
        for (const service of services) {
            for (const address of service.pinned) {
                const parsed = parseIpv4(address);
                if (parsed.ok && rangeContains(net.loadBalancerPool, parsed.value)) {
                    pinned.add(parsed.value);
                }
            }
            const key = service.service ?? service.owner;
            // A patch of a Service declared here is that Service, not another one.
            if (service.pinned.length === 0 && !counted.has(key) && !(service.patch && declared.has(service.service))) {
                unpinned.push(service.owner);
            }
            counted.add(key);
        }
        for (const reservation of net.reservations) {
            if (rangeContains(net.loadBalancerPool, reservation.address)) {
                pinned.add(reservation.address);
            }
        }
        const size = rangeSize(net.loadBalancerPool);
        const free = size - pinned.size;
        if (unpinned.length > free) {
            reportViolation(
                `The pool ${formatRange(net.loadBalancerPool)} holds ${size} addresses; ${pinned.size} are pinned or reserved and ${unpinned.length} Services will ask for one ` +
                `(${unpinned.join("; ")}), so ${unpinned.length - free} would stay <pending>. Fix: widen loadBalancerPool or pin fewer addresses.`,
            );
        }
    },
};

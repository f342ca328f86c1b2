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
import { CHARTS, GLOBAL_RANGE_KEY, KINDS, KUBE_VIP_POOL_CONFIG_MAP, SECOND_ALLOCATOR_KINDS, TYPES } from "./definitions";
import { LAN_KEYS, lanLayout, networkNeeds } from "./networkConfig";
import { ResourceView, groupKind, helmSources, isKind, isObject, metaName, metaNamespace, objectsOf, readEach, readable, via } from "./readers";
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

const ownedPoolNeeds = networkNeeds("reservations");
export const poolKeysSkipOwnedAddresses: ResourceValidationPolicy = {
    name: "pool-keys-skip-owned-addresses",
    description:
        `Every ConfigMap named ${KUBE_VIP_POOL_CONFIG_MAP.name} (the cloud provider's, a ConfigMapPatch of it, a copy in a ConfigGroup or in another namespace) keeps its pools off ` +
        `the addresses someone owns, and holds no pool but ${GLOBAL_RANGE_KEY}: a per-namespace range-<namespace> or cidr-<namespace> pool is checked for addresses in use ` +
        "only within its namespace, so it hands out an address another namespace's Service holds.",
    enforcementLevel: "mandatory",
    configSchema: ownedPoolNeeds.schema,
    validateResource: (args, reportViolation) => {
        const { reservations } = ownedPoolNeeds.read("pool-keys-skip-owned-addresses", args.getConfig());
        for (const view of objectsOf(args)) {
            const isConfigMap = isKind(view, KINDS.configMap) || view.type === TYPES.configMapPatch;
            if (!isConfigMap || metaName(view) !== KUBE_VIP_POOL_CONFIG_MAP.name || !isObject(view.props?.data)) {
                continue;
            }
            const namespace = metaNamespace(view);
            const owner = `${view.type === TYPES.configMapPatch ? "ConfigMapPatch" : "ConfigMap"} ${namespace}/${metaName(view)}${via(view)}`;
            for (const [key, value] of Object.entries(view.props.data as Record<string, unknown>)) {
                if (!key.startsWith("range-") && !key.startsWith("cidr-")) {
                    continue;
                }
                if (namespace !== KUBE_VIP_POOL_CONFIG_MAP.namespace) {
                    reportViolation(`${owner} holds the pool key ${key}, in a second ${KUBE_VIP_POOL_CONFIG_MAP.name} ConfigMap beside ${KUBE_VIP_POOL_CONFIG_MAP.namespace}/${KUBE_VIP_POOL_CONFIG_MAP.name}: a cloud provider pointed at it would allocate outside the plan. Fix: delete it; the stack writes the one pool.`);
                } else if (key !== GLOBAL_RANGE_KEY) {
                    reportViolation(`${owner} adds the per-namespace pool ${key} = ${String(value)}: the cloud provider checks addresses in use only within that namespace, so it can hand out an address another namespace's Service holds. Fix: remove ${key}; declare the address as an Application's loadBalancerAddresses entry instead.`);
                }
                for (const range of parsePoolValue(String(value)).ranges) {
                    const covered = reservations.filter(r => rangeContains(range, r.address));
                    if (covered.length > 0) {
                        reportViolation(
                            `${owner} key ${key} = ${formatRange(range)} covers owned addresses (${covered.map(r => `${formatIpv4(r.address)} of ${r.owner}`).join("; ")}): the cloud provider could hand one to any Service that pins nothing before its owner's Service is synced. ` +
                            `Fix: leave ${key} as the stack writes it (the pool minus every owned address).`,
                        );
                    }
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

// The pack's policies as plain objects. Nothing here constructs the PolicyPack
// (that starts a gRPC server): index.ts assembles them, while tests and the
// offline plan import them from here.

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    Ipv4Range,
    formatIpv4,
    formatRange,
    lanPlacementProblems,
    parseCidr,
    parseIpv4,
    parseRange,
    rangeAddresses,
    rangeContains,
    rangeSize,
    rangesOverlap,
    blockAsRange,
} from "./addressing";
import { KUBE_VIP_POOL_CONFIG_MAP, TYPES } from "./definitions";
import { LAN_KEYS, lanLayout, networkNeeds } from "./networkConfig";
import {
    LoadBalancerService,
    addressSharing,
    ciliumValues,
    isNamespaceDefaultDeny,
    kubeVipContainers,
    kubeVipPools,
    loadBalancerServices,
} from "./resources";

const POOL_CONFIG_MAP = `ConfigMap ${KUBE_VIP_POOL_CONFIG_MAP.namespace}/${KUBE_VIP_POOL_CONFIG_MAP.name}`;

/** A kube-vip pool value: comma-separated ranges, or CIDRs when it holds a slash. */
function parsePoolValue(value: string): { ranges: Ipv4Range[]; problems: string[] } {
    const ranges: Ipv4Range[] = [];
    const problems: string[] = [];
    for (const part of value.split(",").map(p => p.trim()).filter(p => p !== "")) {
        const parsed = part.includes("/") ? parseCidr(part) : parseRange(part);
        if (!parsed.ok) {
            problems.push(`"${part}" ${parsed.reason}`);
        } else {
            ranges.push("cidr" in parsed.value ? blockAsRange(parsed.value) : parsed.value);
        }
    }
    return { ranges, problems };
}

const addressInPoolNeeds = networkNeeds("loadBalancerPool");
export const loadBalancerAddressInPool: ResourceValidationPolicy = {
    name: "loadbalancer-address-in-pool",
    description: "A LoadBalancer Service that pins an address pins one inside the kube-vip pool.",
    enforcementLevel: "mandatory",
    configSchema: addressInPoolNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = addressInPoolNeeds.read("loadbalancer-address-in-pool", args.getConfig());
        const pool = formatRange(net.loadBalancerPool);
        for (const service of loadBalancerServices(args)) {
            for (const address of service.pinned) {
                const parsed = parseIpv4(address);
                if (!parsed.ok) {
                    reportViolation(`${service.owner} pins "${address}", which ${parsed.reason}. Fix: pin an address of the pool ${pool}.`);
                } else if (!rangeContains(net.loadBalancerPool, parsed.value)) {
                    reportViolation(
                        `${service.owner} pins ${address}, outside the LoadBalancer pool ${pool}; kube-vip's cloud provider does not check this, ` +
                        `so the address could collide with a host on the LAN. Fix: pin a free address of ${pool}, or widen the pool.`,
                    );
                }
            }
        }
    },
};

const controlPlaneNeeds = networkNeeds(...LAN_KEYS, "loadBalancerPool");
export const controlPlaneVipPlacement: ResourceValidationPolicy = {
    name: "control-plane-vip-placement",
    description: "kube-vip's control-plane VIP lies inside the LAN, off its reserved addresses and outside the LoadBalancer pool.",
    enforcementLevel: "mandatory",
    configSchema: controlPlaneNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = controlPlaneNeeds.read("control-plane-vip-placement", args.getConfig());
        const layout = lanLayout(net);
        for (const container of kubeVipContainers(args)) {
            if (container.env.cp_enable !== "true" || container.env.address === undefined) {
                continue;
            }
            const owner = `kube-vip DaemonSet ${args.props.metadata?.name ?? args.name}`;
            const vip = parseIpv4(container.env.address);
            if (!vip.ok) {
                reportViolation(`${owner} advertises "${container.env.address}", which ${vip.reason}. Fix: set controlPlaneVip to a free address of ${net.lan.cidr}.`);
                continue;
            }
            for (const problem of lanPlacementProblems({ start: vip.value, end: vip.value }, layout)) {
                reportViolation(`${owner} advertises the API VIP ${container.env.address}, which ${problem}. Fix: choose a free static address of ${net.lan.cidr}.`);
            }
            if (rangeContains(net.loadBalancerPool, vip.value)) {
                reportViolation(
                    `${owner} advertises the API VIP ${container.env.address}, inside the LoadBalancer pool ${formatRange(net.loadBalancerPool)}; ` +
                    "the cloud provider could give it to a Service. Fix: move the VIP out of the pool or shrink the pool.",
                );
            }
        }
    },
};

const poolPlacementNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip");
export const loadBalancerPoolPlacement: ResourceValidationPolicy = {
    name: "loadbalancer-pool-placement",
    description: "The kube-vip pool ConfigMap's ranges lie inside the LAN, outside the DHCP scope, off the gateway, network and broadcast addresses.",
    enforcementLevel: "mandatory",
    configSchema: poolPlacementNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = poolPlacementNeeds.read("loadbalancer-pool-placement", args.getConfig());
        const layout = lanLayout(net);
        for (const pool of kubeVipPools(args)) {
            const parsed = parsePoolValue(pool.value);
            for (const problem of parsed.problems) {
                reportViolation(`${POOL_CONFIG_MAP} key ${pool.key}: ${problem}. Fix: write comma-separated ranges first-last, or CIDR blocks.`);
            }
            for (const range of parsed.ranges) {
                for (const problem of lanPlacementProblems(range, layout)) {
                    reportViolation(`${POOL_CONFIG_MAP} key ${pool.key} = ${formatRange(range)} ${problem}. Fix: use free static addresses of ${net.lan.cidr}.`);
                }
                if (rangeContains(range, net.controlPlaneVip)) {
                    reportViolation(`${POOL_CONFIG_MAP} key ${pool.key} = ${formatRange(range)} includes the API VIP ${formatIpv4(net.controlPlaneVip)}. Fix: exclude it from the pool.`);
                }
            }
        }
    },
};

const podCidrNeeds = networkNeeds("lan", "serviceCidr");
export const podCidrSeparation: ResourceValidationPolicy = {
    name: "pod-cidr-separation",
    description: "Cilium's pod CIDR overlaps neither the LAN nor the Service CIDR.",
    enforcementLevel: "mandatory",
    configSchema: podCidrNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = podCidrNeeds.read("pod-cidr-separation", args.getConfig());
        const values = ciliumValues(args);
        if (values === undefined) {
            return;
        }
        const list: unknown = values.ipam?.operator?.clusterPoolIPv4PodCIDRList;
        const cidrs = Array.isArray(list) ? list.map(String) : typeof list === "string" ? list.split(/[ ,]+/) : [];
        for (const text of cidrs.filter(c => c !== "")) {
            const parsed = parseCidr(text);
            if (!parsed.ok) {
                reportViolation(`Cilium release ${args.props.name ?? args.name} has pod CIDR "${text}", which ${parsed.reason}. Fix: set podCidr to a private network such as 10.42.0.0/16.`);
                continue;
            }
            for (const [what, block] of [["the LAN", net.lan], ["the Service CIDR", net.serviceCidr]] as const) {
                if (rangesOverlap(blockAsRange(parsed.value), blockAsRange(block))) {
                    reportViolation(`Cilium release ${args.props.name ?? args.name} has pod CIDR ${text}, overlapping ${what} ${block.cidr}; packets for one would be routed to the other. Fix: choose a pod CIDR that shares no address with ${block.cidr}.`);
                }
            }
        }
    },
};

export const ciliumDatapathInvariants: ResourceValidationPolicy = {
    name: "cilium-l2-off-wireguard-on",
    description: "Cilium keeps L2 announcements off (kube-vip owns the VIPs) and WireGuard encryption on.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const values = ciliumValues(args);
        if (values === undefined) {
            return;
        }
        const release = `Cilium release ${args.props.name ?? args.name}`;
        if (values.l2announcements?.enabled === true) {
            reportViolation(`${release} enables l2announcements; Cilium and kube-vip would both answer ARP for the VIPs. Fix: set l2announcements.enabled to false.`);
        }
        if (values.encryption?.enabled !== true || values.encryption?.type !== "wireguard") {
            reportViolation(
                `${release} has encryption ${JSON.stringify(values.encryption ?? {})}; pod traffic between nodes would cross the LAN in clear. ` +
                "Fix: set encryption.enabled to true and encryption.type to wireguard.",
            );
        }
    },
};

export const kubeVipImagesPinned: ResourceValidationPolicy = {
    name: "kube-vip-images-pinned",
    description: "kube-vip and its cloud provider run images pinned to a release tag or digest.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        for (const container of kubeVipContainers(args)) {
            const tag = /@sha256:[0-9a-f]{64}$/.test(container.image) ? "digest" : /:([^:/]+)$/.exec(container.image)?.[1];
            if (tag === undefined || tag === "latest" || tag === "main") {
                reportViolation(
                    `${args.props.kind ?? args.type} ${args.props.metadata?.name ?? args.name} runs ${container.image}, which is not pinned; ` +
                    "both kube-vip roles and the cloud provider must move in lockstep. Fix: pin a release tag (kubeVipVersion, kubeVipCloudProviderVersion).",
                );
            }
        }
    },
};

export const uniqueLoadBalancerAddresses: StackValidationPolicy = {
    name: "unique-loadbalancer-addresses",
    description: "No two LoadBalancer Services pin the same address, unless the kube-vip ConfigMap lets their namespaces share.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const sharing = args.resources.map(addressSharing).find(s => s !== undefined) ?? (() => false);
        const owners = new Map<string, LoadBalancerService[]>();
        for (const resource of args.resources) {
            for (const service of loadBalancerServices(resource)) {
                for (const address of service.pinned) {
                    const list = owners.get(address);
                    if (list === undefined) {
                        owners.set(address, [service]);
                    } else {
                        list.push(service);
                    }
                }
            }
        }
        for (const [address, list] of owners) {
            const closed = [...new Set(list.filter(service => !sharing(service.namespace)).map(service => service.namespace))];
            if (list.length > 1 && closed.length > 0) {
                reportViolation(
                    `${address} is pinned by ${list.length} Services: ${list.map(service => service.owner).join("; ")}. kube-vip would announce one address for several Services. ` +
                    `Fix: give each its own address, or let ${closed.join(", ")} share with allow-share-<namespace>: "true" in the ${POOL_CONFIG_MAP} (Services sharing an address need distinct ports).`,
                );
            }
        }
    },
};

const capacityNeeds = networkNeeds("loadBalancerPool");
export const loadBalancerPoolCapacity: StackValidationPolicy = {
    name: "loadbalancer-pool-capacity",
    description: "Pinned addresses plus the LoadBalancer Services that will ask for one fit in the pool.",
    enforcementLevel: "mandatory",
    configSchema: capacityNeeds.schema,
    validateStack: (args, reportViolation) => {
        const net = capacityNeeds.read("loadbalancer-pool-capacity", args.getConfig());
        const pinned = new Set<number>();
        const unpinned: string[] = [];
        for (const resource of args.resources) {
            for (const service of loadBalancerServices(resource)) {
                if (service.pinned.length === 0) {
                    unpinned.push(service.owner);
                }
                for (const address of service.pinned) {
                    const parsed = parseIpv4(address);
                    if (parsed.ok && rangeContains(net.loadBalancerPool, parsed.value)) {
                        pinned.add(parsed.value);
                    }
                }
            }
        }
        const size = rangeSize(net.loadBalancerPool);
        const free = size - pinned.size;
        if (unpinned.length > free) {
            reportViolation(
                `The pool ${formatRange(net.loadBalancerPool)} holds ${size} addresses; ${pinned.size} are pinned and ${unpinned.length} Services will ask for one ` +
                `(${unpinned.join("; ")}), so ${unpinned.length - free} would stay <pending>. Fix: widen loadBalancerPool or pin fewer addresses.`,
            );
        }
    },
};

export const applicationsHaveNetworkPolicies: StackValidationPolicy = {
    name: "applications-have-network-policies",
    description: "Every Argo CD Application's destination namespace has a default-deny CiliumNetworkPolicy.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const defaultDeny = new Set<string>();
        for (const resource of args.resources) {
            if (isNamespaceDefaultDeny(resource)) {
                defaultDeny.add(resource.props.metadata?.namespace ?? "default");
            }
        }
        for (const resource of args.resources) {
            if (resource.type !== TYPES.application) {
                continue;
            }
            const namespace = resource.props.spec?.destination?.namespace;
            if (typeof namespace === "string" && !defaultDeny.has(namespace)) {
                reportViolation(
                    `Argo CD Application ${resource.props.metadata?.name ?? resource.name} deploys into namespace ${namespace}, which has no default-deny CiliumNetworkPolicy; ` +
                    "its pods could talk to anything. Fix: declare the Application in the stack's applications config, which creates its policies.",
                );
            }
        }
    },
};

export const resourcePolicies = [
    loadBalancerAddressInPool,
    controlPlaneVipPlacement,
    loadBalancerPoolPlacement,
    podCidrSeparation,
    ciliumDatapathInvariants,
    kubeVipImagesPinned,
];

export const stackPolicies = [uniqueLoadBalancerAddresses, loadBalancerPoolCapacity, applicationsHaveNetworkPolicies];

/** Free addresses of the pool, for reports. */
export function freeAddresses(pool: Ipv4Range, pinned: Iterable<number>): number[] {
    const taken = new Set(pinned);
    return rangeAddresses(pool).filter(a => !taken.has(a));
}

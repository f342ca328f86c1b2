// The pack's policies as plain objects. Nothing here constructs the PolicyPack
// (that starts a gRPC server): index.ts assembles them, while tests and the
// offline plan import them from here.
//
// Each policy states its rule in its description; each message says what was
// found, where, why it matters on this network and the fix. What the pack
// cannot see at preview time (values in files, charts Helm renders only when it
// installs, components the offline run does not render, unknown values) is
// reported by the advisory policies loadbalancer-addresses-unseen and
// rendered-objects-unseen, naming the resource.

import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { AddressContext, addressRoles, describeAddress, notableAddressesIn } from "./addressRoles";
import {
    Ipv4Range,
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
import { CILIUM_CONFIG_MAP, KUBE_VIP_POOL_CONFIG_MAP, RENDERING_COMPONENTS, TYPES, WORKLOADS_ANNOTATION } from "./definitions";
import { LAN_KEYS, ParsedReservation, lanLayout, networkNeeds } from "./networkConfig";
import {
    DIRECTIONS,
    Direction,
    LoadBalancerService,
    ResourceView,
    addressSharing,
    argoDestinations,
    ciliumConfigs,
    describeResource,
    externalIpClaims,
    holdsControlPlaneVip,
    isolation,
    kubeVipAddresses,
    kubeVipConfigData,
    kubeVipContainers,
    kubeVipInstances,
    kubeVipPools,
    loadBalancerServices,
    secondAllocators,
    unseenShapes,
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

/** "it is the API VIP and in the router's DHCP scope …", or "" for an ordinary address. */
function whatItIs(address: number, context: AddressContext): string {
    const roles = addressRoles(address, context);
    return roles.length === 0 ? "" : `: it is ${roles.join(" and ")}`;
}

/** Why an address outside the pool is dangerous, from what it is. */
function whyItMatters(address: number, context: AddressContext): string {
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

/** Runs a reader over each resource, skipping those whose props hold a value the preview cannot know (the advisory policy names them). */
function readEach<T>(resources: readonly ResourceView[], read: (resource: ResourceView) => T[]): T[] {
    const found: T[] = [];
    for (const resource of resources) {
        try {
            found.push(...read(resource));
        } catch (error) {
            if (!(error instanceof UnknownValueError)) {
                throw error;
            }
        }
    }
    return found;
}

/** The stack's resources the readers look at: a component whose objects are rendered as children is read through them, not twice. */
function readable(resources: readonly PolicyResource[]): PolicyResource[] {
    const parents = new Set(resources.map(r => r.parent?.urn).filter((urn): urn is string => urn !== undefined));
    return resources.filter(r => !(RENDERING_COMPONENTS.includes(r.type) && parents.has(r.urn)));
}

// ---------------------------------------------------------------------------
// Addresses Services claim

const addressInPoolNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool");
export const loadBalancerAddressInPool: ResourceValidationPolicy = {
    name: "loadbalancer-address-in-pool",
    description:
        "A LoadBalancer Service that pins an address pins one inside the kube-vip pool, wherever it is declared: spec.loadBalancerIP or kube-vip's annotation " +
        "on a Service or ServicePatch, a ConfigGroup's objects, or any loadBalancerIP in a Helm release's, helm.v4.Chart's or Argo CD Application's values. " +
        "kube-vip's cloud provider does not check pinned addresses, so one outside the pool could be the API VIP, the gateway, the LAN's network or broadcast address, or a host's.",
    enforcementLevel: "mandatory",
    configSchema: addressInPoolNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = addressInPoolNeeds.read("loadbalancer-address-in-pool", args.getConfig());
        const context: AddressContext = { ...net };
        const pool = formatRange(net.loadBalancerPool);
        for (const service of loadBalancerServices(args)) {
            for (const address of service.pinned) {
                const parsed = parseIpv4(address);
                if (!parsed.ok) {
                    reportViolation(`${service.owner} pins "${address}", which ${parsed.reason}. Fix: pin an address of the pool ${pool}.`);
                } else if (!rangeContains(net.loadBalancerPool, parsed.value)) {
                    reportViolation(
                        `${service.owner} pins ${address}, outside the LoadBalancer pool ${pool}${whatItIs(parsed.value, context)}; ${whyItMatters(parsed.value, context)}. ` +
                        `Fix: pin a free address of ${pool}, or widen the pool.`,
                    );
                }
            }
        }
    },
};

const externalIpsNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool", "reservations");
export const noServiceExternalIps: ResourceValidationPolicy = {
    name: "no-service-external-ips",
    description:
        "No Service lists spec.externalIPs, directly, in a ServicePatch, a ConfigGroup or any chart's values: Cilium's kube-proxy replacement sends traffic for a " +
        "Service's external IPs (on its ports) to the Service, from pods and from the nodes themselves, and no pool or controller checks who else holds the address, " +
        "so the gateway's, the API VIP's, a Traefik VIP's or a host's address is silently taken over (CVE-2020-8554).",
    enforcementLevel: "mandatory",
    configSchema: externalIpsNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = externalIpsNeeds.read("no-service-external-ips", args.getConfig());
        const context: AddressContext = { ...net };
        const pool = formatRange(net.loadBalancerPool);
        for (const claim of externalIpClaims(args)) {
            for (const address of claim.addresses) {
                const parsed = parseIpv4(address);
                const what = parsed.ok ? describeAddress(parsed.value, context) : `"${address}"`;
                const gateway = parsed.ok && parsed.value === net.lanGateway ? ", so the nodes' own traffic to the router on those ports would be captured" : "";
                reportViolation(
                    `${claim.owner} lists spec.externalIPs ${what}: Cilium's kube-proxy replacement sends traffic for that address (on the Service's ports), from pods and ` +
                    `from the nodes themselves, to the Service, and no pool or controller checks who else holds it${gateway}. ` +
                    `Fix: drop externalIPs and use a LoadBalancer Service with an address of the pool ${pool}.`,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------
// kube-vip

const controlPlaneNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool", "reservations");
export const controlPlaneVipPlacement: ResourceValidationPolicy = {
    name: "control-plane-vip-placement",
    description:
        "kube-vip's control-plane VIP (vip_address or address where cp_enable is true as Go's ParseBool reads it, in any container that runs kube-vip, whatever its image, " +
        "or in the kube-vip chart's values) is the stack's API VIP: inside the LAN, off its network, broadcast and gateway addresses, outside the LoadBalancer pool, and nobody else's.",
    enforcementLevel: "mandatory",
    configSchema: controlPlaneNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = controlPlaneNeeds.read("control-plane-vip-placement", args.getConfig());
        const layout = lanLayout(net);
        const stackVip = formatIpv4(net.controlPlaneVip);
        for (const instance of kubeVipInstances(args)) {
            if (!holdsControlPlaneVip(instance)) {
                continue;
            }
            const owner = `kube-vip ${instance.owner}`;
            for (const { variable, value } of kubeVipAddresses(instance)) {
                const vip = parseIpv4(value);
                if (!vip.ok) {
                    reportViolation(`${owner} advertises ${variable}="${value}", which ${vip.reason}. Fix: set it to the stack's API VIP ${stackVip}.`);
                    continue;
                }
                for (const problem of lanPlacementProblems({ start: vip.value, end: vip.value }, layout)) {
                    reportViolation(`${owner} advertises the API VIP ${value} (${variable}), which ${problem}. Fix: choose a free static address of ${net.lan.cidr}.`);
                }
                if (rangeContains(net.loadBalancerPool, vip.value)) {
                    reportViolation(
                        `${owner} advertises the API VIP ${value}, inside the LoadBalancer pool ${formatRange(net.loadBalancerPool)}${whatItIs(vip.value, { reservations: net.reservations })}; ` +
                        "the cloud provider could give it to a Service, and kube-vip would announce it twice. Fix: move the VIP out of the pool or shrink the pool.",
                    );
                }
                if (vip.value !== net.controlPlaneVip) {
                    reportViolation(
                        `${owner} advertises ${value} (${variable}) as the API VIP, but the stack's API VIP is ${stackVip}: the K3s servers' certificate (--tls-san) and ` +
                        `Cilium's k8sServiceHost name ${stackVip}, so clients of ${value} fail TLS and the nodes lose the API when ${stackVip} is not announced. ` +
                        `Fix: set ${variable} to ${stackVip}, or change controlPlaneVip in the stack config.`,
                    );
                }
            }
        }
    },
};

export const kubeVipImagesPinned: ResourceValidationPolicy = {
    name: "kube-vip-images-pinned",
    description: "kube-vip and its cloud provider (under any registry or organisation, plndr/ included) run images pinned to a release tag or digest.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        for (const container of kubeVipContainers(args)) {
            const tag = /@sha256:[0-9a-f]{64}$/.test(container.image) ? "digest" : /:([^:/]+)$/.exec(container.image)?.[1];
            if (tag === undefined || tag === "latest" || tag === "main") {
                reportViolation(
                    `${container.owner} runs ${container.image}, which is not pinned; ` +
                    "both kube-vip roles and the cloud provider must move in lockstep. Fix: pin a release tag (kubeVipVersion, kubeVipCloudProviderVersion).",
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------
// Pools and allocators

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
                const parsed = block.includes("/") ? parseCidr(block) : parseRange(block);
                if (!parsed.ok) {
                    continue;
                }
                const range = "cidr" in parsed.value ? blockAsRange(parsed.value) : parsed.value;
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

// ---------------------------------------------------------------------------
// Cilium

const podCidrNeeds = networkNeeds("lan", "serviceCidr");
export const podCidrSeparation: ResourceValidationPolicy = {
    name: "pod-cidr-separation",
    description:
        "Cilium's pod CIDR overlaps neither the LAN nor the Service CIDR, whether set in the cilium chart's values (any spelling of the chart, the chart's default " +
        "10.0.0.0/8 when unset) or in the cilium-config ConfigMap (cluster-pool-ipv4-cidr) through a patch.",
    enforcementLevel: "mandatory",
    configSchema: podCidrNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = podCidrNeeds.read("pod-cidr-separation", args.getConfig());
        for (const config of ciliumConfigs(args)) {
            for (const text of config.podCidrs?.value ?? []) {
                const parsed = parseCidr(text);
                if (!parsed.ok) {
                    reportViolation(`${config.owner} has pod CIDR "${text}" (${config.podCidrs!.where}), which ${parsed.reason}. Fix: set podCidr to a private network such as 10.42.0.0/16.`);
                    continue;
                }
                for (const [what, block] of [["the LAN", net.lan], ["the Service CIDR", net.serviceCidr]] as const) {
                    if (rangesOverlap(blockAsRange(parsed.value), blockAsRange(block))) {
                        reportViolation(
                            `${config.owner} has pod CIDR ${text}, overlapping ${what} ${block.cidr} (${config.podCidrs!.where}); packets for one would be routed to the other. ` +
                            `Fix: choose a pod CIDR that shares no address with ${block.cidr}${config.fromChart ? " (ipam.operator.clusterPoolIPv4PodCIDRList)" : `, or drop ${CILIUM_CONFIG_MAP.keys.podCidrs} from the patch`}.`,
                        );
                    }
                }
            }
        }
    },
};

export const ciliumDatapathInvariants: ResourceValidationPolicy = {
    name: "cilium-l2-off-wireguard-on",
    description:
        "Cilium keeps L2 announcements off (kube-vip owns the VIPs) and WireGuard encryption on, as the chart renders its values (any spelling of the chart; " +
        "Go template truth, so \"false\" as a string is true) and as the cilium-config ConfigMap or a patch of it sets enable-l2-announcements and enable-wireguard.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const keys = CILIUM_CONFIG_MAP.keys;
        for (const config of ciliumConfigs(args)) {
            if (config.l2Announcements?.value === true) {
                reportViolation(
                    `${config.owner} enables l2announcements (${config.l2Announcements.where}); Cilium and kube-vip would both answer ARP for the VIPs. ` +
                    `Fix: ${config.fromChart ? "set l2announcements.enabled to false" : `remove ${keys.l2Announcements} from the patch or set it to "false"`}.`,
                );
            }
            if (config.wireguard?.value === false) {
                reportViolation(
                    `${config.owner} leaves WireGuard encryption off (${config.wireguard.where}); pod traffic between nodes would cross the LAN in clear. ` +
                    `Fix: ${config.fromChart ? "set encryption.enabled to true and encryption.type to wireguard" : `remove ${keys.wireguard} from the patch or set it to "true"`}.`,
                );
            }
        }
    },
};

export const ciliumKubeProxyReplacement: ResourceValidationPolicy = {
    name: "cilium-kube-proxy-replacement",
    description:
        "Cilium replaces kube-proxy (kubeProxyReplacement true in the chart's values, whose default is \"false\"; kube-proxy-replacement \"true\" in cilium-config): " +
        "the K3s servers run with --disable-kube-proxy, so without it nothing implements Services.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const config of ciliumConfigs(args)) {
            if (config.kubeProxyReplacement?.value === false) {
                reportViolation(
                    `${config.owner} turns Cilium's kube-proxy replacement off (${config.kubeProxyReplacement.where}); the K3s servers run with --disable-kube-proxy, ` +
                    "so nothing would implement Services: ClusterIPs (CoreDNS, the kubernetes Service), NodePorts and the LoadBalancer VIPs stop answering. " +
                    `Fix: ${config.fromChart ? "set kubeProxyReplacement to true (with k8sServiceHost and k8sServicePort)" : `remove ${CILIUM_CONFIG_MAP.keys.kubeProxyReplacement} from the patch or set it to "true"`}.`,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------
// Argo CD

export const argoCdApplicationDestination: ResourceValidationPolicy = {
    name: "argocd-application-destination",
    description:
        "Every Argo CD Application and ApplicationSet names a literal destination namespace of its own: not missing, not generated per Application, not Argo CD's " +
        "own namespace and not a kube-* namespace, so that the namespace's default deny can be checked and the app's pods do not fall under the platform's policies.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const fix = "declare the Application in the stack's applications config, which creates its namespace and its default-deny policies";
        for (const destination of argoDestinations(args)) {
            const namespace = destination.namespace;
            if (namespace === undefined) {
                reportViolation(
                    `${destination.owner} names no destination namespace: its objects land in whatever namespace their manifests name, or default, ` +
                    `none of which the stack has put into default deny. Fix: set spec.destination.namespace to a namespace of its own; ${fix}.`,
                );
            } else if (destination.templated) {
                reportViolation(
                    `${destination.owner} generates its destination namespace (${namespace}) per Application: those namespaces exist only once Argo CD generates them, ` +
                    `so no default deny of the stack covers them and this pack cannot check one. Fix: ${fix}, one per app.`,
                );
            } else if (destination.argoCdNamespace !== undefined && namespace === destination.argoCdNamespace) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, the namespace Argo CD itself runs in: its pods would fall under Argo CD's policies ` +
                    "(the repo server's egress to the internet among them) and sit next to Argo CD's secrets. Fix: give it a namespace of its own; " + `${fix}.`,
                );
            } else if (namespace.startsWith("kube-")) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, a namespace of Kubernetes itself (CoreDNS, Cilium, kube-vip run there): its pods would share ` +
                    `their policies. Fix: give it a namespace of its own; ${fix}.`,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------
// What the pack cannot see

export const loadBalancerAddressesUnseen: ResourceValidationPolicy = {
    name: "loadbalancer-addresses-unseen",
    description:
        "Says which resources declare addresses or network settings the pack cannot see at preview time: Helm values in files (valueYamlFiles, an Application's " +
        "valueFiles), a chart Helm renders only when it installs, manifests in files, kube-vip variables set through valueFrom, values unknown until apply.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        let name = args.name;
        try {
            name = describeResource(args);
            for (const reason of unseenShapes(args)) {
                reportViolation(`${name} ${reason}.`);
            }
            // Read everything the mandatory policies read: an unknown value surfaces here, named.
            for (const read of [loadBalancerServices, externalIpClaims, kubeVipInstances, kubeVipPools, ciliumConfigs, argoDestinations, secondAllocators, isolation]) {
                JSON.stringify(read(args));
            }
        } catch (error) {
            if (!(error instanceof UnknownValueError)) {
                throw error;
            }
            reportViolation(
                `${name} has a value the preview cannot know (${(error as Error).message}): the addresses and network settings that depend on it are checked only once it is known. ` +
                "Fix: write the address or setting as a literal, not as another resource's output.",
            );
        }
    },
};

export const renderedObjectsUnseen: StackValidationPolicy = {
    name: "rendered-objects-unseen",
    description:
        "Says which components (helm.v4.Chart, yaml.v2.ConfigGroup and ConfigFile, kustomize.v2.Directory, helm.v3.Chart) have none of their rendered objects " +
        "in this run, so that the Services, ConfigMaps and policies inside them were checked only as far as their inputs show.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const parents = new Set(args.resources.map(r => r.parent?.urn).filter((urn): urn is string => urn !== undefined));
        for (const resource of args.resources.filter(r => RENDERING_COMPONENTS.includes(r.type) && !parents.has(r.urn))) {
            const read = resource.type === TYPES.chartV4 ? "its values" : resource.type === TYPES.configGroupV2 ? "its objs and yaml" : "nothing of its manifests";
            reportViolation(
                `${readEach([resource], r => [describeResource(r)])[0] ?? resource.name}: its objects are rendered into resources of their own, and none is in this run ` +
                `(the offline plan's mocks render no component), so the pack checked ${read} only. Fix: run pulumi preview with the policy pack, which checks each rendered object.`,
                resource.urn,
            );
        }
    },
};

// ---------------------------------------------------------------------------
// Stack policies

const uniqueNeeds = networkNeeds("reservations");
export const uniqueLoadBalancerAddresses: StackValidationPolicy = {
    name: "unique-loadbalancer-addresses",
    description:
        "No two LoadBalancer Services pin the same address (a Service and a patch of it count once), and none pins an address reserved for another owner " +
        "(a Traefik VIP, an address an Application owns) whose owner is not in the stack, unless the kubevip ConfigMap, with its patches, lets their namespaces share.",
    enforcementLevel: "mandatory",
    configSchema: uniqueNeeds.schema,
    validateStack: (args, reportViolation) => {
        const { reservations } = uniqueNeeds.read("unique-loadbalancer-addresses", args.getConfig());
        const resources = readable(args.resources);
        const configs = readEach(resources, kubeVipConfigData);
        const data = Object.assign({}, ...configs.filter(c => !c.patch).map(c => c.data), ...configs.filter(c => c.patch).map(c => c.data));
        const sharing = addressSharing(data);
        const services = readEach(resources, loadBalancerServices);
        const owners = new Map<string, LoadBalancerService[]>();
        for (const service of services) {
            for (const address of service.pinned) {
                const list = owners.get(address) ?? [];
                // A patch of a Service pins the same Service's address.
                if (service.service === undefined || !list.some(s => s.service === service.service)) {
                    list.push(service);
                }
                owners.set(address, list);
            }
        }
        const holds = (reservation: ParsedReservation, service: LoadBalancerService) =>
            service.identities.some(identity => reservation.owner === identity || reservation.owner.endsWith(` ${identity}`));
        // A reservation whose owner pins nothing here stands in for it.
        const absentOwners = reservations.filter(reservation => !services.some(service => holds(reservation, service)));
        for (const [address, list] of owners) {
            const parsed = parseIpv4(address);
            const reservedFor = parsed.ok ? absentOwners.filter(r => r.address === parsed.value) : [];
            const claims = list.length + reservedFor.length;
            const closed = [...new Set(list.filter(service => !sharing(service.namespace)).map(service => service.namespace))];
            if (claims > 1 && (closed.length > 0 || reservedFor.length > 0)) {
                const what = parsed.ok ? describeAddress(parsed.value, { reservations }) : address;
                const reserved = reservedFor.length === 0 ? "" : ` and reserved for ${reservedFor.map(r => r.owner).join(", ")} (not in this stack)`;
                const holders = parsed.ok ? reservations.filter(r => r.address === parsed.value) : [];
                const others = list.filter(service => !holders.some(r => holds(r, service))).map(service => service.owner);
                const share = holders.length > 0
                    ? `Fix: ${address} belongs to ${holders.map(r => r.owner).join(", ")}; pin another free address of the pool for ${others.join("; ")}.`
                    : `Fix: give each its own address, or let ${closed.join(", ")} share with allow-share-<namespace>: "true" in the ${POOL_CONFIG_MAP} (Services sharing an address need distinct ports).`;
                reportViolation(
                    `${what} is pinned by ${list.length} Service${list.length === 1 ? "" : "s"}${reserved}: ${list.map(service => service.owner).join("; ")}. ` +
                    `kube-vip would announce one address for several Services, and only one of them would answer. ${share}`,
                );
            }
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

function directionList(directions: readonly Direction[]): string {
    return directions.join(" and ");
}

export const applicationsHaveNetworkPolicies: StackValidationPolicy = {
    name: "applications-have-network-policies",
    description:
        "Every Argo CD Application's (and ApplicationSet's) destination namespace is in default deny both ways: a CiliumNetworkPolicy of the namespace, a " +
        "CiliumClusterwideNetworkPolicy or a NetworkPolicy selects every pod of it and turns default deny on for ingress and for egress (non-empty rules, " +
        "enableDefaultDeny not false) without admitting world, all or 0.0.0.0/0 itself.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = readable(args.resources);
        const policies = readEach(resources, isolation);
        for (const destination of readEach(resources, argoDestinations)) {
            const namespace = destination.namespace;
            if (namespace === undefined || destination.templated) {
                continue;
            }
            const covering = policies.filter(p => p.covers(namespace) === true);
            const open = DIRECTIONS.filter(direction => !covering.some(p => p.denies[direction] === true));
            if (open.length === 0) {
                continue;
            }
            // The policies that might have been meant as its default deny: those of the namespace, and the clusterwide ones.
            const near = policies
                .filter(p => p.namespace === namespace || p.namespace === undefined)
                .map(p => {
                    const covers = p.covers(namespace);
                    const reasons = covers !== true ? [covers] : open.map(d => p.denies[d]).filter((r): r is string => r !== true);
                    return reasons.length === 0 ? undefined : `${p.owner}: ${[...new Set(reasons)].join("; ")}`;
                })
                .filter((text): text is string => text !== undefined);
            reportViolation(
                `${destination.owner} deploys into namespace ${namespace}, which has no default deny for ${directionList(open)}; its pods could talk to anything` +
                `${near.length === 0 ? "" : `. Policies that do not count: ${near.join(". ")}`}. ` +
                "Fix: declare the Application in the stack's applications config, which creates its policies, or add a policy that selects every pod of the " +
                "namespace with ingress: [{}] and egress: [{}].",
            );
        }
        // Every workload the stack declares for an Application has a policy of its own.
        const selectors = resources
            .filter(r => r.type === TYPES.ciliumNetworkPolicy)
            .map(r => ({ namespace: r.props?.metadata?.namespace ?? "default", labels: r.props?.spec?.endpointSelector?.matchLabels ?? {}, expressions: r.props?.spec?.endpointSelector?.matchExpressions ?? [] }))
            .filter(p => Object.keys(p.labels).length > 0 && p.expressions.length === 0);
        for (const resource of resources.filter(r => r.type === TYPES.application)) {
            const declared = declaredWorkloads(resource.props?.metadata?.annotations?.[WORKLOADS_ANNOTATION]);
            const namespace = resource.props?.spec?.destination?.namespace;
            for (const workload of declared.filter(w => Object.keys(w.selector).length > 0)) {
                const selected = selectors.some(p => p.namespace === namespace && Object.entries(p.labels).every(([key, value]) => workload.selector[key] === value));
                if (!selected) {
                    reportViolation(
                        `Argo CD Application ${resource.props?.metadata?.name ?? resource.name} declares the workload ${workload.name} (pods ${JSON.stringify(workload.selector)}) in namespace ${namespace}, ` +
                        "but no CiliumNetworkPolicy selects those pods: the connections declared for it are not allowed anywhere. " +
                        "Fix: keep the policies the stack generates for the workload (app-<application>.<workload>), or correct its selector.",
                    );
                }
            }
        }
    },
};

/** The workloads an Application's annotation lists; none when absent or unreadable. */
function declaredWorkloads(annotation: unknown): Array<{ name: string; selector: Record<string, string> }> {
    if (typeof annotation !== "string") {
        return [];
    }
    try {
        const list = JSON.parse(annotation);
        return Array.isArray(list) ? list.filter(w => typeof w?.name === "string" && typeof w?.selector === "object" && w.selector !== null) : [];
    } catch {
        return [];
    }
}

// ---------------------------------------------------------------------------
// Workloads of the declared Applications

/** One port range of a policy rule, `{port, endPort, protocol}` as Cilium reads it; undefined port: every port. */
interface RulePort {
    readonly port?: number;
    readonly endPort?: number;
    readonly protocol: string;
}

function rulePorts(rule: Record<string, any>): RulePort[] {
    const entries: any[] = (rule.toPorts ?? []).flatMap((p: any) => p?.ports ?? []);
    if (entries.length === 0) {
        return [{ protocol: "ANY" }];
    }
    return entries.map(e => ({ port: Number(e.port), ...(e.endPort === undefined ? {} : { endPort: Number(e.endPort) }), protocol: String(e.protocol ?? "ANY").toUpperCase() }));
}

function parsePortText(text: string): RulePort {
    const [range, protocol] = text.split("/");
    const [port, endPort] = range.split("-").map(Number);
    return { port, ...(endPort === undefined ? {} : { endPort }), protocol };
}

/** Whether `inner` lies within `outer` (ports, range and protocol). */
function portWithin(inner: RulePort, outer: RulePort): boolean {
    if (inner.port === undefined || outer.port === undefined) {
        return outer.port === undefined && outer.protocol === "ANY";
    }
    const protocolOk = outer.protocol === "ANY" || outer.protocol === inner.protocol;
    return protocolOk && inner.port >= outer.port && (inner.endPort ?? inner.port) <= (outer.endPort ?? outer.port);
}

function portLabel(port: RulePort): string {
    return port.port === undefined ? "every port" : `${port.port}${port.endPort === undefined ? "" : `-${port.endPort}`}/${port.protocol}`;
}

/** Whether a rule admits the LAN and the internet: Cilium's world (or all) entity, or 0.0.0.0/0. */
function admitsWorld(rule: Record<string, any>): boolean {
    const entities: unknown[] = rule.fromEntities ?? [];
    const cidrs: unknown[] = [...(rule.fromCIDR ?? []), ...(rule.fromCIDRSet ?? []).map((c: any) => c?.cidr)];
    return entities.some(e => e === "world" || e === "all") || cidrs.some(c => c === "0.0.0.0/0");
}

const worldIngressNeeds = networkNeeds("reservations");
export const worldIngressOnOwnedPorts: StackValidationPolicy = {
    name: "world-ingress-on-owned-ports",
    description:
        "A CiliumNetworkPolicy lets the LAN in (world, all or 0.0.0.0/0) only on ports that an address owned in its namespace serves: Traefik's entrypoints, or " +
        "an Application's own LoadBalancer address with the ports it declares. Anything wider opens pods to the whole LAN (and, through the router, the internet) " +
        "on ports no Service publishes.",
    enforcementLevel: "mandatory",
    configSchema: worldIngressNeeds.schema,
    validateStack: (args, reportViolation) => {
        const { reservations } = worldIngressNeeds.read("world-ingress-on-owned-ports", args.getConfig());
        for (const resource of readable(args.resources)) {
            if (resource.type !== TYPES.ciliumNetworkPolicy || resource.props?.spec === undefined) {
                continue;
            }
            const namespace: string = resource.props.metadata?.namespace ?? "default";
            const owned = reservations.filter(r => r.namespace === namespace && r.ports !== undefined);
            const served = owned.flatMap(r => (r.ports ?? []).map(parsePortText));
            const name = `CiliumNetworkPolicy ${namespace}/${resource.props.metadata?.name ?? resource.name}`;
            (resource.props.spec.ingress ?? []).forEach((rule: Record<string, any>, index: number) => {
                if (typeof rule !== "object" || rule === null || !admitsWorld(rule)) {
                    return;
                }
                const unserved = rulePorts(rule).filter(port => !served.some(s => portWithin(port, s)));
                if (unserved.length === 0) {
                    return;
                }
                const addresses = owned.map(r => `${formatIpv4(r.address)} (${r.owner}: ${(r.ports ?? []).join(", ")})`);
                reportViolation(
                    `${name} lets the LAN in (ingress rule ${index}) on ${unserved.map(portLabel).join(", ")}, which ${addresses.length === 0 ? `no address owned in namespace ${namespace} serves` : `none of the addresses owned in namespace ${namespace} serves: ${addresses.join("; ")}`}. ` +
                    "Fix: give the workload a loadBalancerAddresses entry with exactly these ports in the stack's applications config, or narrow the rule to the ports its Service publishes.",
                );
            });
        }
    },
};

export const resourcePolicies = [
    loadBalancerAddressInPool,
    noServiceExternalIps,
    controlPlaneVipPlacement,
    loadBalancerPoolPlacement,
    singleLoadBalancerAllocator,
    podCidrSeparation,
    ciliumDatapathInvariants,
    ciliumKubeProxyReplacement,
    kubeVipImagesPinned,
    argoCdApplicationDestination,
    loadBalancerAddressesUnseen,
];

export const stackPolicies = [uniqueLoadBalancerAddresses, loadBalancerPoolCapacity, applicationsHaveNetworkPolicies, worldIngressOnOwnedPorts, renderedObjectsUnseen];

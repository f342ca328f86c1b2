// Who can reach what, judged by what policies allow: every rule below reads
// policies through the one model (policyModel.ts), so a CiliumNetworkPolicy's
// `specs`, a CiliumClusterwideNetworkPolicy, a Kubernetes NetworkPolicy and
// the objects of a ConfigGroup are held to the same promises, and a CIDR
// that covers the LAN counts as `world`. Also here: pods that no policy
// governs (the host network) and Services another controller announces.

import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { blockAsRange, formatIpv4 } from "./addressing";
import { argoDestinations } from "./argoCd";
import { CHARTS, HOST_NETWORK_NAMESPACES, KINDS, KUBE_VIP_LOADBALANCER_CLASS, TYPES, typeToken } from "./definitions";
import { networkNeeds } from "./networkConfig";
import {
    CidrGroups,
    Peer,
    PolicyModel,
    PortRange,
    cidrGroupsOf,
    describePeer,
    describePorts,
    isEveryPortOf,
    peerLanReach,
    portWithin,
    readPolicies,
} from "./policyModel";
import { formatPort } from "./ports";
import { readsSpecOnly, traefikServices } from "./traefikService";
import { ResourceView, declaredByProgram, helmSources, isObject, metaName, metaNamespace, objectsOf, readEach, readable, via } from "./readers";

function cidrGroupsIn(resources: readonly ResourceView[]): CidrGroups {
    return new Map(resources.flatMap(r => objectsOf(r).flatMap(view => cidrGroupsOf(view.props ?? {}))));
}

interface ReadModel {
    readonly model: PolicyModel;
    readonly resource: PolicyResource;
}

function modelsOf(resources: readonly PolicyResource[]): ReadModel[] {
    return resources.flatMap(resource => readEach([resource], r => readPolicies(r)).map(model => ({ model, resource })));
}

const REACH_TEXT = { all: "the whole LAN", some: "part of the LAN", unknown: "a CIDR group the stack does not declare, so possibly the LAN", none: "" } as const;

// ---------------------------------------------------------------------------
// The LAN in, only on owned ports

const worldIngressNeeds = networkNeeds("lan", "reservations");
export const worldIngressOnOwnedPorts: StackValidationPolicy = {
    name: "world-ingress-on-owned-ports",
    description:
        "No network policy of any kind (CiliumNetworkPolicy spec or specs, CiliumClusterwideNetworkPolicy, NetworkPolicy, also inside a ConfigGroup) lets the LAN in " +
        "(the entities world or all, reserved:world, a CIDR or CIDR group that reaches the LAN after masks and exceptions) except on ports that an address owned in the " +
        "policy's namespace serves: Traefik's entrypoints, or an Application's own LoadBalancer address with the ports it declares. 1-65535 is every port.",
    enforcementLevel: "mandatory",
    configSchema: worldIngressNeeds.schema,
    validateStack: (args, reportViolation) => {
        const { lan, reservations } = worldIngressNeeds.read("world-ingress-on-owned-ports", args.getConfig());
        const resources = readable(args.resources);
        const groups = cidrGroupsIn(resources);
        const lanRange = blockAsRange(lan);
        for (const { model } of modelsOf(resources)) {
            if (model.subject.kind !== "pods") {
                continue;
            }
            const namespace = model.subject.namespace;
            const owned = reservations.filter(r => namespace !== undefined && r.namespace === namespace && r.ports !== undefined);
            const served: PortRange[] = owned.flatMap(r => (r.ports ?? []).map(p => ({ protocol: p.protocol, from: p.port, to: p.endPort ?? p.port })));
            for (const rule of model.rules.filter(r => r.direction === "ingress" && !r.deny)) {
                const lanPeers = rule.peers.filter(p => peerLanReach(p, lanRange, groups) !== "none");
                const unserved = rule.ports.filter(port => !served.some(s => portWithin(port, s)));
                if (lanPeers.length === 0 || unserved.length === 0) {
                    continue;
                }
                const peers = lanPeers.map(p => `${describePeer(p)} (${REACH_TEXT[peerLanReach(p, lanRange, groups)]})`).join(", ");
                const where = namespace === undefined ? "pods of every namespace" : `pods of namespace ${namespace}`;
                const addresses = owned.map(r => `${formatIpv4(r.address)} (${r.owner}: ${(r.ports ?? []).map(formatPort).join(", ")})`);
                reportViolation(
                    `${model.owner} lets the LAN in (${rule.where}: ${peers}) to ${where} on ${describePorts(unserved)}, which ` +
                    `${addresses.length === 0 ? `no address owned${namespace === undefined ? "" : ` in namespace ${namespace}`} serves` : `none of the addresses owned in namespace ${namespace} serves: ${addresses.join("; ")}`}. ` +
                    "Fix: give the workload a loadBalancerAddresses entry with exactly these ports in the stack's applications config, or narrow the rule to the ports its Service publishes.",
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------
// Egress to the world names its ports

/** Whether a peer stands for the internet at large: world or all, or CIDRs that together cover half of IPv4 or more. */
function worldWide(peers: readonly Peer[]): Peer[] {
    const entities = peers.filter(p => p.kind === "entity" && ["world", "world-ipv4", "world-ipv6", "all"].includes(p.entity));
    const cidrs = peers.filter((p): p is Extract<Peer, { kind: "cidr" }> => p.kind === "cidr");
    const size = cidrs.reduce((sum, p) => sum + (p.range.end - p.range.start + 1), 0);
    const v6 = peers.filter(p => p.kind === "cidr6" && p.prefix === 0);
    return [...entities, ...(size >= 2 ** 31 ? cidrs : []), ...v6];
}

export const egressToWorldNeedsPorts: StackValidationPolicy = {
    name: "egress-to-world-needs-ports",
    description:
        "No network policy lets pods out to the world (the entities world or all, or CIDRs that cover half of IPv4 or more, 0.0.0.0/0 with any host bits and its halves " +
        "included) on every port: egress to the internet names its ports (443, 53, ...), so a compromised pod cannot reach any service anywhere.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const { model } of modelsOf(readable(args.resources))) {
            for (const rule of model.rules.filter(r => r.direction === "egress" && !r.deny)) {
                const wide = worldWide(rule.peers);
                // ICMP has no ports to name: a rule of ICMP types is as narrow as it gets.
                const every = rule.ports.filter(p => isEveryPortOf(p) && p.protocol !== "ICMP");
                if (wide.length > 0 && every.length > 0) {
                    reportViolation(
                        `${model.owner} lets pods out to the world (${rule.where}: ${wide.map(describePeer).join(", ")}) on ${describePorts(every)}. ` +
                        "Fix: list the ports the workload needs (toPorts), e.g. 443/TCP; in the stack's applications config, give the connection its ports.",
                    );
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------
// Hand-written policies in the namespaces of the stack's Applications

export const applicationNamespacePoliciesNarrow: StackValidationPolicy = {
    name: "application-namespace-policies-narrow",
    description:
        "In a namespace of an Application the stack declares, a network policy the stack does not generate may narrow (deny rules, rules that admit nobody) but not " +
        "widen: Cilium adds up every allow rule, so a hand-written one (a CiliumNetworkPolicy, a NetworkPolicy, a clusterwide policy that selects the namespace) opens " +
        "what the Application's declared connections keep closed.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = readable(args.resources);
        const namespaces = new Map<string, string>();
        for (const resource of resources.filter(declaredByProgram)) {
            for (const destination of readEach([resource], argoDestinations)) {
                if (destination.namespace !== undefined && !destination.templated) {
                    namespaces.set(destination.namespace, destination.owner);
                }
            }
        }
        for (const { model, resource } of modelsOf(resources)) {
            if (declaredByProgram(resource) || model.subject.kind !== "pods") {
                continue;
            }
            const subject = model.subject.namespace;
            const touched = subject === undefined ? [...namespaces.keys()] : namespaces.has(subject) ? [subject] : [];
            const widening = model.rules.filter(r => !r.deny && r.peers.length > 0);
            if (touched.length === 0 || widening.length === 0) {
                continue;
            }
            const rules = widening.map(r => `${r.where} (${r.direction} ${r.peers.map(describePeer).join(", ")} on ${describePorts(r.ports)})`);
            reportViolation(
                `${model.owner} widens namespace${touched.length === 1 ? "" : "s"} ${touched.join(", ")} of ${[...new Set(touched.map(n => namespaces.get(n)))].join(", ")}: ` +
                `${rules.join("; ")}. Policies the stack does not generate may only narrow there. ` +
                "Fix: declare the connection in the stack's applications config (its policies follow), or turn the rule into a deny rule (ingressDeny, egressDeny).",
            );
        }
    },
};

// ---------------------------------------------------------------------------
// The host network, only for the platform

const POD_SPEC_PATHS: Array<[string, (spec: any) => any]> = [
    [typeToken(KINDS.pod), spec => spec],
    [TYPES.podPatch, spec => spec],
    ...[KINDS.deployment, KINDS.daemonSet, { apiVersion: "apps/v1", kind: "StatefulSet" }, { apiVersion: "apps/v1", kind: "ReplicaSet" }, { apiVersion: "batch/v1", kind: "Job" }]
        .map((kind): [string, (spec: any) => any] => [typeToken(kind), spec => spec?.template?.spec]),
    [TYPES.deploymentPatch, spec => spec?.template?.spec],
    [TYPES.daemonSetPatch, spec => spec?.template?.spec],
    [typeToken({ apiVersion: "batch/v1", kind: "CronJob" }), spec => spec?.jobTemplate?.spec?.template?.spec],
];

/** Every `hostNetwork: true` in Helm values, with its path. */
function hostNetworkValues(node: unknown, path: string): string[] {
    if (Array.isArray(node)) {
        return node.flatMap((item, i) => hostNetworkValues(item, `${path}[${i}]`));
    }
    if (!isObject(node)) {
        return [];
    }
    return Object.entries(node).flatMap(([key, value]) => {
        const here = path === "" ? key : `${path}.${key}`;
        return key === "hostNetwork" && value === true ? [here] : hostNetworkValues(value, here);
    });
}

export const hostNetworkOnlyForPlatform: ResourceValidationPolicy = {
    name: "host-network-only-for-platform",
    description:
        `No pod outside the platform's namespaces (${HOST_NETWORK_NAMESPACES.join(", ")}: Cilium and kube-vip) runs on the host network, declared in a workload, ` +
        "a ConfigGroup or as hostNetwork: true in a chart's or an Application's Helm values: no network policy governs such a pod, and it may listen on any port of the node's LAN address.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const fix = `Fix: remove hostNetwork; only the platform (${HOST_NETWORK_NAMESPACES.join(", ")}) runs there. Publish the workload through a LoadBalancer address of the pool instead.`;
        for (const view of objectsOf(args)) {
            const podSpec = POD_SPEC_PATHS.find(([type]) => type === view.type)?.[1](view.props?.spec);
            const namespace = metaNamespace(view);
            if (podSpec?.hostNetwork === true && !HOST_NETWORK_NAMESPACES.includes(namespace)) {
                reportViolation(`${view.type.split(":").pop()} ${namespace}/${metaName(view)}${via(view)} runs on the host network: no network policy governs its pods, and they may listen on any port of the node's LAN address. ${fix}`);
            }
        }
        for (const source of helmSources(args)) {
            if (source.chart === CHARTS.cilium || source.chart === CHARTS.kubeVip || HOST_NETWORK_NAMESPACES.includes(source.namespace)) {
                continue;
            }
            for (const path of hostNetworkValues(source.values, "")) {
                reportViolation(`${source.owner} sets values ${path}: true, so its pods in namespace ${source.namespace} run on the host network, which no network policy governs. ${fix}`);
            }
        }
    },
};

// ---------------------------------------------------------------------------
// Services another controller announces

/** Every loadBalancerClass a Helm values node asks for, with its path. */
function classValues(node: unknown, path: string): Array<[string, string]> {
    if (Array.isArray(node)) {
        return node.flatMap((item, i) => classValues(item, `${path}[${i}]`));
    }
    if (!isObject(node)) {
        return [];
    }
    return Object.entries(node).flatMap(([key, value]): Array<[string, string]> => {
        const here = path === "" ? key : `${path}.${key}`;
        return key === "loadBalancerClass" && typeof value === "string" && value !== "" ? [[here, value]] : classValues(value, here);
    });
}

export const loadBalancerClassKubeVip: ResourceValidationPolicy = {
    name: "loadbalancer-class-kube-vip",
    description:
        "No LoadBalancer Service (declared, patched, in a ConfigGroup or in Helm values) asks for a loadBalancerClass other than kube-vip's, and Cilium's node IPAM " +
        "(nodeIPAM.enabled, defaultLBServiceIPAM: nodeipam) stays off: another class is allocated and announced by another controller, outside the pool, its owners and its checks.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const fix = "Fix: drop loadBalancerClass (kube-vip serves Services without one) and pin a free address of the pool if the Service needs a fixed one.";
        for (const view of objectsOf(args)) {
            const isService = view.type === TYPES.service || view.type === TYPES.servicePatch;
            const lbClass = view.props?.spec?.loadBalancerClass;
            if (isService && typeof lbClass === "string" && lbClass !== "" && lbClass !== KUBE_VIP_LOADBALANCER_CLASS) {
                reportViolation(`Service ${metaNamespace(view)}/${metaName(view)}${via(view)} asks for loadBalancerClass ${lbClass}: another controller, not kube-vip, would allocate and announce its address. ${fix}`);
            }
        }
        for (const source of helmSources(args)) {
            // Traefik's Services are read as its chart version reads them; a class it ignores is traefik-service-values-read-by-the-chart's.
            const traefik = source.chart === CHARTS.traefik;
            const classes: Array<[string, unknown]> = [
                ...classValues(traefik ? { ...source.values, service: undefined } : source.values, ""),
                ...(traefik ? traefikServices(source.values, source.release, source.version)
                    .map((s): [string, unknown] => [`${s.path}${readsSpecOnly(source.version) ? ".spec" : ""}.loadBalancerClass`, s.loadBalancerClass]) : []),
            ];
            for (const [path, value] of classes.filter(([, value]) => typeof value === "string" && value !== "" && value !== KUBE_VIP_LOADBALANCER_CLASS)) {
                reportViolation(`${source.owner} sets values ${path} = ${value}: another controller, not kube-vip, would allocate and announce that Service's address. ${fix}`);
            }
            if (source.chart === CHARTS.cilium && source.kind !== "application") {
                const values = source.values;
                if (values.nodeIPAM?.enabled === true || values.defaultLBServiceIPAM === "nodeipam") {
                    reportViolation(
                        `${source.owner} turns on Cilium's node IPAM (${values.nodeIPAM?.enabled === true ? "nodeIPAM.enabled: true" : "defaultLBServiceIPAM: nodeipam"}): Cilium would publish ` +
                        "LoadBalancer Services on the nodes' own addresses, beside kube-vip's pool. Fix: leave nodeIPAM off and defaultLBServiceIPAM unset.",
                    );
                }
            }
        }
    },
};

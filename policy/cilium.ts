// Cilium's datapath settings as a release of its chart (any spelling) or its
// cilium-config ConfigMap (or a patch of it) decides them; the policies on the
// pod CIDR, L2 announcements, WireGuard and the kube-proxy replacement.

import { ResourceValidationPolicy } from "@pulumi/policy";
import { blockAsRange, parseCidr, rangesOverlap } from "./addressing";
import { CHARTS, CILIUM_CHART_DEFAULT_POD_CIDRS, CILIUM_CONFIG_MAP, TYPES } from "./definitions";
import { networkNeeds } from "./networkConfig";
import { parseGoBool } from "./goBool";
import { HelmSource, ObjectView, ResourceView, goTruthy, helmSources, isNamedConfigMap, isObject, objectsOf, via } from "./readers";

// ---------------------------------------------------------------------------
// Readers

/** One datapath setting as a resource sets it, with where. */
export interface CiliumSetting<T> {
    readonly value: T;
    /** e.g. `values l2announcements.enabled = "true"` or `key enable-wireguard = "false"`. */
    readonly where: string;
}

/** Cilium's datapath settings that a resource decides; a ConfigMapPatch decides only the keys it sets. */
export interface CiliumConfigView {
    /** e.g. `Helm release kube-system/cilium (chart cilium)` or `ConfigMapPatch kube-system/cilium-config`. */
    readonly owner: string;
    readonly fromChart: boolean;
    readonly l2Announcements?: CiliumSetting<boolean>;
    readonly wireguard?: CiliumSetting<boolean>;
    readonly podCidrs?: CiliumSetting<readonly string[]>;
    readonly kubeProxyReplacement?: CiliumSetting<boolean>;
}

function cidrList(value: unknown): string[] {
    return (Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[ ,]+/) : []).map(c => c.trim()).filter(c => c !== "");
}

function fromChartValues(source: HelmSource): CiliumConfigView {
    const values = source.values;
    const l2 = values.l2announcements?.enabled;
    const encryption = isObject(values.encryption) ? values.encryption : {};
    const ipamMode = values.ipam?.mode ?? "cluster-pool";
    const list = values.ipam?.operator?.clusterPoolIPv4PodCIDRList;
    const kpr = values.kubeProxyReplacement;
    return {
        owner: source.owner,
        fromChart: true,
        // The chart writes enable-l2-announcements only when the value is Go-true, then quotes it for the agent's ParseBool.
        l2Announcements: { value: goTruthy(l2) && parseGoBool(l2) === true, where: `values l2announcements.enabled = ${JSON.stringify(l2 ?? false)}` },
        // enable-wireguard is written only for encryption.type "wireguard" and a Go-true enabled.
        wireguard: {
            value: encryption.type === "wireguard" && goTruthy(encryption.enabled) && parseGoBool(encryption.enabled) === true,
            where: `values encryption = ${JSON.stringify({ enabled: encryption.enabled ?? false, type: encryption.type ?? "ipsec" })}`,
        },
        podCidrs: ipamMode !== "cluster-pool" ? undefined : list === undefined
            ? { value: CILIUM_CHART_DEFAULT_POD_CIDRS, where: `values ipam.operator.clusterPoolIPv4PodCIDRList (unset: the chart's default ${CILIUM_CHART_DEFAULT_POD_CIDRS.join(" ")})` }
            : { value: cidrList(list), where: `values ipam.operator.clusterPoolIPv4PodCIDRList = ${JSON.stringify(list)}` },
        // The chart refuses anything but "true" and "false" and defaults to "false".
        kubeProxyReplacement: { value: String(kpr) === "true", where: `values kubeProxyReplacement = ${kpr === undefined ? "unset (the chart's default \"false\")" : JSON.stringify(kpr)}` },
    };
}

function fromConfigMap(view: ObjectView): CiliumConfigView {
    const data: Record<string, unknown> = isObject(view.props.data) ? view.props.data : {};
    const keys = CILIUM_CONFIG_MAP.keys;
    const flag = (key: string): CiliumSetting<boolean> | undefined =>
        data[key] === undefined ? undefined : { value: parseGoBool(String(data[key]).trim()) === true, where: `key ${key} = ${JSON.stringify(data[key])}` };
    return {
        owner: `${view.type === TYPES.configMapPatch ? "ConfigMapPatch" : "ConfigMap"} ${CILIUM_CONFIG_MAP.namespace}/${CILIUM_CONFIG_MAP.name}${via(view)}`,
        fromChart: false,
        l2Announcements: flag(keys.l2Announcements),
        wireguard: flag(keys.wireguard),
        podCidrs: data[keys.podCidrs] === undefined ? undefined : { value: cidrList(data[keys.podCidrs]), where: `key ${keys.podCidrs} = ${JSON.stringify(data[keys.podCidrs])}` },
        kubeProxyReplacement: data[keys.kubeProxyReplacement] === undefined
            ? undefined
            : { value: String(data[keys.kubeProxyReplacement]).trim() === "true", where: `key ${keys.kubeProxyReplacement} = ${JSON.stringify(data[keys.kubeProxyReplacement])}` },
    };
}

/** Cilium's settings a resource decides: a release or chart of the cilium chart (any spelling), or the cilium-config ConfigMap or a patch of it. */
export function ciliumConfigs(resource: ResourceView): CiliumConfigView[] {
    return [
        ...helmSources(resource).filter(s => s.chart === CHARTS.cilium && s.kind !== "application").map(fromChartValues),
        ...objectsOf(resource).filter(view => isNamedConfigMap(view, CILIUM_CONFIG_MAP)).map(fromConfigMap),
    ];
}

// ---------------------------------------------------------------------------
// Policies

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

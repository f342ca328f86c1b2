// kube-vip: its containers (recognised by image or by its own variables,
// declared directly, patched, in a ConfigGroup or through the kube-vip chart's
// values), the control-plane VIP they advertise, and the kubevip ConfigMap its
// cloud provider reads pools and sharing from; the policies on the VIP's
// placement and on pinned images.

import { ResourceValidationPolicy } from "@pulumi/policy";
import { whatItIs } from "./addressRoles";
import { formatIpv4, formatRange, lanPlacementProblems, parseIpv4, rangeContains } from "./addressing";
import { CHARTS, KINDS, KUBE_VIP_CONTAINER, KUBE_VIP_ENV, KUBE_VIP_POOL_CONFIG_MAP, TYPES, typeToken } from "./definitions";
import { LAN_KEYS, lanLayout, networkNeeds } from "./networkConfig";
import { parseGoBool } from "./goBool";
import { kubeVipAddress, kubeVipSwitch } from "./kubeVipEnv";
import { ObjectView, ResourceView, helmSources, isNamedConfigMap, isObject, metaName, metaNamespace, objectsOf, via } from "./readers";

// ---------------------------------------------------------------------------
// Readers: kube-vip containers

/** A kube-vip container (or the one a kube-vip chart renders), with its environment as a map. */
export interface KubeVipInstance {
    /** e.g. `DaemonSet kube-system/kube-vip-control-plane`. */
    readonly owner: string;
    readonly image?: string;
    readonly env: Record<string, string>;
    /** Variables set through valueFrom, which the pack cannot read. */
    readonly unseenEnv: readonly string[];
    /** A patch of a workload declared elsewhere: variables it leaves out keep their old values. */
    readonly patch: boolean;
}

/** The image's name without registry, organisation, tag or digest: `kube-vip` for `docker.io/plndr/kube-vip:v0.3.8`. */
export function imageName(image: string): string {
    return image.replace(/@sha256:[0-9a-f]+$/, "").split("/").pop()!.replace(/:[^:]+$/, "");
}

function containersOf(view: ObjectView): any[] {
    const spec = view.props?.spec;
    const podKinds = [typeToken(KINDS.pod), TYPES.podPatch];
    const workloadKinds = [typeToken(KINDS.daemonSet), typeToken(KINDS.deployment), TYPES.daemonSetPatch, TYPES.deploymentPatch];
    if (podKinds.includes(view.type)) {
        return Array.isArray(spec?.containers) ? spec.containers : [];
    }
    if (workloadKinds.includes(view.type)) {
        return Array.isArray(spec?.template?.spec?.containers) ? spec.template.spec.containers : [];
    }
    return [];
}

function isKubeVipContainer(container: any): boolean {
    const images = KUBE_VIP_CONTAINER.images as readonly string[];
    const named = (typeof container?.image === "string" && images.includes(imageName(container.image))) || images.includes(container?.name);
    const env: any[] = Array.isArray(container?.env) ? container.env : [];
    return named || env.some(e => (KUBE_VIP_CONTAINER.signatureEnv as readonly string[]).includes(e?.name));
}

/** kube-vip as it will run: containers recognised by image name or by kube-vip's own variables, and the kube-vip chart's values. */
export function kubeVipInstances(resource: ResourceView): KubeVipInstance[] {
    const instances: KubeVipInstance[] = [];
    for (const view of objectsOf(resource)) {
        const kind = view.type.split(":").pop()!;
        for (const container of containersOf(view).filter(isKubeVipContainer)) {
            const env: any[] = Array.isArray(container.env) ? container.env : [];
            instances.push({
                owner: `${kind} ${metaNamespace(view)}/${metaName(view)}${via(view)}`,
                image: typeof container.image === "string" ? container.image : undefined,
                env: Object.fromEntries(env.filter(e => e?.value !== undefined && e?.value !== null).map(e => [e.name, String(e.value)])),
                unseenEnv: env.filter(e => e?.valueFrom !== undefined).map(e => String(e.name)),
                patch: view.type.endsWith("Patch"),
            });
        }
    }
    for (const source of helmSources(resource).filter(s => s.chart === CHARTS.kubeVip)) {
        const values = source.values;
        const env = Object.fromEntries(Object.entries(isObject(values.env) ? values.env : {}).map(([k, v]) => [k, String(v)]));
        // The chart renders config.address as vip_address when cp_enable is true.
        if (kubeVipSwitch(env, KUBE_VIP_ENV.controlPlane) === true && values.config?.address !== undefined) {
            env[KUBE_VIP_ENV.legacyAddress] = String(values.config.address);
        }
        const repository = values.image?.repository;
        instances.push({
            owner: source.owner,
            image: typeof repository === "string" ? `${repository}${values.image?.tag === undefined ? "" : `:${values.image.tag}`}` : undefined,
            env,
            unseenEnv: Object.keys(isObject(values.envValueFrom) ? values.envValueFrom : {}),
            patch: false,
        });
    }
    return instances;
}

/** kube-vip containers of a workload, for the image pin check. */
export function kubeVipContainers(resource: ResourceView): Array<{ owner: string; image: string; env: Record<string, string> }> {
    return kubeVipInstances(resource).filter((i): i is KubeVipInstance & { image: string } => i.image !== undefined);
}

/**
 * Whether a kube-vip instance holds the control-plane VIP: cp_enable true as
 * Go's ParseBool reads it ("True", "1", "t" included), or a patch that sets an
 * address and leaves cp_enable to the workload it patches.
 */
export function holdsControlPlaneVip(instance: KubeVipInstance): boolean {
    const enabled = kubeVipSwitch(instance.env, KUBE_VIP_ENV.controlPlane);
    return enabled === true || (instance.patch && enabled === undefined && kubeVipAddress(instance.env) !== undefined);
}

// ---------------------------------------------------------------------------
// Readers: the kubevip ConfigMap, pools and sharing

/** The kubevip ConfigMap or a ConfigMapPatch of it, with its data; directly or in a ConfigGroup. */
export function kubeVipConfigData(resource: ResourceView): Array<{ owner: string; patch: boolean; data: Record<string, unknown> }> {
    return objectsOf(resource)
        .filter(view => isNamedConfigMap(view, KUBE_VIP_POOL_CONFIG_MAP))
        .map(view => ({
            owner: `${view.type === TYPES.configMapPatch ? "ConfigMapPatch" : "ConfigMap"} ${KUBE_VIP_POOL_CONFIG_MAP.namespace}/${KUBE_VIP_POOL_CONFIG_MAP.name}${via(view)}`,
            patch: view.type === TYPES.configMapPatch,
            data: isObject(view.props.data) ? view.props.data : {},
        }));
}

/** The pool keys of the kube-vip ConfigMap and its patches (range-* and cidr-*). */
export function kubeVipPools(resource: ResourceView): Array<{ owner: string; key: string; value: string }> {
    return kubeVipConfigData(resource).flatMap(({ owner, data }) => Object.entries(data)
        .filter(([key]) => key.startsWith("range-") || key.startsWith("cidr-"))
        .map(([key, value]) => ({ owner, key, value: String(value) })));
}

/**
 * The namespaces whose Services may share an address, as the cloud provider
 * reads the kubevip ConfigMap: `allow-share-<namespace>` decides for its
 * namespace, `allow-share-global` for the others; a value is a boolean.
 * `data` is the ConfigMap's data with every patch applied.
 */
export function addressSharing(data: Record<string, unknown>): (namespace: string) => boolean {
    const flag = (key: string): boolean | undefined => {
        const value = data[key];
        return value === undefined ? undefined : parseGoBool(String(value).trim()) === true;
    };
    return namespace => flag(`allow-share-${namespace}`) ?? flag("allow-share-global") ?? false;
}

export const POOL_CONFIG_MAP = `ConfigMap ${KUBE_VIP_POOL_CONFIG_MAP.namespace}/${KUBE_VIP_POOL_CONFIG_MAP.name}`;

// ---------------------------------------------------------------------------
// Policies

const controlPlaneNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool", "reservations");
export const controlPlaneVipPlacement: ResourceValidationPolicy = {
    name: "control-plane-vip-placement",
    description:
        "kube-vip's control-plane VIP (address, or vip_address where address is unset, where cp_enable is true as Go's ParseBool reads it, in any container that runs kube-vip, whatever its image, " +
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
            const advertised = kubeVipAddress(instance.env);
            for (const { variable, value } of advertised === undefined ? [] : [advertised]) {
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

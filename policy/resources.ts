// What the policies read from resources: pinned LoadBalancer addresses (on
// Services, and on the Services a Helm release will render), kube-vip's
// settings and pools, Cilium's values. Pure functions of resource props.

import { CILIUM_CHART, KUBE_VIP_POOL_CONFIG_MAP, LOADBALANCER_IPS_ANNOTATION, TRAEFIK_CHART, TYPES } from "./definitions";

export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, any>;
}


/** A LoadBalancer Service, declared directly or inside a Helm release's values. */
export interface LoadBalancerService {
    /** e.g. `Service traefik/traefik-vip239 (from Helm release traefik)`. */
    readonly owner: string;
    readonly namespace: string;
    /** Addresses it pins; empty when it lets the cloud provider choose. */
    readonly pinned: readonly string[];
}

function splitAddresses(value: unknown): string[] {
    return typeof value === "string" ? value.split(",").map(a => a.trim()).filter(a => a !== "") : [];
}

function pinnedOf(annotations: Record<string, unknown> | undefined, loadBalancerIP: unknown): string[] {
    const annotated = splitAddresses(annotations?.[LOADBALANCER_IPS_ANNOTATION]);
    // The cloud provider copies the deprecated spec.loadBalancerIP into the annotation.
    return annotated.length > 0 ? annotated : splitAddresses(loadBalancerIP);
}

function releaseName(props: Record<string, any>, fallback: string): string {
    return typeof props.name === "string" ? props.name : fallback;
}

/**
 * LoadBalancer Services of a resource. A Helm release renders `<release>` and,
 * for each additional Service, `<release>-<key>`. The Traefik chart's main
 * Service is a LoadBalancer unless service.spec.type says otherwise; any other
 * Service counts only when its own spec.type (or, before Traefik chart 40, a
 * type beside spec) says LoadBalancer.
 */
export function loadBalancerServices(resource: ResourceView): LoadBalancerService[] {
    const props = resource.props ?? {};
    if (resource.type === TYPES.service) {
        if (props.spec?.type !== "LoadBalancer") {
            return [];
        }
        const namespace = props.metadata?.namespace ?? "default";
        return [{
            owner: `Service ${namespace}/${props.metadata?.name ?? resource.name}`,
            namespace,
            pinned: pinnedOf(props.metadata?.annotations, props.spec?.loadBalancerIP),
        }];
    }
    if (resource.type === TYPES.release && typeof props.values?.service === "object" && props.values.service !== null) {
        const release = releaseName(props, resource.name);
        const namespace = props.namespace ?? "default";
        const service = props.values.service;
        const services: LoadBalancerService[] = [];
        const add = (name: string, spec: Record<string, any>, defaultType: string | undefined) => {
            const type = spec.spec?.type ?? spec.type ?? defaultType;
            if (type === "LoadBalancer" && spec.enabled !== false) {
                services.push({
                    owner: `Service ${namespace}/${name} (from Helm release ${release})`,
                    namespace,
                    pinned: pinnedOf(spec.annotations, spec.spec?.loadBalancerIP ?? spec.loadBalancerIP),
                });
            }
        };
        add(release, service, props.chart === TRAEFIK_CHART ? "LoadBalancer" : undefined);
        for (const [key, extra] of Object.entries(service.additionalServices ?? {})) {
            if (typeof extra === "object" && extra !== null) {
                add(`${release}-${key}`, extra as Record<string, any>, undefined);
            }
        }
        return services;
    }
    return [];
}

/** kube-vip containers of a DaemonSet, with their environment as a map. */
export function kubeVipContainers(resource: ResourceView): Array<{ image: string; env: Record<string, string> }> {
    if (resource.type !== TYPES.daemonSet && resource.type !== TYPES.deployment) {
        return [];
    }
    const containers: any[] = resource.props?.spec?.template?.spec?.containers ?? [];
    return containers
        .filter(c => typeof c.image === "string" && c.image.startsWith("ghcr.io/kube-vip/"))
        .map(c => ({
            image: c.image,
            env: Object.fromEntries((c.env ?? []).filter((e: any) => typeof e.value === "string").map((e: any) => [e.name, e.value])),
        }));
}

/** The pool keys of the kube-vip ConfigMap (range-* and cidr-*). */
export function kubeVipPools(resource: ResourceView): Array<{ key: string; value: string }> {
    if (!kubeVipPoolConfigMap(resource)) {
        return [];
    }
    return Object.entries(resource.props.data ?? {})
        .filter(([key]) => key.startsWith("range-") || key.startsWith("cidr-"))
        .map(([key, value]) => ({ key, value: String(value) }));
}

/**
 * The namespaces whose Services may share an address, as the cloud provider
 * reads the kubevip ConfigMap: `allow-share-<namespace>` decides for its
 * namespace, `allow-share-global` for the others; a value is a boolean.
 * Undefined when the resource is not that ConfigMap.
 */
export function addressSharing(resource: ResourceView): ((namespace: string) => boolean) | undefined {
    if (!kubeVipPoolConfigMap(resource)) {
        return undefined;
    }
    const data: Record<string, unknown> = resource.props.data ?? {};
    const flag = (key: string): boolean | undefined => {
        const value = data[key];
        return value === undefined ? undefined : /^(1|t|true)$/i.test(String(value).trim());
    };
    return namespace => flag(`allow-share-${namespace}`) ?? flag("allow-share-global") ?? false;
}

function kubeVipPoolConfigMap(resource: ResourceView): boolean {
    const meta = resource.props?.metadata ?? {};
    return resource.type === TYPES.configMap && meta.name === KUBE_VIP_POOL_CONFIG_MAP.name && (meta.namespace ?? "default") === KUBE_VIP_POOL_CONFIG_MAP.namespace;
}

/** The values of a Helm release of the Cilium chart, or undefined. */
export function ciliumValues(resource: ResourceView): Record<string, any> | undefined {
    if (resource.type !== TYPES.release || resource.props?.chart !== CILIUM_CHART) {
        return undefined;
    }
    return resource.props.values ?? {};
}

/** A CiliumNetworkPolicy that selects every pod of its namespace and denies both directions by default. */
export function isNamespaceDefaultDeny(resource: ResourceView): boolean {
    const spec = resource.props?.spec;
    const selector = spec?.endpointSelector;
    const selectsAll = selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    return resource.type === TYPES.ciliumNetworkPolicy && selectsAll && Array.isArray(spec.ingress) && Array.isArray(spec.egress);
}

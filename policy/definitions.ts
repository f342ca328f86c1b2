// Names the program and the pack must spell alike: the kinds of object the
// pack reads, the annotation that pins a LoadBalancer address, the ConfigMap
// kube-vip's cloud provider reads its pools from. They live in the pack,
// which is published on its own; the program imports them from here, so a
// rename on one side cannot leave a policy checking nothing.

/** A Kubernetes object kind as the API and Pulumi's type token both name it. */
export interface Kind {
    readonly apiVersion: string;
    readonly kind: string;
}

export const KINDS = {
    service: { apiVersion: "v1", kind: "Service" },
    configMap: { apiVersion: "v1", kind: "ConfigMap" },
    daemonSet: { apiVersion: "apps/v1", kind: "DaemonSet" },
    deployment: { apiVersion: "apps/v1", kind: "Deployment" },
    ciliumNetworkPolicy: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy" },
    application: { apiVersion: "argoproj.io/v1alpha1", kind: "Application" },
} as const satisfies Record<string, Kind>;

/** Pulumi's type token of a Kubernetes kind: the core group is spelled `core`. */
export function typeToken(kind: Kind): string {
    const groupVersion = kind.apiVersion.includes("/") ? kind.apiVersion : `core/${kind.apiVersion}`;
    return `kubernetes:${groupVersion}:${kind.kind}`;
}

/** Type tokens of the resources the pack reads. */
export const TYPES = {
    ...(Object.fromEntries(Object.entries(KINDS).map(([key, kind]) => [key, typeToken(kind)])) as Record<keyof typeof KINDS, string>),
    /** @pulumi/kubernetes's helm.v3.Release, which is no Kubernetes kind. */
    release: "kubernetes:helm.sh/v3:Release",
} as const;

/** The annotation kube-vip's cloud provider reads a Service's pinned addresses from. */
export const LOADBALANCER_IPS_ANNOTATION = "kube-vip.io/loadbalancerIPs";

/** The ConfigMap kube-vip's cloud provider reads its pools from; the name is fixed by the provider. */
export const KUBE_VIP_POOL_CONFIG_MAP = { name: "kubevip", namespace: "kube-system" } as const;

/** The pool every namespace allocates from, in that ConfigMap. */
export const GLOBAL_RANGE_KEY = "range-global";

/** The chart whose main Service is a LoadBalancer unless its values say otherwise. */
export const TRAEFIK_CHART = "traefik";

/** The chart whose values carry Cilium's datapath settings. */
export const CILIUM_CHART = "cilium";

// Names the program and the pack must spell alike: the kinds of object the
// pack reads, the annotation that pins a LoadBalancer address, the ConfigMaps
// kube-vip's cloud provider and Cilium read, the charts whose values the pack
// understands. They live in the pack, which is published on its own; the
// program imports them from here, so a rename on one side cannot leave a
// policy checking nothing.

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "homelab-network";

/** A Kubernetes object kind as the API and Pulumi's type token both name it. */
export interface Kind {
    readonly apiVersion: string;
    readonly kind: string;
}

export const KINDS = {
    service: { apiVersion: "v1", kind: "Service" },
    configMap: { apiVersion: "v1", kind: "ConfigMap" },
    pod: { apiVersion: "v1", kind: "Pod" },
    daemonSet: { apiVersion: "apps/v1", kind: "DaemonSet" },
    deployment: { apiVersion: "apps/v1", kind: "Deployment" },
    networkPolicy: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
    ciliumNetworkPolicy: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy" },
    ciliumClusterwideNetworkPolicy: { apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy" },
    application: { apiVersion: "argoproj.io/v1alpha1", kind: "Application" },
    applicationSet: { apiVersion: "argoproj.io/v1alpha1", kind: "ApplicationSet" },
} as const satisfies Record<string, Kind>;

/** Pulumi's type token of a Kubernetes kind: the core group is spelled `core`. */
export function typeToken(kind: Kind): string {
    const groupVersion = kind.apiVersion.includes("/") ? kind.apiVersion : `core/${kind.apiVersion}`;
    return `kubernetes:${groupVersion}:${kind.kind}`;
}

/**
 * The Kubernetes kind a type token stands for (`kubernetes:core/v1:Service` is
 * v1 Service, `kubernetes:cilium.io/v2alpha1:CiliumLoadBalancerIPPool` a
 * custom resource); undefined for tokens that are no kind, such as a Helm release.
 */
export function kindOfToken(type: string): (Kind & { readonly group: string }) | undefined {
    const match = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
    if (match === null || !match[1].includes("/")) {
        return undefined;
    }
    const [group, version] = [match[1].slice(0, match[1].lastIndexOf("/")), match[1].slice(match[1].lastIndexOf("/") + 1)];
    return { group: group === "core" ? "" : group, apiVersion: group === "core" ? version : `${group}/${version}`, kind: match[2] };
}

/**
 * Type tokens of the resources the pack reads, as @pulumi/kubernetes 4.x
 * registers them. Patches and components are no Kubernetes kind: their tokens
 * are spelled out. Custom resources (apiextensions.CustomResource) register as
 * `kubernetes:<apiVersion>:<kind>`.
 */
export const TYPES = {
    ...(Object.fromEntries(Object.entries(KINDS).map(([key, kind]) => [key, typeToken(kind)])) as Record<keyof typeof KINDS, string>),
    /** helm.v3.Release: Helm renders the chart when it installs, never in a preview. */
    release: "kubernetes:helm.sh/v3:Release",
    /** helm.v4.Chart: a component the provider renders into child resources. */
    chartV4: "kubernetes:helm.sh/v4:Chart",
    /** helm.v3.Chart, yaml.ConfigGroup and yaml.ConfigFile (v1): rendered by the SDK in the program; the components carry no inputs. */
    chartV3: "kubernetes:helm.sh/v3:Chart",
    configGroupV1: "kubernetes:yaml:ConfigGroup",
    configFileV1: "kubernetes:yaml:ConfigFile",
    /** yaml.v2.ConfigGroup and ConfigFile, kustomize.v2.Directory: components the provider renders. */
    configGroupV2: "kubernetes:yaml/v2:ConfigGroup",
    configFileV2: "kubernetes:yaml/v2:ConfigFile",
    kustomizeDirectoryV2: "kubernetes:kustomize/v2:Directory",
    configMapPatch: "kubernetes:core/v1:ConfigMapPatch",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    podPatch: "kubernetes:core/v1:PodPatch",
    daemonSetPatch: "kubernetes:apps/v1:DaemonSetPatch",
    deploymentPatch: "kubernetes:apps/v1:DeploymentPatch",
} as const;

/** Components whose objects exist in a preview only as their children. */
export const RENDERING_COMPONENTS: readonly string[] = [
    TYPES.chartV4, TYPES.configGroupV2, TYPES.configFileV2, TYPES.kustomizeDirectoryV2, TYPES.chartV3, TYPES.configGroupV1, TYPES.configFileV1,
];

/** The annotation kube-vip's cloud provider reads a Service's pinned addresses from. */
export const LOADBALANCER_IPS_ANNOTATION = "kube-vip.io/loadbalancerIPs";

/**
 * The loadBalancerClass kube-vip serves when told to (lb_class_name); a
 * Service of any other class is left to another controller by kube-vip and its
 * cloud provider alike.
 */
export const KUBE_VIP_LOADBALANCER_CLASS = "kube-vip.io/kube-vip-class";

/**
 * The namespace Kubernetes runs its own parts in (K3s's CoreDNS among them),
 * and where the platform runs Cilium and kube-vip: written once, here.
 */
export const KUBE_SYSTEM = "kube-system";

/** The ConfigMap kube-vip's cloud provider reads its pools from; the name is fixed by the provider. */
export const KUBE_VIP_POOL_CONFIG_MAP = { name: "kubevip", namespace: KUBE_SYSTEM } as const;

/** The pool every namespace allocates from, in that ConfigMap. */
export const GLOBAL_RANGE_KEY = "range-global";

/** kube-vip's environment variables that the program writes and the pack reads, as kube-vip spells them. */
export const KUBE_VIP_ENV = {
    address: "address",
    legacyAddress: "vip_address",
    controlPlane: "cp_enable",
    /** The namespace of the control plane's Lease; kube-vip's default is kube-system. */
    controlPlaneNamespace: "cp_namespace",
    /** The control plane's Lease; kube-vip's default is plndr-cp-lock. */
    controlPlaneLease: "vip_leasename",
    services: "svc_enable",
    /** One leader election per Service, on a Lease of its own. */
    servicesElection: "svc_election",
    arp: "vip_arp",
    interface: "vip_interface",
    leaderElection: "vip_leaderelection",
} as const;

/**
 * How the pack recognises a kube-vip container, whoever deployed it (the
 * program's own kube-vip objects are named in platform/kube-vip.ts):
 * kube-vip's image names (the last path segment, under any registry: the
 * project moved from docker.io/plndr to ghcr.io/kube-vip) and the environment
 * variables that configure it. `vip_address` is the older name of `address`;
 * `addressEnv` lists both in kube-vip's order of preference (`address` wins,
 * policy/kubeVipEnv.ts). Booleans are read with Go's strconv.ParseBool.
 */
export const KUBE_VIP_CONTAINER = {
    images: ["kube-vip", "kube-vip-iptables", "kube-vip-cloud-provider"],
    addressEnv: [KUBE_VIP_ENV.address, KUBE_VIP_ENV.legacyAddress],
    controlPlaneEnv: KUBE_VIP_ENV.controlPlane,
    /** Variables only kube-vip reads: a container that sets one is kube-vip, whatever its image. */
    signatureEnv: [KUBE_VIP_ENV.controlPlane, KUBE_VIP_ENV.services, KUBE_VIP_ENV.arp, KUBE_VIP_ENV.interface, KUBE_VIP_ENV.legacyAddress, KUBE_VIP_ENV.leaderElection],
} as const;

/** Cilium's agent ConfigMap (rendered by its chart from the values) and the keys the pack checks, as the chart spells them. */
export const CILIUM_CONFIG_MAP = {
    name: "cilium-config",
    namespace: KUBE_SYSTEM,
    keys: {
        l2Announcements: "enable-l2-announcements",
        wireguard: "enable-wireguard",
        podCidrs: "cluster-pool-ipv4-cidr",
        kubeProxyReplacement: "kube-proxy-replacement",
    },
} as const;

/** The label Cilium gives every endpoint with its namespace; selectors may name it with or without the `k8s:` source prefix. */
export const CILIUM_POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const CILIUM_NAMESPACE_LABELS = [`k8s:${CILIUM_POD_NAMESPACE_LABEL}`, CILIUM_POD_NAMESPACE_LABEL] as const;

/** Charts whose values the pack reads by name (the last segment of the chart reference, so `cilium/cilium` and `oci://…/cilium` count). */
export const CHARTS = {
    /** Its main Service is a LoadBalancer unless its values say otherwise. */
    traefik: "traefik",
    /** Its values carry Cilium's datapath settings. */
    cilium: "cilium",
    /** Renders kube-vip from `env` and `config.address`. */
    kubeVip: "kube-vip",
    /** Renders Argo CD; no LoadBalancer Service unless its values ask. */
    argoCd: "argo-cd",
    /** A second LoadBalancer allocator and announcer. */
    metallb: "metallb",
} as const;

/** The Cilium chart's own default pod CIDR list (values.yaml), which applies when the values set none (cluster-pool IPAM). */
export const CILIUM_CHART_DEFAULT_POD_CIDRS: readonly string[] = ["10.0.0.0/8"];

/** Kept for the program: the chart whose main Service is a LoadBalancer unless its values say otherwise. */
export const TRAEFIK_CHART = CHARTS.traefik;

/** Kept for the program: the chart whose values carry Cilium's datapath settings. */
export const CILIUM_CHART = CHARTS.cilium;

/**
 * Custom resources that allocate or announce LoadBalancer addresses besides
 * kube-vip: Cilium's LB IPAM and L2/BGP announcements, MetalLB. Matched by
 * group and kind, whatever the version (Cilium moved some from v2alpha1 to v2).
 */
export const SECOND_ALLOCATOR_KINDS: ReadonlyArray<{ readonly group: string; readonly kind: string; readonly role: string }> = [
    { group: "cilium.io", kind: "CiliumLoadBalancerIPPool", role: "makes Cilium's LB IPAM assign LoadBalancer addresses" },
    { group: "cilium.io", kind: "CiliumL2AnnouncementPolicy", role: "makes Cilium answer ARP for Service addresses" },
    { group: "cilium.io", kind: "CiliumBGPAdvertisement", role: "makes Cilium advertise Service addresses over BGP" },
    { group: "cilium.io", kind: "CiliumBGPPeeringPolicy", role: "makes Cilium advertise Service addresses over BGP" },
    { group: "metallb.io", kind: "IPAddressPool", role: "makes MetalLB assign LoadBalancer addresses" },
    { group: "metallb.io", kind: "L2Advertisement", role: "makes MetalLB answer ARP for Service addresses" },
    { group: "metallb.io", kind: "BGPAdvertisement", role: "makes MetalLB advertise Service addresses over BGP" },
];

/**
 * The annotation on an Argo CD Application that lists the workloads the stack
 * declares for it (JSON: [{name, selector}]), so the pack can check that a
 * policy selects each one.
 */
export const WORKLOADS_ANNOTATION = "homelab-network/workloads";

/**
 * The annotation on an Argo CD Application whose policies are staged
 * (`staged`): its namespace is knowingly not in default deny yet, its
 * policies carry enableDefaultDeny off. Absent: enforced.
 */
export const ENFORCEMENT_ANNOTATION = "homelab-network/policy-enforcement";

/**
 * The type tokens of the program's own components begin so: a resource whose
 * URN runs through one was declared by the program (its generated policies),
 * not written by hand beside it.
 */
export const PROGRAM_COMPONENT_TYPE_PREFIX = "homelab:network:";

/** The namespaces whose pods may run on the host network: the platform's (Cilium's agents and kube-vip). */
export const HOST_NETWORK_NAMESPACES: readonly string[] = [KUBE_SYSTEM];

/**
 * The platform's namespaces, which the program creates and no Application may
 * deploy into (nor into kube-*), and the server of the cluster Argo CD runs in:
 * the only destination whose namespaces this stack's policies cover.
 */
export const PLATFORM_NAMESPACES = { traefik: "traefik", argoCd: "argocd", default: "default" } as const;
export const ARGOCD_IN_CLUSTER = { server: "https://kubernetes.default.svc", name: "in-cluster" } as const;

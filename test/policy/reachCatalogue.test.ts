// The second catalogue of careless pull requests: policies judged by what they
// allow, through the one policy model, and Services no policy can govern. The
// home stack's resources plus one change each, run in-process (the offline
// plan's runner); a sample also through the pack served over gRPC, queued as
// the cases run and compared at the end: it must say the same.

import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { PolicyInput, PolicyPackConfig, Violation, runPolicies } from "../../scripts/policyRunner";
import { STACKS, runProgram } from "../harness";
import { PackProcess, ServedQueue } from "../packProcess";
import { record } from "./recordResources";

// The served pack starts as mocha loads this file (test/packProcess.ts).
PackProcess.startSharedEarly();

interface Case {
    /** lan-ingress, egress-world, narrow, host-network, lb-class, pools, argocd, revisions, traefik-values, value-files, owned-pins, shared-namespace */
    readonly cls: string;
    readonly what: string;
    readonly add?: () => void;
    readonly edit?: (resources: PolicyInput[]) => void;
    /** Rogue: [policy, message] that must be found (mandatory). */
    readonly finds?: Array<[string, RegExp]>;
    /** Through the served pack as well. */
    readonly served?: boolean;
}

let counter = 0;
const unique = (name: string) => `${name}-${++counter}`;
const cr = (apiVersion: string, kind: string, metadata: Record<string, unknown>, body: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) =>
    new k8s.apiextensions.CustomResource(unique(kind.toLowerCase()), { apiVersion, kind, metadata, ...body }, opts);
const cnp = (namespace: string, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    cr("cilium.io/v2", "CiliumNetworkPolicy", { name, namespace }, { spec, ...extra });
const ccnp = (name: string, spec: Record<string, unknown>) => cr("cilium.io/v2", "CiliumClusterwideNetworkPolicy", { name }, { spec });
const ports = (...list: Array<[string, string, number?]>) => [{ ports: list.map(([port, protocol, endPort]) => ({ port, protocol, ...(endPort === undefined ? {} : { endPort }) })) }];
const netpol = (namespace: string, name: string, spec: Record<string, unknown>) =>
    new k8s.networking.v1.NetworkPolicy(unique("np"), { metadata: { name, namespace }, spec: spec as any });
function deployment(namespace: string, name: string, podSpec: Record<string, unknown>) {
    new k8s.apps.v1.Deployment(unique(name), {
        metadata: { name, namespace },
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "busybox:1.37.0" }], ...podSpec } } },
    });
}
function service(namespace: string, name: string, spec: Record<string, unknown>) {
    new k8s.core.v1.Service(unique(name), { metadata: { name, namespace }, spec: { ports: [{ port: 80, protocol: "TCP" }], ...spec } });
}
const release = (name: string, namespace: string, chart: string, values: Record<string, unknown>, extra: { version?: string; valueYamlFiles?: pulumi.asset.Asset[] } = {}) =>
    new k8s.helm.v3.Release(unique(name), { name, namespace, chart, version: extra.version ?? "1.0.0", values, repositoryOpts: { repo: "https://charts.example.org" }, valueYamlFiles: extra.valueYamlFiles });

const WORLD_IN = "world-ingress-on-owned-ports";
const EGRESS = "egress-to-world-needs-ports";
const NARROW = "application-namespace-policies-narrow";
const HOST = "host-network-only-for-platform";
const CLASS = "loadbalancer-class-kube-vip";
const POOL_KEYS = "pool-keys-skip-owned-addresses";
const UNIQUE = "unique-loadbalancer-addresses";
const ARGO = "argocd-application-boundaries";
const PINNED = "argocd-sources-pinned";
const TRAEFIK_VALUES = "traefik-service-values-read-by-the-chart";
const IN_POOL = "loadbalancer-address-in-pool";
const SHARED = "no-whole-namespace-application-beside-workloads";
const PIN = "kube-vip.io/loadbalancerIPs";
interface AppExtra {
    metadataNamespace?: string | null;
    source?: Record<string, unknown>;
    sources?: Array<Record<string, unknown>>;
    annotations?: Record<string, string>;
    /** Declared inside a component of the program's type (homelab:network:...), as the program declares its own Applications. */
    parent?: pulumi.Resource;
}
function argoApp(name: string, destination: Record<string, unknown>, extra: AppExtra = {}) {
    const metadata = { name, ...(extra.metadataNamespace === null ? {} : { namespace: extra.metadataNamespace ?? "argocd" }), ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) };
    cr("argoproj.io/v1alpha1", "Application", metadata, {
        spec: {
            project: "default", source: { repoURL: "https://charts.example.org", chart: name, targetRevision: "1.0.0", ...extra.source },
            ...(extra.sources === undefined ? {} : { sources: extra.sources }), destination: { server: "https://kubernetes.default.svc", ...destination },
        },
    }, extra.parent === undefined ? undefined : { parent: extra.parent });
}
/** A component of the program's own type, so that what it holds counts as declared by the program. */
const programComponent = () => new pulumi.ComponentResource("homelab:network:Applications", unique("extra"));
const GIT = "https://git.example.org/apps.git";
const SHA = "6685f5e9edd9de72429d61d9de1b08c972892d2d";
function homeTraefik(resources: PolicyInput[]): Record<string, any> {
    return resources.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "traefik")!.props.values.service;
}
const denyAll = (namespace: string) => cnp(namespace, "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{}] });
const poolPatch = (namespace: string, data: Record<string, string>) =>
    new k8s.core.v1.ConfigMapPatch(unique("kubevip"), { metadata: { name: "kubevip", namespace }, data });
function lbService(namespace: string, name: string, address: string) {
    new k8s.core.v1.Service(unique(name), { metadata: { name, namespace, annotations: { "kube-vip.io/loadbalancerIPs": address } }, spec: { type: "LoadBalancer", ports: [{ port: 53, protocol: "UDP" }] } });
}

const CATALOGUE: Case[] = [
    // Opening a port nobody owns to the LAN, in every spelling.
    {
        cls: "lan-ingress", what: "fromCIDR split in halves", served: true,
        add: () => cnp("games", "halves", { endpointSelector: {}, ingress: [{ fromCIDR: ["0.0.0.0/1", "128.0.0.0/1"], toPorts: ports(["22", "TCP"]) }] }),
        finds: [[WORLD_IN, /^CiliumNetworkPolicy games\/halves lets the LAN in \(ingress\[0\]: CIDR 128\.0\.0\.0\/1 \(the whole LAN\)\) to pods of namespace games on 22\/TCP, which no address owned in namespace games serves/]],
    },
    {
        cls: "lan-ingress", what: "a /0 with host bits",
        add: () => cnp("games", "hostbits", { endpointSelector: {}, ingress: [{ fromCIDRSet: [{ cidr: "1.0.0.0/0" }] }] }),
        finds: [[WORLD_IN, /CIDR 1\.0\.0\.0\/0 \(that is 0\.0\.0\.0\/0\) \(the whole LAN\)\) to pods of namespace games on every port/]],
    },
    {
        cls: "lan-ingress", what: "the LAN's own /24 in a CiliumNetworkPolicy's specs list",
        add: () => cnp("games", "specs", { endpointSelector: {}, ingress: [{ fromEntities: ["cluster"] }] }, { specs: [{ endpointSelector: {}, ingress: [{ fromCIDR: ["192.168.1.0/24"], toPorts: ports(["25565", "TCP"]) }] }] }),
        finds: [[WORLD_IN, /^CiliumNetworkPolicy games\/specs \(specs\[0\]\) lets the LAN in \(specs\[0\]\.ingress\[0\]: CIDR 192\.168\.1\.0\/24 \(the whole LAN\)\)/]],
    },
    {
        cls: "lan-ingress", what: "a cidrGroupRef the stack does not declare",
        add: () => cnp("games", "group", { endpointSelector: {}, ingress: [{ fromCIDRSet: [{ cidrGroupRef: "home-lan" }], toPorts: ports(["22", "TCP"]) }] }),
        finds: [[WORLD_IN, /cidrGroupRef home-lan \(a CIDR group the stack does not declare, so possibly the LAN\)/]],
    },
    {
        cls: "lan-ingress", what: "fromEndpoints with reserved:world",
        add: () => cnp("media", "reserved", { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { "reserved:world": "" } }], toPorts: ports(["22", "TCP"]) }] }),
        finds: [[WORLD_IN, /^CiliumNetworkPolicy media\/reserved lets the LAN in \(ingress\[0\]: fromEndpoints reserved:world \(the whole LAN\)\) to pods of namespace media on 22\/TCP, which none of the addresses owned in namespace media serves: 192\.168\.1\.233/]],
    },
    {
        cls: "lan-ingress", what: "a CiliumClusterwideNetworkPolicy that lets the world into every pod", served: true,
        add: () => ccnp("open", { endpointSelector: {}, ingress: [{ fromEntities: ["world"] }] }),
        finds: [[WORLD_IN, /^CiliumClusterwideNetworkPolicy open lets the LAN in \(ingress\[0\]: fromEntities world \(the whole LAN\)\) to pods of every namespace on every port, which no address owned serves/]],
    },
    {
        cls: "lan-ingress", what: "a Kubernetes NetworkPolicy with an ipBlock over the LAN",
        add: () => netpol("databases", "lan", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.168.0.0/16" } }], ports: [{ port: 3306 }] }] }),
        finds: [[WORLD_IN, /^NetworkPolicy databases\/lan lets the LAN in \(ingress\[0\]: CIDR 192\.168\.0\.0\/16 \(the whole LAN\)\) to pods of namespace databases on 3306\/TCP/]],
    },
    {
        cls: "lan-ingress", what: "a policy inside a yaml.v2.ConfigGroup",
        add: () => new k8s.yaml.v2.ConfigGroup(unique("extras"), { objs: [{ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name: "cg", namespace: "games" }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ["all"] }] } }] }),
        finds: [[WORLD_IN, /^CiliumNetworkPolicy games\/cg \(in yaml\.v2\.ConfigGroup extras-\d+\) lets the LAN in/]],
    },
    {
        cls: "lan-ingress", what: "1-65535 in the namespace of an owned address",
        add: () => cnp("media", "range", { endpointSelector: {}, ingress: [{ fromEntities: ["world"], toPorts: ports(["1", "TCP", 65535]) }] }),
        finds: [[WORLD_IN, /^CiliumNetworkPolicy media\/range lets the LAN in .* on every TCP port, which none of the addresses owned in namespace media serves/]],
    },
    {
        cls: "lan-ingress", what: "the LAN on exactly the ports the namespace's owned address serves",
        add: () => cnp("games", "narrow-ok", { endpointSelector: {}, ingressDeny: [{ fromEntities: ["world"], toPorts: ports(["22", "TCP"]) }] }),
    },

    // Egress to the world names its ports.
    {
        cls: "egress-world", what: "egress to the world entity on any port",
        add: () => cnp("games", "out", { endpointSelector: {}, egress: [{ toEntities: ["world"] }] }),
        finds: [[EGRESS, /^CiliumNetworkPolicy games\/out lets pods out to the world \(egress\[0\]: toEntities world\) on every port/]],
    },
    {
        cls: "egress-world", what: "egress to 0.0.0.0/0 in halves, and a NetworkPolicy's ipBlock without ports",
        add: () => {
            cnp("games", "halves-out", { endpointSelector: {}, egress: [{ toCIDR: ["0.0.0.0/1", "128.0.0.0/1"] }] });
            netpol("games", "np-out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
        },
        finds: [
            [EGRESS, /^CiliumNetworkPolicy games\/halves-out lets pods out to the world \(egress\[0\]: CIDR 0\.0\.0\.0\/1, CIDR 128\.0\.0\.0\/1\) on every port/],
            [EGRESS, /^NetworkPolicy games\/np-out lets pods out to the world \(egress\[0\]: CIDR 0\.0\.0\.0\/0\) on every port/],
        ],
    },
    {
        cls: "egress-world", what: "egress to the world on 443/TCP",
        add: () => cnp("games", "https-out", { endpointSelector: {}, egress: [{ toEntities: ["world"], toPorts: ports(["443", "TCP"]) }] }),
    },

    // Hand-written policies in the namespaces of the stack's Applications.
    {
        cls: "narrow", what: "a hand-written policy that opens MariaDB to the whole cluster",
        add: () => cnp("databases", "mariadb-open", { endpointSelector: { matchLabels: { "app.kubernetes.io/name": "mariadb" } }, ingress: [{ fromEntities: ["cluster"], toPorts: ports(["3306", "TCP"]) }] }),
        finds: [[NARROW, /^CiliumNetworkPolicy databases\/mariadb-open widens namespace databases of Argo CD Application (mariadb|redis): ingress\[0\] \(ingress fromEntities cluster on 3306\/TCP\)/]],
    },
    {
        cls: "narrow", what: "a NetworkPolicy and a clusterwide policy that admit every namespace's pods", served: true,
        add: () => {
            netpol("authelia", "from-all", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
            ccnp("cluster-in", { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] });
        },
        finds: [
            [NARROW, /^NetworkPolicy authelia\/from-all widens namespace authelia of Argo CD Application (authelia|lldap): ingress\[0\] \(ingress from namespaceSelector \{\} on every port\)/],
            [NARROW, /^CiliumClusterwideNetworkPolicy cluster-in widens namespaces .*databases.*: ingress\[0\]/],
        ],
    },
    {
        cls: "narrow", what: "a hand-written policy that only narrows (a deny rule, a rule that admits nobody)",
        add: () => cnp("databases", "deny-world", { endpointSelector: {}, ingressDeny: [{ fromEntities: ["world"] }], egress: [{}] }),
    },

    // The host network, only for the platform.
    {
        cls: "host-network", what: "a Deployment on the host network in an Application's namespace", served: true,
        add: () => deployment("media", "sniffer", { hostNetwork: true }),
        finds: [[HOST, /^Deployment media\/sniffer runs on the host network: no network policy governs its pods/]],
    },
    {
        cls: "host-network", what: "a chart's values asking for the host network",
        add: () => release("pihole", "dns", "pihole", { hostNetwork: true, serviceDns: { type: "ClusterIP" } }),
        finds: [[HOST, /^Helm release dns\/pihole \(chart pihole\) sets values hostNetwork: true, so its pods in namespace dns run on the host network/]],
    },
    {
        cls: "host-network", what: "a ClusterIP Service and a pod off the host network",
        add: () => {
            service("media", "emby-internal", { type: "ClusterIP" });
            deployment("media", "helper", {});
        },
    },

    // Services another controller announces.
    {
        cls: "lb-class", what: "a LoadBalancer Service of another loadBalancerClass",
        add: () => service("media", "dlna", { type: "LoadBalancer", loadBalancerClass: "io.cilium/l2-announcer" }),
        finds: [[CLASS, /^Service media\/dlna asks for loadBalancerClass io\.cilium\/l2-announcer: another controller, not kube-vip/]],
    },
    {
        cls: "lb-class", what: "Cilium's node IPAM turned on, and a chart's Service of another class",
        edit: resources => {
            const cilium = resources.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "cilium")!;
            cilium.props.values = { ...cilium.props.values, nodeIPAM: { enabled: true } };
        },
        add: () => release("ingress-nginx", "ingress-nginx", "ingress-nginx", { controller: { service: { loadBalancerClass: "io.cilium/node" } } }),
        finds: [
            [CLASS, /^Helm release kube-system\/cilium \(chart cilium\) turns on Cilium's node IPAM \(nodeIPAM\.enabled: true\)/],
            [CLASS, /^Helm release ingress-nginx\/ingress-nginx \(chart ingress-nginx\) sets values controller\.service\.loadBalancerClass = io\.cilium\/node/],
        ],
    },
    {
        cls: "lb-class", what: "a NodePort Service whose pods admit only the cluster",
        add: () => {
            service("games", "lobby", { type: "NodePort" });
            cnp("games", "lobby", { endpointSelector: { matchLabels: { app: "lobby" } }, ingress: [{ fromEntities: ["cluster"], toPorts: ports(["8080", "TCP"]) }] });
        },
    },

    // Pools never cover an owned address; allow-share exempts nothing.
    {
        cls: "pools", what: "a patch of range-global back over the owned addresses",
        add: () => poolPatch("kube-system", { "range-global": "192.168.1.231-192.168.1.239" }),
        finds: [[POOL_KEYS, /^ConfigMapPatch kube-system\/kubevip key range-global = 192\.168\.1\.231-192\.168\.1\.239 covers owned addresses \(192\.168\.1\.231 of Traefik Service traefik/]],
    },
    {
        cls: "pools", what: "a per-namespace pool, and a second kubevip ConfigMap",
        add: () => {
            poolPatch("kube-system", { "range-media": "192.168.1.236-192.168.1.237" });
            new k8s.core.v1.ConfigMap(unique("kubevip"), { metadata: { name: "kubevip", namespace: "media" }, data: { "range-global": "192.168.1.236-192.168.1.237" } });
        },
        finds: [
            [POOL_KEYS, /^ConfigMapPatch kube-system\/kubevip adds the per-namespace pool range-media = 192\.168\.1\.236-192\.168\.1\.237: the cloud provider checks addresses in use only within that namespace/],
            [POOL_KEYS, /^ConfigMap media\/kubevip holds the pool key range-global, in a second kubevip ConfigMap/],
        ],
    },
    {
        cls: "pools", what: "allow-share turned on for a Service that pins Pi-hole's address",
        add: () => {
            poolPatch("kube-system", { "allow-share-global": "true" });
            lbService("tools", "dns-proxy", "192.168.1.232");
        },
        finds: [[UNIQUE, /^192\.168\.1\.232 \(the address of .*pihole.*\) is pinned by 2 Services: .*Service tools\/dns-proxy/]],
    },
    {
        cls: "pools", what: "range-global narrowed to free addresses only",
        add: () => poolPatch("kube-system", { "range-global": "192.168.1.236-192.168.1.237" }),
    },

    // Argo CD Applications stay inside what the stack's policies cover.
    {
        cls: "argocd", what: "an Application into another Application's namespace, and one into traefik", served: true,
        add: () => {
            argoApp("sidecar", { namespace: "authelia" });
            argoApp("router", { namespace: "traefik" });
        },
        finds: [
            [ARGO, /^Argo CD Application sidecar deploys into namespace authelia, which belongs to the stack's Applications authelia, lldap: its pods would share their policies and could mount their Secrets/],
            [ARGO, /^Argo CD Application router deploys into traefik, a namespace of the platform/],
        ],
    },
    {
        cls: "argocd", what: "an Application without metadata.namespace, and one to another cluster's API server",
        add: () => {
            argoApp("stray", { namespace: "tools" }, { metadataNamespace: null });
            argoApp("remote", { namespace: "tools", server: "https://10.0.0.5:6443" });
            denyAll("tools");
        },
        finds: [
            [ARGO, /^Argo CD Application stray has no metadata\.namespace, so the provider puts it in its default namespace/],
            [ARGO, /^Argo CD Application remote deploys to https:\/\/10\.0\.0\.5:6443, not to the cluster Argo CD runs in/],
        ],
    },
    {
        cls: "argocd", what: "a kustomize.namespace into kube-system, and an ApplicationSet templatePatch",
        add: () => {
            argoApp("kustom", { namespace: "tools" }, { source: { chart: undefined, path: "deploy", targetRevision: "v1.0.0", kustomize: { namespace: "kube-system" } } });
            cr("argoproj.io/v1alpha1", "ApplicationSet", { name: "fleet", namespace: "argocd" }, {
                spec: { generators: [{ list: { elements: [{ name: "a" }] } }], templatePatch: "spec:\n  destination:\n    namespace: kube-system\n",
                    template: { metadata: { name: "{{name}}" }, spec: { project: "default", source: { repoURL: "https://charts.example.org", chart: "a", targetRevision: "1.0.0" }, destination: { server: "https://kubernetes.default.svc", namespace: "tools" } } } },
            });
            denyAll("tools");
        },
        finds: [
            [ARGO, /^Argo CD Application kustom sets kustomize\.namespace kube-system, which moves its objects out of its destination namespace tools, into a namespace of the platform/],
            [ARGO, /^Argo CD ApplicationSet fleet has a templatePatch/],
        ],
    },
    {
        cls: "argocd", what: "an Application into a namespace of its own, in Argo CD's namespace, on the cluster it runs in",
        add: () => {
            argoApp("tools", { namespace: "tools" });
            denyAll("tools");
        },
    },

    // Argo CD sources pinned to a commit, a tag or one chart version.
    {
        cls: "revisions", what: "a Git source on HEAD, and an ApplicationSet's template on a branch",
        add: () => {
            argoApp("edge", { namespace: "tools" }, { source: { chart: undefined, repoURL: GIT, path: "edge", targetRevision: "HEAD" } });
            cr("argoproj.io/v1alpha1", "ApplicationSet", { name: "branches", namespace: "argocd" }, {
                spec: { generators: [{ list: { elements: [{ name: "a" }] } }],
                    template: { metadata: { name: "{{name}}" }, spec: { project: "default", source: { repoURL: GIT, path: "web", targetRevision: "main" }, destination: { server: "https://kubernetes.default.svc", namespace: "tools" } } } },
            });
            denyAll("tools");
        },
        finds: [
            [PINNED, /^Argo CD Application edge deploys https:\/\/git\.example\.org\/apps\.git \(spec\.source\) at HEAD, the tip of the repository's default branch: whatever is pushed there next deploys without a review of this stack.*Fix: set targetRevision to a full commit SHA \(40 hex digits\) or a release tag such as v1\.2\.3, or allow branches for a lab with argoCdAllowBranchRevisions: true/],
            [PINNED, /^Argo CD ApplicationSet branches deploys https:\/\/git\.example\.org\/apps\.git \(spec\.template\.spec\.source\) at main, the tip of a branch/],
        ],
    },
    {
        cls: "revisions", what: "a chart version range, and a second source on an abbreviated SHA", served: true,
        add: () => {
            argoApp("ranged", { namespace: "tools" }, { source: { targetRevision: "^1.0" }, sources: [{ repoURL: GIT, path: "values", targetRevision: "6685f5e" }] });
            denyAll("tools");
        },
        finds: [
            [PINNED, /^Argo CD Application ranged deploys chart ranged of https:\/\/charts\.example\.org \(spec\.source\) at \^1\.0, a version range, so Argo CD installs the newest chart it matches: each new chart release deploys.*Fix: set targetRevision to an exact chart version such as 6\.7\.1\.$/],
            [PINNED, /^Argo CD Application ranged deploys https:\/\/git\.example\.org\/apps\.git \(spec\.sources\[0\]\) at 6685f5e, an abbreviated commit SHA/],
        ],
    },
    {
        cls: "revisions", what: "a Git source on a full commit SHA and one on a release tag",
        add: () => {
            argoApp("pinned", { namespace: "tools" }, { source: { chart: undefined, repoURL: GIT, path: "pinned", targetRevision: SHA }, sources: [{ repoURL: GIT, path: "values", targetRevision: "refs/tags/v2.0.0" }] });
            denyAll("tools");
        },
    },

    // Traefik's Service values read as the pinned chart (41.3.0) reads them.
    {
        cls: "traefik-values", what: "service.type NodePort beside service.spec.type, and a second release's address outside the pool under service.spec",
        edit: resources => {
            homeTraefik(resources).type = "NodePort";
        },
        add: () => release("traefik", "edge", "traefik", { service: { spec: { loadBalancerIP: "192.168.1.50" } } }, { version: "41.3.0" }),
        finds: [
            [TRAEFIK_VALUES, /^Helm release traefik\/traefik \(chart traefik\) sets values service\.type = "NodePort", which the Traefik chart at version 41\.3\.0 does not read there \(the chart renders Service traefik as type LoadBalancer, pinned to 192\.168\.1\.231\).*Fix: move it to service\.spec\.type, or delete it\.$/],
            [IN_POOL, /^Service edge\/traefik \(from Helm release traefik\) pins 192\.168\.1\.50, outside the LoadBalancer pool/],
        ],
    },
    {
        cls: "traefik-values", what: "an additional Service's loadBalancerIP beside spec, and Pi-hole's address in its annotationsTCP", served: true,
        add: () => release("traefik", "edge", "traefik", {
            service: { spec: { type: "ClusterIP" }, additionalServices: { dns: { loadBalancerIP: "192.168.1.236", spec: { type: "LoadBalancer" }, annotationsTCP: { [PIN]: "192.168.1.232" } } } },
        }, { version: "41.3.0" }),
        finds: [
            [TRAEFIK_VALUES, /^Helm release edge\/traefik \(chart traefik\) sets values service\.additionalServices\.dns\.loadBalancerIP = "192\.168\.1\.236", which the Traefik chart at version 41\.3\.0 does not read there \(the chart renders Service traefik-dns as type LoadBalancer, pinned to 192\.168\.1\.232\)/],
            [UNIQUE, /^192\.168\.1\.232 \(the address of .*pihole.*\) is pinned by 2 Services: .*Service edge\/traefik-dns \(from Helm release traefik\)/],
        ],
    },
    {
        cls: "traefik-values", what: "labels beside spec and source ranges under it, where chart 41 reads them",
        edit: resources => {
            const service = homeTraefik(resources);
            service.labels = { tier: "edge" };
            service.spec = { ...service.spec, loadBalancerSourceRanges: ["192.168.1.0/24"] };
        },
    },

    // A release's valueYamlFiles, merged under its values.
    {
        cls: "value-files", what: "a values file that pins an address outside the pool", served: true,
        add: () => release("files", "tools", "podinfo", {}, { valueYamlFiles: [new pulumi.asset.FileAsset("test/fixtures/value-files/pin-outside-pool.yaml")] }),
        finds: [[IN_POOL, /^Helm release tools\/files \(chart podinfo\), values service pins 192\.168\.1\.50, outside the LoadBalancer pool/]],
    },
    {
        cls: "value-files", what: "a StringAsset that pins Pi-hole's address",
        add: () => release("files", "tools", "podinfo", {}, { valueYamlFiles: [new pulumi.asset.StringAsset(`service:\n  type: LoadBalancer\n  annotations:\n    ${PIN}: 192.168.1.232\n`)] }),
        finds: [[UNIQUE, /^192\.168\.1\.232 \(the address of .*pihole.*\) is pinned by 2 Services: .*Helm release tools\/files \(chart podinfo\), values service/]],
    },
    {
        cls: "value-files", what: "a values file whose address the values override with a free one of the pool",
        add: () => release("files", "tools", "podinfo", { service: { annotations: { [PIN]: "192.168.1.236" } } }, { valueYamlFiles: [new pulumi.asset.FileAsset("test/fixtures/value-files/pin-outside-pool.yaml")] }),
    },

    // Owned addresses pinned by a chart's commonAnnotations.
    {
        cls: "owned-pins", what: "a chart's commonAnnotations pinning Pi-hole's address", served: true,
        add: () => release("blocky", "tools", "blocky", { commonAnnotations: { [PIN]: "192.168.1.232" }, service: { type: "LoadBalancer" } }),
        finds: [[UNIQUE, /^192\.168\.1\.232 \(the address of .*pihole.*\) is pinned by 2 Services: .*Helm release tools\/blocky \(chart blocky\), values \(top level\)/]],
    },
    {
        cls: "owned-pins", what: "an Application's commonAnnotations pinning an address outside the pool",
        add: () => {
            argoApp("blocky", { namespace: "tools" }, { source: { helm: { valuesObject: { commonAnnotations: { [PIN]: "192.168.1.50" } } } } });
            denyAll("tools");
        },
        finds: [[IN_POOL, /^Argo CD Application blocky, values \(top level\) pins 192\.168\.1\.50, outside the LoadBalancer pool/]],
    },
    {
        cls: "owned-pins", what: "commonAnnotations that pin nothing",
        add: () => release("blocky", "tools", "blocky", { commonAnnotations: { team: "home" }, service: { type: "ClusterIP" } }),
    },

    // No whole-namespace Application beside Applications that declare workloads.
    {
        cls: "shared-namespace", what: "a hand-written whole-namespace Application in monitoring, with a policy that lets every pod of it talk to the others",
        add: () => {
            argoApp("status", { namespace: "monitoring" });
            cnp("monitoring", "app-status", { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{}] }] });
        },
        finds: [[SHARED, /^Argo CD Application status deploys into namespace monitoring as a whole \(it declares no workloads\), beside blackbox-exporter \(workload blackbox-exporter\), monitoring \(workloads prometheus, .*\), ntfy-alertmanager .*which declare workloads there: .*; CiliumNetworkPolicy monitoring\/app-status selects every pod of monitoring and lets them all talk to each other\. Fix: declare its workloads/]],
    },
    {
        cls: "shared-namespace", what: "a whole-namespace Application the program's own component declares in dns", served: true,
        add: () => argoApp("dns-tools", { namespace: "dns" }, { parent: programComponent() }),
        finds: [[SHARED, /^Argo CD Application dns-tools deploys into namespace dns as a whole \(it declares no workloads\), beside pihole \(workload pihole\), pihole-03 \(workload pihole\), which declare workloads there/]],
    },
    {
        cls: "shared-namespace", what: "an Application the program declares beside them with a workload of its own",
        add: () => {
            const parent = programComponent();
            argoApp("exporter", { namespace: "monitoring" }, { parent, annotations: { "homelab-network/workloads": JSON.stringify([{ name: "exporter", selector: { app: "exporter" } }]) } });
            cr("cilium.io/v2", "CiliumNetworkPolicy", { name: "app-exporter.exporter", namespace: "monitoring" }, { spec: { endpointSelector: { matchLabels: { app: "exporter" } }, ingress: [{}], egress: [{}] } }, { parent });
        },
    },
];

const line = (v: { policy: string; enforcementLevel: string; message: string }) => `${v.policy} [${v.enforcementLevel}]: ${v.message}`;
const NEW_POLICIES = [WORLD_IN, EGRESS, NARROW, HOST, CLASS, POOL_KEYS, UNIQUE, ARGO, PINNED, TRAEFIK_VALUES, IN_POOL, SHARED];

describe("a catalogue of policies judged by what they allow, in-process (a sample over gRPC)", function () {
    this.timeout(90000);
    let home: PolicyInput[];
    let config: PolicyPackConfig;
    const servedQueue = new ServedQueue(line);

    before(async () => {
        const run = await runProgram("home");
        home = run.resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent === "" ? undefined : r.parent, props: r.inputs }));
        config = JSON.parse(renderPolicyPackConfig(STACKS, "home"));
    });

    const counts = new Map<string, { rogue: number; harmless: number }>();
    for (const c of CATALOGUE) {
        const tally = counts.get(c.cls) ?? { rogue: 0, harmless: 0 };
        tally[c.finds !== undefined ? "rogue" : "harmless"]++;
        counts.set(c.cls, tally);

        it(`${c.finds !== undefined ? "refuses" : "passes"} ${c.what} (${c.cls})`, async () => {
            const extra = c.add === undefined ? [] : await record(c.add);
            const resources = [...(c.edit === undefined ? home : home.map(r => ({ ...r, props: structuredClone(r.props) }))), ...extra];
            c.edit?.(resources);
            const inProcess: Violation[] = await runPolicies(resources, config);
            const report = inProcess.map(line).join("\n") || "(nothing)";
            if (c.finds !== undefined) {
                for (const [policy, message] of c.finds) {
                    assert.ok(inProcess.some(v => v.policy === policy && v.enforcementLevel === "mandatory" && message.test(v.message)), `expected ${policy} ~ ${message}; found:\n${report}`);
                }
            } else {
                assert.deepStrictEqual(inProcess.filter(v => NEW_POLICIES.includes(v.policy) || v.enforcementLevel === "mandatory").map(line), [], `a harmless change was refused:\n${report}`);
            }
            if (c.served === true) {
                await servedQueue.queue(`${c.cls}: ${c.what}`, resources, config as Record<string, Record<string, unknown>>, inProcess.map(line));
            }
        });
    }

    it("gets from the served pack, on every served case, what the in-process runner found", async () => {
        assert.strictEqual(servedQueue.size, CATALOGUE.filter(c => c.served === true).length, "a served case did not reach the queue (its own test failed first)");
        assert.deepStrictEqual(await servedQueue.disagreements(), [], "the served pack and the in-process runner disagree");
    });

    it("names, in each advisory about what a preview cannot see, what the live audit will check", async () => {
        const extra = await record(() => new k8s.helm.v3.Release(unique("files"), { name: "files", namespace: "tools", chart: "podinfo", version: "6.7.1", valueYamlFiles: [new pulumi.asset.FileAsset("values.yaml")] }));
        const advisories = (await runPolicies([...home, ...extra], config)).filter(v => v.policy === "loadbalancer-addresses-unseen");
        assert.ok(advisories.length >= 1);
        for (const advisory of advisories) {
            assert.match(advisory.message, /Once deployed, the live audit \(homelab-network audit, run by pulumi up\) checks what it renders: every owned address held only by its owner's Service/);
        }
    });

    it("names a LoadBalancer Service in a kustomize directory, and what the live audit will check, before the provider renders it", async () => {
        const extra = await record(() => new k8s.kustomize.v2.Directory(unique("proxy"), { directory: "test/fixtures/kustomize-lb" }));
        const found = await runPolicies([...home, ...extra], config);
        const advisories = found.filter(v => v.policy === "loadbalancer-addresses-unseen" && v.message.startsWith("kustomize.v2.Directory proxy-")).map(v => v.message);
        assert.strictEqual(advisories.length, 2, advisories.join("\n"));
        assert.match(advisories[1], /^kustomize\.v2\.Directory proxy-\d+ also renders what the pack does not read or apply before the provider renders it \(test\/fixtures\/kustomize-lb: https:\/\/github\.com\/example\/remote-base\/\/deploy\?ref=v1\.0\.0\)\..*Once deployed, the live audit/);
        assert.match(advisories[0], /^kustomize\.v2\.Directory proxy-\d+ renders the LoadBalancer Service tools\/dns-proxy \(test\/fixtures\/kustomize-lb\/base\/service\.yaml\), pinning 192\.168\.1\.232, which the pack checks only once the provider renders it.*Once deployed, the live audit \(homelab-network audit, run by pulumi up\) checks what it renders: every owned address held only by its owner's Service/);
        assert.deepStrictEqual(found.filter(v => v.enforcementLevel === "mandatory").map(line), []);
    });

    it("holds at least two rogue cases and one harmless case for every class, and serves a sample", () => {
        for (const [cls, tally] of counts) {
            assert.ok(tally.rogue >= 2 && tally.harmless >= 1, `class ${cls} has ${tally.rogue} rogue and ${tally.harmless} harmless cases`);
        }
        assert.deepStrictEqual([...counts.keys()].sort(), [
            "argocd", "egress-world", "host-network", "lan-ingress", "lb-class", "narrow", "owned-pins", "pools", "revisions", "shared-namespace", "traefik-values", "value-files",
        ]);
        const served = new Set(CATALOGUE.filter(c => c.served === true).map(c => c.cls));
        for (const cls of ["revisions", "traefik-values", "value-files", "owned-pins", "shared-namespace"]) {
            assert.ok(served.has(cls), `no case of ${cls} goes through the served pack`);
        }
    });
});

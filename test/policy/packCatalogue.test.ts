// A catalogue of careless pull requests: the fixture home stack's resources plus one
// rogue or harmless change each, run through the in-process runner (the
// offline plan's) and through the pack served over gRPC as the CLI starts it.
// Both must say the same thing (the served pack on a fixed sample of the
// cases, see servedSample, queued as the cases run and compared at the end);
// each rogue case names the policy that catches it and the value its message
// must show, each harmless case passes.
//
// The extra resources are declared with @pulumi/kubernetes itself and recorded
// under Pulumi's mocks, so their type tokens and input shapes are the SDK's,
// not hand-written guesses.

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

type Level = "mandatory" | "advisory";

interface Case {
    /** The class of mistake: 1 default deny, 2 addresses outside the shape, 3 pools, 4 Cilium, 5 kube-vip, 6 Argo CD, 7 false positives. */
    readonly cls: number;
    readonly what: string;
    /** Resources to add, declared with the SDK. */
    readonly add?: () => void;
    /** Resources to add as props (values no SDK call can produce, such as an unknown). */
    readonly raw?: PolicyInput[];
    /** An edit of the home stack's own resources. */
    readonly edit?: (resources: PolicyInput[]) => void;
    /** A change to the pack's config, e.g. a known gateway. */
    readonly network?: Record<string, string>;
    /** Reservations to add to the pack's config, as another stack would list them. */
    readonly reserve?: Array<{ address: string; holder: { kind: string; name: string } }>;
    /** Rogue: what must be found ([policy, message, level]; mandatory unless said). */
    readonly finds?: Array<[string, RegExp, Level?]>;
    /** Harmless: the advisories it may raise (none unless listed); no mandatory violation. */
    readonly passes?: string[];
}

const GATEWAY = { lanGateway: "192.168.1.1" };
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// ---------------------------------------------------------------------------
// Builders of the extra resources

let counter = 0;
const unique = (name: string) => `${name}-${++counter}`;

function lbService(name: string, namespace: string, options: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}) {
    new k8s.core.v1.Service(unique(`svc-${name}`), {
        metadata: { name, namespace, annotations: options.annotations },
        spec: { type: "LoadBalancer", ports: [{ port: 53, protocol: "UDP" }], ...options.spec },
    });
}

const pin = (address: string) => ({ "kube-vip.io/loadbalancerIPs": address });

function customResource(apiVersion: string, kind: string, metadata: Record<string, unknown>, body: Record<string, unknown>) {
    new k8s.apiextensions.CustomResource(unique(kind.toLowerCase()), { apiVersion, kind, metadata, ...body });
}

function application(name: string, spec: Record<string, unknown>, namespace = "argocd") {
    customResource("argoproj.io/v1alpha1", "Application", { name, namespace }, {
        spec: {
            project: "default",
            source: { repoURL: "https://charts.example.org", chart: name, targetRevision: "1.0.0" },
            destination: { server: "https://kubernetes.default.svc", namespace: "web" },
            ...spec,
        },
    });
}

function ciliumPolicy(namespace: string, name: string, spec: Record<string, unknown>) {
    customResource("cilium.io/v2", "CiliumNetworkPolicy", { name, namespace }, { spec });
}

/** An Application into namespace web, and the policy meant to be web's default deny. */
function webAppWith(policy: () => void) {
    return () => {
        application("web", {});
        policy();
    };
}

function kubeVipDaemonSet(name: string, image: string, env: Record<string, string>, kind: "DaemonSet" | "DaemonSetPatch" = "DaemonSet") {
    const spec = {
        selector: { matchLabels: { app: name } },
        template: {
            metadata: { labels: { app: name } },
            spec: { hostNetwork: true, containers: [{ name: "kube-vip", image, args: ["manager"], env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] },
        },
    };
    if (kind === "DaemonSet") {
        new k8s.apps.v1.DaemonSet(unique(name), { metadata: { name, namespace: "kube-system" }, spec });
    } else {
        new k8s.apps.v1.DaemonSetPatch(unique(name), { metadata: { name, namespace: "kube-system" }, spec });
    }
}

function configMapPatch(name: string, data: Record<string, string>) {
    new k8s.core.v1.ConfigMapPatch(unique(name), { metadata: { name, namespace: "kube-system" }, data });
}

function release(name: string, namespace: string, chart: string, values: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    new k8s.helm.v3.Release(unique(name), { name, namespace, chart, version: "1.0.0", values, ...extra });
}

/** The home stack's Helm release of a chart. */
function homeRelease(resources: PolicyInput[], chart: string): PolicyInput {
    return resources.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === chart)!;
}

// ---------------------------------------------------------------------------
// The catalogue

const CATALOGUE: Case[] = [
    // 1. Default deny that is not, and default deny that is.
    {
        cls: 1, what: "a namespace-wide CiliumNetworkPolicy that lets world in and everything out",
        add: webAppWith(() => ciliumPolicy("web", "open", { endpointSelector: {}, ingress: [{ fromEntities: ["world"] }], egress: [{ toEntities: ["all"] }] })),
        finds: [["applications-have-network-policies", /Application web deploys into namespace web, which has no default deny for ingress and egress.*CiliumNetworkPolicy web\/open: its ingress admits fromEntities world; its egress admits toEntities all/]],
    },
    {
        cls: 1, what: "a default deny written with empty lists, which Cilium ignores",
        add: webAppWith(() => ciliumPolicy("web", "default-deny", { endpointSelector: { matchLabels: {} }, ingress: [], egress: [] })),
        finds: [["applications-have-network-policies", /CiliumNetworkPolicy web\/default-deny: its ingress list is empty, which Cilium ignores/]],
    },
    {
        cls: 1, what: "enableDefaultDeny: {ingress: false, egress: false}",
        add: webAppWith(() => ciliumPolicy("web", "allow-internal", {
            endpointSelector: {}, enableDefaultDeny: { ingress: false, egress: false }, ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{}] }],
        })),
        finds: [["applications-have-network-policies", /CiliumNetworkPolicy web\/allow-internal: it sets enableDefaultDeny\.ingress: false/]],
    },
    {
        cls: 1, what: "a default deny for ingress only",
        add: webAppWith(() => ciliumPolicy("web", "default-deny", { endpointSelector: {}, ingress: [{}] })),
        finds: [["applications-have-network-policies", /namespace web, which has no default deny for egress.*it says nothing of egress/]],
    },
    {
        cls: 1, what: "a default deny whose egress admits 0.0.0.0/0",
        add: webAppWith(() => ciliumPolicy("web", "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{ toCIDRSet: [{ cidr: "0.0.0.0/0" }] }] })),
        finds: [["applications-have-network-policies", /no default deny for egress.*its egress admits toCIDR 0\.0\.0\.0\/0/]],
    },
    {
        cls: 1, what: "a deny-all policy that selects only some pods",
        add: webAppWith(() => ciliumPolicy("web", "deny-frontend", { endpointSelector: { matchLabels: { app: "frontend" } }, ingress: [{}], egress: [{}] })),
        finds: [["applications-have-network-policies", /CiliumNetworkPolicy web\/deny-frontend: it selects only pods labelled app=frontend/]],
    },
    {
        cls: 1, what: "a Kubernetes NetworkPolicy whose policyTypes leave Egress out",
        add: webAppWith(() => new k8s.networking.v1.NetworkPolicy(unique("np"), { metadata: { name: "deny", namespace: "web" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } })),
        finds: [["applications-have-network-policies", /no default deny for egress.*NetworkPolicy web\/deny: its policyTypes leave Egress out/]],
    },
    {
        cls: 1, what: "a namespace denied by a Kubernetes NetworkPolicy",
        add: webAppWith(() => new k8s.networking.v1.NetworkPolicy(unique("np"), { metadata: { name: "deny", namespace: "web" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } })),
        passes: [],
    },
    {
        cls: 1, what: "a namespace denied by a CiliumClusterwideNetworkPolicy",
        add: webAppWith(() => customResource("cilium.io/v2", "CiliumClusterwideNetworkPolicy", { name: "web-default-deny" }, {
            spec: { endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": "web" } }, ingress: [{}], egress: [{}] },
        })),
        passes: [],
    },
    {
        cls: 1, what: "one namespace-wide policy that denies both ways and allows only DNS",
        add: webAppWith(() => ciliumPolicy("web", "default-deny", {
            endpointSelector: {}, ingress: [{}],
            egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } }], toPorts: [{ ports: [{ port: "53", protocol: "UDP" }] }] }],
        })),
        passes: [],
    },

    // 2. Addresses claimed outside the one shape the pack read.
    {
        cls: 2, what: "a Service pinned to the gateway with spec.loadBalancerIP", network: GATEWAY,
        add: () => lbService("dns", "apps", { spec: { loadBalancerIP: "192.168.1.1" } }),
        finds: [["loadbalancer-address-in-pool", /Service apps\/dns pins 192\.168\.1\.1, outside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239: it is the gateway; kube-vip would answer ARP for the router's address/]],
    },
    {
        cls: 2, what: "a Service pinned to the API VIP with kube-vip's annotation",
        add: () => lbService("web", "apps", { annotations: pin("192.168.1.230") }),
        finds: [["loadbalancer-address-in-pool", /Service apps\/web pins 192\.168\.1\.230, outside the LoadBalancer pool .*: it is the API VIP/]],
    },
    {
        cls: 2, what: "a Service pinned to the LAN's broadcast address",
        add: () => lbService("web", "apps", { annotations: pin("192.168.1.255") }),
        finds: [["loadbalancer-address-in-pool", /pins 192\.168\.1\.255, .*: it is the broadcast address of the LAN 192\.168\.1\.0\/24/]],
    },
    {
        cls: 2, what: "a Service pinned to Traefik's VIP",
        add: () => lbService("web", "apps", { annotations: pin("192.168.1.231") }),
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.231 \(the address of Traefik Service traefik\) is pinned by 2 Services: .*Service apps\/web/]],
    },
    {
        cls: 2, what: "a Service pinned to Traefik's VIP in a stack that no longer declares Traefik",
        edit: resources => { resources.splice(resources.indexOf(homeRelease(resources, "traefik")), 1); },
        add: () => lbService("web", "apps", { annotations: pin("192.168.1.231") }),
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.231 \(the address of Traefik Service traefik\) is pinned by 1 Service and reserved for Traefik Service traefik \(not in this stack\): Service apps\/web/]],
    },
    {
        cls: 2, what: "a Service pinned to an address an Application owns",
        reserve: [{ address: "192.168.1.236", holder: { kind: "application", name: "podinfo" } }],
        add: () => lbService("web", "apps", { annotations: pin("192.168.1.236") }),
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.236 \(the address of Application podinfo\) is pinned by 1 Service and reserved for Application podinfo .*Fix: 192\.168\.1\.236 belongs to Application podinfo; pin another free address of the pool for Service apps\/web/]],
    },
    {
        cls: 2, what: "the Application that owns an address pinning it in its values",
        reserve: [{ address: "192.168.1.236", holder: { kind: "application", name: "podinfo" } }],
        // The stack that owns it leaves it out of range-global, as the program does for every owned address.
        edit: resources => {
            const pool = resources.find(r => r.type === "kubernetes:core/v1:ConfigMap" && r.props.metadata?.name === "kubevip")!;
            pool.props.data = { ...pool.props.data, "range-global": "192.168.1.237-192.168.1.237" };
        },
        add: () => {
            application("podinfo", { source: { repoURL: "https://stefanprodan.github.io/podinfo", chart: "podinfo", targetRevision: "6.7.1", helm: { valuesObject: { service: { type: "LoadBalancer", loadBalancerIP: "192.168.1.236" } } } } });
            ciliumPolicy("web", "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{}] });
        },
        passes: [],
    },
    {
        cls: 2, what: "a ClusterIP Service that claims the gateway with spec.externalIPs", network: GATEWAY,
        add: () => new k8s.core.v1.Service(unique("svc"), { metadata: { name: "dns", namespace: "apps" }, spec: { ports: [{ port: 53 }], externalIPs: ["192.168.1.1"] } }),
        finds: [["no-service-external-ips", /Service apps\/dns lists spec\.externalIPs 192\.168\.1\.1 \(the gateway\): .*the nodes' own traffic to the router/]],
    },
    {
        cls: 2, what: "a Service that claims the second Traefik VIP with spec.externalIPs",
        add: () => new k8s.core.v1.Service(unique("svc"), { metadata: { name: "web", namespace: "apps" }, spec: { ports: [{ port: 80 }], externalIPs: ["192.168.1.239"] } }),
        finds: [["no-service-external-ips", /Service apps\/web lists spec\.externalIPs 192\.168\.1\.239 \(the address of Traefik Service traefik-vip239\)/]],
    },
    {
        cls: 2, what: "a Helm release of pihole pinning serviceDns.loadBalancerIP",
        add: () => release("pihole", "pihole", "mojo2600/pihole", { serviceDns: { type: "LoadBalancer", loadBalancerIP: "192.168.1.53" } }, { repositoryOpts: { repo: "https://mojo2600.github.io/pihole-kubernetes/" } }),
        finds: [
            ["loadbalancer-address-in-pool", /Helm release pihole\/pihole \(chart pihole\), values serviceDns pins 192\.168\.1\.53, outside the LoadBalancer pool/],
            ["loadbalancer-addresses-unseen", /Helm release pihole\/pihole \(chart pihole\) installs chart pihole, which Helm renders only when it installs/, "advisory"],
        ],
    },
    {
        cls: 2, what: "a Helm release of ingress-nginx pinning controller.service.loadBalancerIP to the API VIP",
        add: () => release("ingress-nginx", "ingress-nginx", "ingress-nginx", { controller: { service: { loadBalancerIP: "192.168.1.230" } } }),
        finds: [["loadbalancer-address-in-pool", /Helm release ingress-nginx\/ingress-nginx \(chart ingress-nginx\), values controller\.service pins 192\.168\.1\.230, .*: it is the API VIP/]],
    },
    {
        cls: 2, what: "a Helm release of ingress-nginx with controller.service.externalIPs",
        add: () => release("ingress-nginx", "ingress-nginx", "https://github.com/kubernetes/ingress-nginx/releases/download/helm-chart-4.12.0/ingress-nginx-4.12.0.tgz", {
            controller: { service: { externalIPs: ["192.168.1.230"] } },
        }),
        finds: [
            ["no-service-external-ips", /values controller\.service lists spec\.externalIPs 192\.168\.1\.230 \(the API VIP\)/],
            ["loadbalancer-addresses-unseen", /installs chart ingress-nginx from https:\/\/github\.com/, "advisory"],
        ],
    },
    {
        cls: 2, what: "a second Traefik from an OCI chart reference, pinned to the first one's second VIP",
        add: () => release("traefik-lan", "edge", "oci://ghcr.io/traefik/helm/traefik", { service: { annotations: pin("192.168.1.239") } }),
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.239 \(the address of Traefik Service traefik-vip239\) is pinned by 2 Services: .*Service edge\/traefik-lan \(from Helm release traefik-lan\)/]],
    },
    {
        cls: 2, what: "an Argo CD Application pinning an address in helm.valuesObject",
        add: () => application("podinfo", { source: { repoURL: "https://stefanprodan.github.io/podinfo", chart: "podinfo", targetRevision: "6.7.1", helm: { valuesObject: { service: { type: "LoadBalancer", loadBalancerIP: "192.168.1.20" } } } } }),
        finds: [["loadbalancer-address-in-pool", /Argo CD Application podinfo, values service pins 192\.168\.1\.20, outside the LoadBalancer pool/]],
    },
    {
        cls: 2, what: "an Argo CD Application pinning the API VIP through helm.parameters",
        add: () => application("podinfo", { source: { repoURL: "https://stefanprodan.github.io/podinfo", chart: "podinfo", targetRevision: "6.7.1", helm: { parameters: [{ name: "service.type", value: "LoadBalancer" }, { name: "service.loadBalancerIP", value: "192.168.1.230" }] } } }),
        finds: [["loadbalancer-address-in-pool", /Argo CD Application podinfo, values service pins 192\.168\.1\.230, .*: it is the API VIP/]],
    },
    {
        cls: 2, what: "an Argo CD Application pinning an address in helm.values text",
        add: () => application("nginx", { source: { repoURL: "https://kubernetes.github.io/ingress-nginx", chart: "ingress-nginx", targetRevision: "4.12.0", helm: { values: "controller:\n  service:\n    loadBalancerIP: 192.168.1.240\n" } } }),
        finds: [["loadbalancer-address-in-pool", /Argo CD Application nginx, values controller\.service pins 192\.168\.1\.240, outside/]],
    },
    {
        cls: 2, what: "a helm.v4.Chart of pihole (its rendered Services are not in an offline run)",
        add: () => new k8s.helm.v4.Chart(unique("pihole"), { name: "pihole", namespace: "pihole", chart: "oci://ghcr.io/mojo2600/pihole", values: { serviceWeb: { type: "LoadBalancer", loadBalancerIP: "192.168.1.80" } } }),
        finds: [
            ["loadbalancer-address-in-pool", /helm\.v4\.Chart pihole\/pihole \(chart pihole\), values serviceWeb pins 192\.168\.1\.80, outside/],
            ["rendered-objects-unseen", /helm\.v4\.Chart pihole\/pihole \(chart pihole\): its objects are rendered into resources of their own, and none is in this run/, "advisory"],
        ],
    },
    {
        cls: 2, what: "a yaml.v2.ConfigGroup whose objs pin the gateway", network: GATEWAY,
        add: () => new k8s.yaml.v2.ConfigGroup("rogue-group", { objs: [{ apiVersion: "v1", kind: "Service", metadata: { name: "dns", namespace: "apps" }, spec: { type: "LoadBalancer", loadBalancerIP: "192.168.1.1" } }] }),
        finds: [
            ["loadbalancer-address-in-pool", /Service apps\/dns \(in yaml\.v2\.ConfigGroup rogue-group\) pins 192\.168\.1\.1, .*: it is the gateway/],
            ["rendered-objects-unseen", /yaml\.v2\.ConfigGroup rogue-group: .* so the pack checked its objs and yaml only/, "advisory"],
        ],
    },
    {
        cls: 2, what: "a yaml.v2.ConfigGroup whose yaml lists externalIPs",
        add: () => new k8s.yaml.v2.ConfigGroup("rogue-yaml", { yaml: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  externalIPs: [192.168.1.231]\n  ports: [{port: 80}]\n" }),
        finds: [["no-service-external-ips", /Service apps\/web \(in yaml\.v2\.ConfigGroup rogue-yaml\) lists spec\.externalIPs 192\.168\.1\.231 \(the address of Traefik Service traefik\)/]],
    },
    {
        cls: 2, what: "a ServicePatch re-pinning Traefik's second Service outside the pool",
        add: () => new k8s.core.v1.ServicePatch(unique("patch"), { metadata: { name: "traefik-vip239", namespace: "traefik", annotations: pin("192.168.1.240") } }),
        finds: [["loadbalancer-address-in-pool", /ServicePatch traefik\/traefik-vip239 pins 192\.168\.1\.240, outside the LoadBalancer pool/]],
    },
    {
        cls: 2, what: "a ServicePatch adding externalIPs to Traefik", network: GATEWAY,
        add: () => new k8s.core.v1.ServicePatch(unique("patch"), { metadata: { name: "traefik", namespace: "traefik" }, spec: { externalIPs: ["192.168.1.1"] } }),
        finds: [["no-service-external-ips", /ServicePatch traefik\/traefik lists spec\.externalIPs 192\.168\.1\.1 \(the gateway\)/]],
    },
    {
        cls: 2, what: "a Helm release whose values come from a valueYamlFiles entry the pack cannot find",
        add: () => release("traefik-extra", "edge", "traefik", {}, { valueYamlFiles: [new pulumi.asset.FileAsset("values/traefik-extra.yaml")] }),
        finds: [["loadbalancer-addresses-unseen", /Helm release edge\/traefik-extra \(chart traefik\) takes values from valueYamlFiles\[0\] values\/traefik-extra\.yaml, which cannot be found/, "advisory"]],
    },
    {
        cls: 2, what: "an Argo CD Application whose Helm values are files in its repository",
        add: () => {
            application("web-values", { source: { repoURL: "https://git.example.org/web.git", path: "chart", targetRevision: "v1.0.0", helm: { valueFiles: ["values-lan.yaml"] } } });
            ciliumPolicy("web", "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{}] });
        },
        finds: [["loadbalancer-addresses-unseen", /Application argocd\/web-values takes Helm values from files in its repository \(values-lan\.yaml\)/, "advisory"]],
    },
    {
        cls: 2, what: "a Service whose pinned address is another resource's output, unknown in a preview",
        raw: [{
            type: "kubernetes:core/v1:Service", name: "computed", urn: "urn:pulumi:home::homelab-network::kubernetes:core/v1:Service::computed",
            props: { apiVersion: "v1", kind: "Service", metadata: { name: "computed", namespace: "apps", annotations: { "kube-vip.io/loadbalancerIPs": UNKNOWN_STRING } }, spec: { type: "LoadBalancer" } },
        }],
        finds: [
            ["loadbalancer-addresses-unseen", /Service apps\/computed has a value the preview cannot know \(string value at \.metadata\.annotations\.kube-vip\.io\/loadbalancerIPs/, "advisory"],
            ["loadbalancer-address-in-pool", /can't run policy 'loadbalancer-address-in-pool' .* during preview/, "advisory"],
        ],
    },
    {
        cls: 2, what: "a Service pinning Traefik's VIP beside one whose address is unknown in a preview: the stack policy skips only the unknown one",
        raw: [
            {
                type: "kubernetes:core/v1:Service", name: "computed", urn: "urn:pulumi:home::homelab-network::kubernetes:core/v1:Service::computed",
                props: { apiVersion: "v1", kind: "Service", metadata: { name: "computed", namespace: "apps", annotations: { "kube-vip.io/loadbalancerIPs": UNKNOWN_STRING } }, spec: { type: "LoadBalancer" } },
            },
            {
                type: "kubernetes:core/v1:Service", name: "thief", urn: "urn:pulumi:home::homelab-network::kubernetes:core/v1:Service::thief",
                props: { apiVersion: "v1", kind: "Service", metadata: { name: "thief", namespace: "apps", annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.231" } }, spec: { type: "LoadBalancer" } },
            },
        ],
        finds: [
            ["loadbalancer-addresses-unseen", /Service apps\/computed has a value the preview cannot know/, "advisory"],
            ["unique-loadbalancer-addresses", /192\.168\.1\.231 .*Service apps\/thief/],
        ],
    },
    {
        cls: 2, what: "a ClusterIP Service carrying a stale loadBalancerIP",
        add: () => new k8s.core.v1.Service(unique("svc"), { metadata: { name: "web", namespace: "apps" }, spec: { type: "ClusterIP", ports: [{ port: 80 }], loadBalancerIP: "192.168.1.50" } }),
        passes: [],
    },
    {
        cls: 2, what: "a LoadBalancer Service pinned to a free address of the pool",
        add: () => lbService("dns", "apps", { annotations: pin("192.168.1.236") }),
        passes: [],
    },
    {
        // Minecraft's Service is rendered by Argo CD from Git, out of the pack's sight: its reservation stands in for it.
        cls: 2, what: "a LoadBalancer Service pinned to the address the home stack's Minecraft owns",
        add: () => lbService("dns", "apps", { annotations: pin("192.168.1.235") }),
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.235 \(the address of workload server of namespace minecraft, Application minecraft\) is pinned by 1 Service and reserved for workload server of namespace minecraft, Application minecraft .*: Service apps\/dns\. .*Fix: 192\.168\.1\.235 belongs to workload server of namespace minecraft, Application minecraft; pin another free address of the pool for Service apps\/dns\./]],
    },
    {
        cls: 2, what: "a ServicePatch that only labels Traefik's Service",
        add: () => new k8s.core.v1.ServicePatch(unique("patch"), { metadata: { name: "traefik", namespace: "traefik", labels: { team: "edge" } } }),
        passes: [],
    },

    // 3. Pool definitions and second allocators.
    {
        cls: 3, what: "a ConfigMapPatch on kubevip adding a namespace range outside the pool",
        add: () => configMapPatch("kubevip", { "range-apps": "192.168.1.200-192.168.1.210" }),
        finds: [["loadbalancer-pool-placement", /ConfigMapPatch kube-system\/kubevip key range-apps = 192\.168\.1\.200-192\.168\.1\.210 reaches outside the stack's LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239/]],
    },
    {
        cls: 3, what: "a namespace range written into the kubevip ConfigMap, inside the LAN but outside the pool",
        edit: resources => { resources.find(r => r.name === "kube-vip-cloud-provider-pool")!.props.data["range-web"] = "192.168.1.100-192.168.1.120"; },
        finds: [["loadbalancer-pool-placement", /ConfigMap kube-system\/kubevip key range-web = 192\.168\.1\.100-192\.168\.1\.120 reaches outside/]],
    },
    {
        cls: 3, what: "a ConfigMapPatch on kubevip widening cidr-global to the whole LAN",
        add: () => configMapPatch("kubevip", { "cidr-global": "192.168.1.0/24" }),
        finds: [
            ["loadbalancer-pool-placement", /key cidr-global = 192\.168\.1\.0-192\.168\.1\.255 includes 192\.168\.1\.0, the network address of 192\.168\.1\.0\/24/],
            ["loadbalancer-pool-placement", /key cidr-global = 192\.168\.1\.0-192\.168\.1\.255 includes the API VIP 192\.168\.1\.230/],
        ],
    },
    {
        cls: 3, what: "a CiliumLoadBalancerIPPool over the LAN",
        add: () => customResource("cilium.io/v2alpha1", "CiliumLoadBalancerIPPool", { name: "lan-pool" }, { spec: { blocks: [{ cidr: "192.168.1.0/24" }] } }),
        finds: [["single-loadbalancer-allocator", /CiliumLoadBalancerIPPool lan-pool makes Cilium's LB IPAM assign LoadBalancer addresses from 192\.168\.1\.0\/24 \(192\.168\.1\.0\/24 overlaps the pool .* and includes .*192\.168\.1\.230 \(the API VIP\)/]],
    },
    {
        cls: 3, what: "a CiliumLoadBalancerIPPool of cilium.io/v2 with a start-stop block",
        add: () => customResource("cilium.io/v2", "CiliumLoadBalancerIPPool", { name: "extra" }, { spec: { blocks: [{ start: "192.168.1.240", stop: "192.168.1.250" }] } }),
        finds: [["single-loadbalancer-allocator", /CiliumLoadBalancerIPPool extra makes Cilium's LB IPAM assign LoadBalancer addresses from 192\.168\.1\.240-192\.168\.1\.250/]],
    },
    {
        cls: 3, what: "a CiliumL2AnnouncementPolicy",
        add: () => customResource("cilium.io/v2alpha1", "CiliumL2AnnouncementPolicy", { name: "lan" }, { spec: { loadBalancerIPs: true, interfaces: ["^eno[0-9]+"] } }),
        finds: [["single-loadbalancer-allocator", /CiliumL2AnnouncementPolicy lan makes Cilium answer ARP for Service addresses/]],
    },
    {
        cls: 3, what: "a MetalLB IPAddressPool over the kube-vip pool",
        add: () => customResource("metallb.io/v1beta1", "IPAddressPool", { name: "lan", namespace: "metallb-system" }, { spec: { addresses: ["192.168.1.231-192.168.1.239"] } }),
        finds: [["single-loadbalancer-allocator", /IPAddressPool metallb-system\/lan makes MetalLB assign LoadBalancer addresses from 192\.168\.1\.231-192\.168\.1\.239 \(.*overlaps the pool .* and includes 192\.168\.1\.231 \(the address of Traefik Service traefik\)/]],
    },
    {
        cls: 3, what: "a Helm release of MetalLB",
        add: () => release("metallb", "metallb-system", "metallb/metallb", {}),
        finds: [["single-loadbalancer-allocator", /Helm release metallb-system\/metallb \(chart metallb\) installs MetalLB/]],
    },
    {
        cls: 3, what: "a ConfigMapPatch on kubevip giving a namespace a pool of its own, which the provider checks only within that namespace",
        add: () => configMapPatch("kubevip", { "range-apps": "192.168.1.235-192.168.1.236" }),
        finds: [["pool-keys-skip-owned-addresses", /^ConfigMapPatch kube-system\/kubevip adds the per-namespace pool range-apps = 192\.168\.1\.235-192\.168\.1\.236/]],
    },

    // 4. Cilium invariants, whatever the chart's spelling, and through its ConfigMap.
    {
        cls: 4, what: "chart cilium/cilium with L2 announcements on",
        edit: resources => { const cilium = homeRelease(resources, "cilium"); cilium.props.chart = "cilium/cilium"; cilium.props.values.l2announcements.enabled = true; },
        finds: [["cilium-l2-off-wireguard-on", /Helm release kube-system\/cilium \(chart cilium\) enables l2announcements \(values l2announcements\.enabled = true\)/]],
    },
    {
        cls: 4, what: "an OCI chart reference for Cilium with encryption off",
        edit: resources => { const cilium = homeRelease(resources, "cilium"); cilium.props.chart = "oci://quay.io/cilium/charts/cilium"; cilium.props.values.encryption.enabled = false; },
        finds: [["cilium-l2-off-wireguard-on", /leaves WireGuard encryption off \(values encryption = \{"enabled":false,"type":"wireguard"\}\); pod traffic between nodes would cross the LAN in clear/]],
    },
    {
        cls: 4, what: "encryption.enabled written as the string \"false\"",
        edit: resources => { homeRelease(resources, "cilium").props.values.encryption.enabled = "false"; },
        finds: [["cilium-l2-off-wireguard-on", /leaves WireGuard encryption off \(values encryption = \{"enabled":"false"/]],
    },
    {
        cls: 4, what: "kubeProxyReplacement: false",
        edit: resources => { homeRelease(resources, "cilium").props.values.kubeProxyReplacement = false; },
        finds: [["cilium-kube-proxy-replacement", /turns Cilium's kube-proxy replacement off \(values kubeProxyReplacement = false\); the K3s servers run with --disable-kube-proxy/]],
    },
    {
        cls: 4, what: "kubeProxyReplacement left out (the chart's default is \"false\")",
        edit: resources => { delete homeRelease(resources, "cilium").props.values.kubeProxyReplacement; },
        finds: [["cilium-kube-proxy-replacement", /values kubeProxyReplacement = unset \(the chart's default "false"\)/]],
    },
    {
        cls: 4, what: "the pod CIDR list left out (the chart's default 10.0.0.0/8)",
        edit: resources => { delete homeRelease(resources, "cilium").props.values.ipam.operator.clusterPoolIPv4PodCIDRList; },
        finds: [["pod-cidr-separation", /has pod CIDR 10\.0\.0\.0\/8, overlapping the Service CIDR 10\.43\.0\.0\/16 \(values ipam\.operator\.clusterPoolIPv4PodCIDRList \(unset: the chart's default/]],
    },
    {
        cls: 4, what: "a ConfigMapPatch on cilium-config switching L2 announcements on",
        add: () => configMapPatch("cilium-config", { "enable-l2-announcements": "true" }),
        finds: [["cilium-l2-off-wireguard-on", /ConfigMapPatch kube-system\/cilium-config enables l2announcements \(key enable-l2-announcements = "true"\)/]],
    },
    {
        cls: 4, what: "a ConfigMapPatch on cilium-config switching WireGuard off",
        add: () => configMapPatch("cilium-config", { "enable-wireguard": "false" }),
        finds: [["cilium-l2-off-wireguard-on", /ConfigMapPatch kube-system\/cilium-config leaves WireGuard encryption off \(key enable-wireguard = "false"\)/]],
    },
    {
        cls: 4, what: "a ConfigMapPatch on cilium-config moving the pod CIDR onto the LAN",
        add: () => configMapPatch("cilium-config", { "cluster-pool-ipv4-cidr": "192.168.0.0/16" }),
        finds: [["pod-cidr-separation", /ConfigMapPatch kube-system\/cilium-config has pod CIDR 192\.168\.0\.0\/16, overlapping the LAN 192\.168\.1\.0\/24 \(key cluster-pool-ipv4-cidr/]],
    },
    {
        cls: 4, what: "a ConfigMapPatch on cilium-config turning kube-proxy replacement off",
        add: () => configMapPatch("cilium-config", { "kube-proxy-replacement": "false" }),
        finds: [["cilium-kube-proxy-replacement", /ConfigMapPatch kube-system\/cilium-config turns Cilium's kube-proxy replacement off \(key kube-proxy-replacement = "false"\)/]],
    },
    {
        cls: 4, what: "a helm.v4.Chart of Cilium without kube-proxy replacement",
        add: () => new k8s.helm.v4.Chart(unique("cilium"), { name: "cilium", namespace: "kube-system", chart: "oci://quay.io/cilium/charts/cilium", version: "1.19.6", values: { encryption: { enabled: true, type: "wireguard" }, kubeProxyReplacement: "false", ipam: { operator: { clusterPoolIPv4PodCIDRList: ["10.42.0.0/16"] } } } }),
        finds: [["cilium-kube-proxy-replacement", /helm\.v4\.Chart kube-system\/cilium \(chart cilium\) turns Cilium's kube-proxy replacement off \(values kubeProxyReplacement = "false"\)/]],
    },
    {
        cls: 4, what: "the Cilium chart spelled cilium/cilium, values intact",
        edit: resources => { homeRelease(resources, "cilium").props.chart = "cilium/cilium"; },
        passes: [],
    },
    {
        cls: 4, what: "encryption.enabled written as the string \"true\"",
        edit: resources => { homeRelease(resources, "cilium").props.values.encryption.enabled = "true"; },
        passes: [],
    },
    {
        cls: 4, what: "a ConfigMapPatch on cilium-config that only turns debug on",
        add: () => configMapPatch("cilium-config", { debug: "true" }),
        passes: [],
    },

    // 5. kube-vip under any name and spelling.
    {
        cls: 5, what: "kube-vip under its older image name with the API VIP in the pool",
        add: () => kubeVipDaemonSet("kube-vip-old", "plndr/kube-vip:v0.3.8", { cp_enable: "true", address: "192.168.1.235", vip_interface: "eno1" }),
        finds: [["control-plane-vip-placement", /kube-vip DaemonSet kube-system\/kube-vip-old advertises the API VIP 192\.168\.1\.235, inside the LoadBalancer pool/]],
    },
    {
        cls: 5, what: "vip_address instead of address, cp_enable \"True\"",
        add: () => kubeVipDaemonSet("kube-vip-cp", "ghcr.io/kube-vip/kube-vip:v1.0.4", { cp_enable: "True", vip_address: "192.168.1.240" }),
        finds: [["control-plane-vip-placement", /advertises 192\.168\.1\.240 \(vip_address\) as the API VIP, but the stack's API VIP is 192\.168\.1\.230/]],
    },
    {
        cls: 5, what: "an API VIP on Traefik's address",
        add: () => kubeVipDaemonSet("kube-vip-cp", "ghcr.io/kube-vip/kube-vip:v1.0.4", { cp_enable: "True", address: "192.168.1.231" }),
        finds: [["control-plane-vip-placement", /advertises the API VIP 192\.168\.1\.231, inside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239: it is the address of Traefik Service traefik/]],
    },
    {
        cls: 5, what: "a kube-vip Pod from docker.io/plndr with no tag, cp_enable \"1\", on the gateway", network: GATEWAY,
        add: () => new k8s.core.v1.Pod(unique("pod"), { metadata: { name: "kube-vip-node1", namespace: "kube-system" }, spec: { hostNetwork: true, containers: [{ name: "vip", image: "docker.io/plndr/kube-vip", args: ["manager"], env: [{ name: "cp_enable", value: "1" }, { name: "vip_address", value: "192.168.1.1" }] }] } }),
        finds: [
            ["control-plane-vip-placement", /kube-vip Pod kube-system\/kube-vip-node1 advertises the API VIP 192\.168\.1\.1 \(vip_address\), which is the gateway's address/],
            ["kube-vip-images-pinned", /Pod kube-system\/kube-vip-node1 runs docker\.io\/plndr\/kube-vip, which is not pinned/, "advisory"],
        ],
    },
    {
        cls: 5, what: "kube-vip from a mirror under another image name, recognised by its variables",
        add: () => kubeVipDaemonSet("vip", "registry.lan/mirror/vip:v1.0.4", { cp_enable: "true", vip_interface: "eno1", address: "10.0.0.5" }),
        finds: [["control-plane-vip-placement", /kube-vip DaemonSet kube-system\/vip advertises the API VIP 10\.0\.0\.5 \(address\), which lies outside the LAN 192\.168\.1\.0\/24/]],
    },
    {
        cls: 5, what: "the kube-vip Helm chart with config.address in the pool",
        add: () => release("kube-vip", "kube-system", "kube-vip/kube-vip", { config: { address: "192.168.1.232" }, env: { cp_enable: "true", svc_enable: "false" } }),
        finds: [["control-plane-vip-placement", /kube-vip Helm release kube-system\/kube-vip \(chart kube-vip\) advertises the API VIP 192\.168\.1\.232, inside the LoadBalancer pool/]],
    },
    {
        cls: 5, what: "a DaemonSetPatch moving the control-plane VIP",
        add: () => kubeVipDaemonSet("kube-vip-control-plane", "ghcr.io/kube-vip/kube-vip:v1.0.4", { address: "192.168.1.236" }, "DaemonSetPatch"),
        finds: [["control-plane-vip-placement", /kube-vip DaemonSetPatch kube-system\/kube-vip-control-plane advertises the API VIP 192\.168\.1\.236, inside the LoadBalancer pool/]],
    },
    {
        cls: 5, what: "kube-vip's address set through valueFrom",
        add: () => new k8s.apps.v1.DaemonSet(unique("vip"), {
            metadata: { name: "kube-vip-cm", namespace: "kube-system" },
            spec: {
                selector: { matchLabels: { app: "kube-vip-cm" } },
                template: { metadata: { labels: { app: "kube-vip-cm" } }, spec: { containers: [{ name: "kube-vip", image: "ghcr.io/kube-vip/kube-vip:v1.0.4", env: [{ name: "cp_enable", value: "true" }, { name: "address", valueFrom: { configMapKeyRef: { name: "vip", key: "address" } } }] }] } },
            },
        }),
        finds: [["loadbalancer-addresses-unseen", /DaemonSet kube-system\/kube-vip-cm sets kube-vip's address through valueFrom, which the pack cannot read/, "advisory"]],
    },
    {
        cls: 5, what: "kube-vip under its older image name holding the stack's API VIP",
        add: () => kubeVipDaemonSet("kube-vip-old", "plndr/kube-vip:v0.3.8", { cp_enable: "True", vip_address: "192.168.1.230" }),
        passes: [],
    },
    {
        cls: 5, what: "kube-vip's services role under its older image name",
        add: () => kubeVipDaemonSet("kube-vip-svc", "plndr/kube-vip:v0.3.8", { cp_enable: "false", svc_enable: "true", vip_interface: "eno1" }),
        passes: [],
    },

    // 6. Argo CD.
    {
        cls: 6, what: "an Application into argocd itself",
        add: () => application("tools", { destination: { server: "https://kubernetes.default.svc", namespace: "argocd" } }),
        finds: [["argocd-application-destination", /Argo CD Application tools deploys into argocd, the namespace Argo CD itself runs in/]],
    },
    {
        cls: 6, what: "an Application without a destination namespace",
        add: () => application("tools", { destination: { server: "https://kubernetes.default.svc" } }),
        finds: [["argocd-application-destination", /Argo CD Application tools names no destination namespace/]],
    },
    {
        cls: 6, what: "an Application into kube-system",
        add: () => application("tools", { destination: { server: "https://kubernetes.default.svc", namespace: "kube-system" } }),
        finds: [["argocd-application-destination", /Argo CD Application tools deploys into kube-system, a namespace of Kubernetes itself/]],
    },
    {
        cls: 6, what: "an Application into traefik's namespace, which has no namespace-wide default deny",
        add: () => application("tools", { destination: { server: "https://kubernetes.default.svc", namespace: "traefik" } }),
        finds: [["applications-have-network-policies", /Argo CD Application tools deploys into namespace traefik, which has no default deny for ingress and egress/]],
    },
    {
        cls: 6, what: "an ApplicationSet generating namespaces from paths",
        add: () => customResource("argoproj.io/v1alpha1", "ApplicationSet", { name: "apps", namespace: "argocd" }, {
            spec: {
                generators: [{ git: { repoURL: "https://git.example.org/apps.git", revision: "HEAD", directories: [{ path: "apps/*" }] } }],
                template: { metadata: { name: "{{path.basename}}" }, spec: { project: "default", source: { repoURL: "https://git.example.org/apps.git", targetRevision: "HEAD", path: "{{path}}" }, destination: { server: "https://kubernetes.default.svc", namespace: "{{path.basename}}" } } },
            },
        }),
        finds: [["argocd-application-destination", /Argo CD ApplicationSet apps generates its destination namespace \(\{\{path\.basename\}\}\) per Application/]],
    },
    {
        cls: 6, what: "an ApplicationSet into a namespace without default deny",
        add: () => customResource("argoproj.io/v1alpha1", "ApplicationSet", { name: "web-set", namespace: "argocd" }, {
            spec: {
                generators: [{ list: { elements: [{ env: "lan" }] } }],
                template: { metadata: { name: "web-{{env}}" }, spec: { project: "default", source: { repoURL: "https://git.example.org/web.git", targetRevision: "HEAD", path: "deploy" }, destination: { server: "https://kubernetes.default.svc", namespace: "web" } } },
            },
        }),
        finds: [["applications-have-network-policies", /Argo CD ApplicationSet web-set deploys into namespace web, which has no default deny for ingress and egress/]],
    },
    {
        cls: 6, what: "an Application into its own namespace with a default deny",
        add: webAppWith(() => ciliumPolicy("web", "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{}] })),
        passes: [],
    },

    // 7. False positives, and the same shapes when they do count.
    {
        cls: 7, what: "eight LoadBalancer Services of another loadBalancerClass, which another controller announces outside the pool",
        add: () => Array.from({ length: 8 }, (_, i) => lbService(`tailnet-${i}`, "apps", { spec: { loadBalancerClass: "tailscale" } })),
        finds: [["loadbalancer-class-kube-vip", /^Service apps\/tailnet-0 asks for loadBalancerClass tailscale: another controller, not kube-vip/]],
    },
    {
        cls: 7, what: "a Service of kube-vip's own loadBalancerClass pinning a free address of the pool",
        add: () => lbService("lan", "apps", { annotations: pin("192.168.1.236"), spec: { loadBalancerClass: "kube-vip.io/kube-vip-class" } }),
        passes: [],
    },
    {
        cls: 7, what: "eight LoadBalancer Services of kube-vip's own loadBalancerClass",
        add: () => Array.from({ length: 8 }, (_, i) => lbService(`lan-${i}`, "apps", { spec: { loadBalancerClass: "kube-vip.io/kube-vip-class" } })),
        // Pinned in the stack: Traefik's two VIPs and the two Pi-holes' (their Applications' values).
        finds: [["loadbalancer-pool-capacity", /holds 9 addresses; 6 are pinned or reserved and 8 Services will ask for one .* so 5 would stay <pending>/]],
    },
    {
        cls: 7, what: "eight LoadBalancer Services without a class",
        add: () => Array.from({ length: 8 }, (_, i) => lbService(`plain-${i}`, "apps")),
        finds: [["loadbalancer-pool-capacity", /6 are pinned or reserved and 8 Services will ask for one/]],
    },
    {
        cls: 7, what: "two Services sharing an address, allowed by a ConfigMapPatch on kubevip",
        add: () => {
            configMapPatch("kubevip", { "allow-share-apps": "true" });
            lbService("dns-udp", "apps", { annotations: pin("192.168.1.236") });
            lbService("dns-tcp", "apps", { annotations: pin("192.168.1.236"), spec: { ports: [{ port: 53, protocol: "TCP" }] } });
        },
        passes: [],
    },
    {
        cls: 7, what: "two Services sharing an address without allow-share",
        add: () => {
            lbService("dns-udp", "apps", { annotations: pin("192.168.1.236") });
            lbService("dns-tcp", "apps", { annotations: pin("192.168.1.236"), spec: { ports: [{ port: 53, protocol: "TCP" }] } });
        },
        finds: [["unique-loadbalancer-addresses", /192\.168\.1\.236 is pinned by 2 Services: Service apps\/dns-udp; Service apps\/dns-tcp/]],
    },
];

// ---------------------------------------------------------------------------
// Running a case both ways

const line = (v: { policy: string; enforcementLevel: string; message: string }) => `${v.policy} [${v.enforcementLevel}]: ${v.message}`;

/**
 * The cases whose served verdict is compared with the in-process one: the
 * first rogue and the first harmless case of each class, and the first case
 * of each way a case reaches the pack (an edit of the stack's resources,
 * props no SDK call produces such as an unknown, a changed network config,
 * another stack's reservations). The served pack differs from the in-process
 * runner only in transport and config handling, and the sample crosses each
 * of them; it depends on the catalogue alone, so a run is repeatable. Every
 * case still runs in-process.
 */
function servedSample(catalogue: readonly Case[]): Set<number> {
    const sample = new Set<number>();
    const firstOf = new Set<string>();
    catalogue.forEach((c, i) => {
        const kinds = [
            `${c.cls}`, `${c.cls} ${c.finds === undefined ? "harmless" : "rogue"}`,
            ...(c.edit === undefined ? [] : ["edit"]), ...(c.raw === undefined ? [] : ["raw"]),
            ...(c.network === undefined ? [] : ["network"]), ...(c.reserve === undefined ? [] : ["reserve"]),
        ];
        if (kinds.some(k => !firstOf.has(k))) {
            sample.add(i);
        }
        kinds.forEach(k => firstOf.add(k));
    });
    return sample;
}

describe("a catalogue of careless pull requests, through the in-process runner and the pack served over gRPC", function () {
    // The served pack test files share: run-policy-pack type-checks it before it serves.
    this.timeout(90000);
    let home: PolicyInput[];
    /** The fixture home stack's pack config as npm run policy-config writes it; each case edits a copy. */
    let homeConfig = "";
    const servedQueue = new ServedQueue(line);

    before(async () => {
        homeConfig = renderPolicyPackConfig(STACKS, "home");
        home = (await runProgram("home")).resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent === "" ? undefined : r.parent, props: r.inputs }));
    });

    function packConfig(network: Record<string, string> = {}, reserve: Array<{ address: string; holder: { kind: string; name: string } }> = []): PolicyPackConfig {
        const config = JSON.parse(homeConfig) as Record<string, Record<string, unknown>>;
        for (const entry of Object.values(config)) {
            for (const [key, value] of Object.entries(network)) {
                if (key in entry) {
                    entry[key] = value;
                }
            }
            if (Array.isArray(entry.reservations)) {
                entry.reservations = [...entry.reservations, ...reserve];
            }
        }
        return config;
    }

    const counts = new Map<number, { rogue: number; harmless: number }>();
    const sample = servedSample(CATALOGUE);
    for (const [index, c] of CATALOGUE.entries()) {
        const overGrpc = sample.has(index);
        const tally = counts.get(c.cls) ?? { rogue: 0, harmless: 0 };
        tally[c.finds !== undefined ? "rogue" : "harmless"]++;
        counts.set(c.cls, tally);

        it(`${c.finds !== undefined ? "refuses" : "passes"} ${c.what} (class ${c.cls})${overGrpc ? ", and queues it for the served pack" : ""}`, async () => {
            const extra = [...(c.add === undefined ? [] : await record(c.add)), ...(c.raw ?? [])];
            const resources = [...(c.edit === undefined ? home : home.map(r => ({ ...r, props: structuredClone(r.props) }))), ...extra];
            c.edit?.(resources);
            const config = packConfig(c.network, c.reserve);
            const inProcess: Violation[] = await runPolicies(resources, config);
            if (overGrpc) {
                await servedQueue.queue(`case ${index} (${c.what})`, resources, config as Record<string, Record<string, unknown>>, inProcess.map(line));
            }

            const report = inProcess.map(line).join("\n") || "(nothing)";
            if (c.finds !== undefined) {
                for (const [policy, message, level = "mandatory"] of c.finds) {
                    assert.ok(inProcess.some(v => v.policy === policy && v.enforcementLevel === level && message.test(v.message)),
                        `expected ${policy} [${level}] ~ ${message}; found:\n${report}`);
                }
            } else {
                assert.deepStrictEqual(inProcess.filter(v => v.enforcementLevel === "mandatory").map(line), [], `a harmless change was refused:\n${report}`);
                assert.deepStrictEqual([...new Set(inProcess.map(v => v.policy))].sort(), [...(c.passes ?? [])].sort(), `unexpected advisories:\n${report}`);
            }
        });
    }

    it("gets from the served pack, on every case of the sample, what the in-process runner found", async () => {
        assert.strictEqual(servedQueue.size, sample.size, "a sampled case did not reach the queue (its own test failed first)");
        assert.deepStrictEqual(await servedQueue.disagreements(), [], "the served pack and the in-process runner disagree");
    });

    it("serves a sample that reaches every class, rogue and harmless cases, each way a case reaches the pack, and no more than a fifth of the catalogue", () => {
        const served = [...sample].map(i => CATALOGUE[i]);
        for (const way of ["edit", "raw", "network", "reserve"] as const) {
            assert.ok(served.some(c => c[way] !== undefined), `no served case has ${way}`);
        }
        assert.deepStrictEqual([...new Set(served.map(c => c.cls))].sort(), [...counts.keys()].sort());
        for (const [cls, tally] of counts) {
            assert.strictEqual(served.some(c => c.cls === cls && c.finds !== undefined), tally.rogue > 0, `class ${cls} rogue`);
            assert.strictEqual(served.some(c => c.cls === cls && c.finds === undefined), tally.harmless > 0, `class ${cls} harmless`);
        }
        assert.ok(sample.size <= Math.ceil(CATALOGUE.length / 5), `${sample.size} of ${CATALOGUE.length} cases served`);
    });

    it("holds at least two rogue cases for every class of mistake, and a harmless one for every false positive", () => {
        for (const cls of [1, 2, 3, 4, 5, 6, 7]) {
            assert.ok((counts.get(cls)?.rogue ?? 0) >= 2, `class ${cls} has fewer than two rogue cases`);
        }
        assert.ok((counts.get(7)?.harmless ?? 0) >= 2, "each false positive of class 7 needs a passing case");
    });
});

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { NetworkConfig } from "../../policy/networkConfig";
import { loadBalancerAddressInPool, loadBalancerServices, uniqueLoadBalancerAddresses } from "../../policy/addresses";
import { ciliumDatapathInvariants, podCidrSeparation } from "../../policy/cilium";
import { applicationsHaveNetworkPolicies, isolation } from "../../policy/isolation";
import { worldIngressOnOwnedPorts } from "../../policy/reachability";
import { controlPlaneVipPlacement, kubeVipImagesPinned } from "../../policy/kubeVip";
import { loadBalancerPoolCapacity, loadBalancerPoolPlacement } from "../../policy/pools";
import { parseGoBool } from "../../policy/goBool";
import { chartName, goTruthy } from "../../policy/readers";
import { policyConfigPath, policyPackConfigOf, renderPolicyPackConfig } from "../../scripts/policyConfig";
import { PolicyInput, runPolicies } from "../../scripts/policyRunner";
import { StackFileError, listStacks, loadStackConfig } from "../../scripts/stackFiles";
import { EARLY_TIMEOUT, inTempDir, runCommand, startEarly } from "../early";
import { ProgramRun, REPO_ROOT, STACKS, plan, runProgram } from "../harness";

/** The home network, as policy/config/home.json gives it to the pack. */
const HOME_NETWORK: NetworkConfig = {
    lan: "192.168.1.0/24",
    lanGateway: "",
    dhcpScope: "",
    controlPlaneVip: "192.168.1.230",
    loadBalancerPool: "192.168.1.231-192.168.1.239",
    podCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    reservations: [],
    argoCdAllowBranchRevisions: false,
};
const homePackConfig = (): Record<string, any> => JSON.parse(renderPolicyPackConfig(STACKS, "home"));

type ResourcePolicy = typeof loadBalancerAddressInPool;
type StackPolicy = typeof uniqueLoadBalancerAddresses;

/** Runs one resource policy over one resource; returns the violation messages. */
async function check(policy: ResourcePolicy, type: string, props: Record<string, any>, network: Partial<NetworkConfig> = {}): Promise<string[]> {
    const messages: string[] = [];
    const validate = policy.validateResource as (args: any, report: (m: string) => void) => Promise<void> | void;
    await validate({
        type, name: "r", urn: `urn:pulumi:s::p::${type}::r`, props, opts: {}, stackTags: new Map(),
        getConfig: () => ({ ...HOME_NETWORK, ...network }),
        notApplicable: () => { throw new Error("n/a"); },
        isType: () => false, asType: () => undefined,
    }, m => messages.push(m));
    return messages;
}

async function checkStack(policy: StackPolicy, resources: Array<{ type: string; props: Record<string, any> }>, network: Partial<NetworkConfig> = {}): Promise<string[]> {
    const messages: string[] = [];
    await policy.validateStack({
        resources: resources.map((r, i) => ({ ...r, name: `r${i}`, urn: `urn:${i}`, opts: {}, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined })) as any,
        stackTags: new Map(),
        getConfig: () => ({ ...HOME_NETWORK, ...network }) as any,
        notApplicable: () => { throw new Error("n/a"); },
    }, m => messages.push(m));
    return messages;
}

const SERVICE = "kubernetes:core/v1:Service";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const lbService = (name: string, ip?: string, field: "annotation" | "spec" = "annotation") => ({
    metadata: { name, namespace: "apps", annotations: ip !== undefined && field === "annotation" ? { "kube-vip.io/loadbalancerIPs": ip } : {} },
    spec: { type: "LoadBalancer", ...(ip !== undefined && field === "spec" ? { loadBalancerIP: ip } : {}) },
});
const traefikRelease = (first: string, second: string) => ({
    name: "traefik", namespace: "traefik", chart: "traefik",
    values: {
        service: {
            spec: { type: "LoadBalancer" }, annotations: { "kube-vip.io/loadbalancerIPs": first },
            additionalServices: { vip239: { spec: { type: "LoadBalancer" }, annotations: { "kube-vip.io/loadbalancerIPs": second } } },
        },
    },
});
const kubeVipDs = (env: Record<string, string>, image = "ghcr.io/kube-vip/kube-vip:v1.0.2") => ({
    metadata: { name: "kube-vip-control-plane" },
    spec: { template: { spec: { containers: [{ image, env: Object.entries(env).map(([name, value]) => ({ name, value })) }] } } },
});
const ciliumRelease = (values: Record<string, unknown>) => ({
    name: "cilium", chart: "cilium",
    values: { encryption: { enabled: true, type: "wireguard" }, l2announcements: { enabled: false }, ipam: { operator: { clusterPoolIPv4PodCIDRList: ["10.42.0.0/16"] } }, ...values },
});

describe("policy loadbalancer-address-in-pool", () => {
    it("passes a Service pinned inside the pool, and one that pins nothing", async () => {
        assert.deepStrictEqual(await check(loadBalancerAddressInPool, SERVICE, lbService("a", "192.168.1.235")), []);
        assert.deepStrictEqual(await check(loadBalancerAddressInPool, SERVICE, lbService("a")), []);
    });

    it("names the Service, the address, the pool and the fix when it pins outside", async () => {
        const [message] = await check(loadBalancerAddressInPool, SERVICE, lbService("web", "192.168.1.50"));
        assert.match(message, /Service apps\/web pins 192\.168\.1\.50, outside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239.*Fix: pin a free address/);
    });

    it("reads the deprecated spec.loadBalancerIP too", async () => {
        assert.strictEqual((await check(loadBalancerAddressInPool, SERVICE, lbService("old", "192.168.1.10", "spec"))).length, 1);
    });

    it("reads the Services a Helm release will render, additional ones included", async () => {
        assert.deepStrictEqual(await check(loadBalancerAddressInPool, RELEASE, traefikRelease("192.168.1.231", "192.168.1.239")), []);
        const [message] = await check(loadBalancerAddressInPool, RELEASE, traefikRelease("192.168.1.231", "192.168.1.240"));
        assert.match(message, /Service traefik\/traefik-vip239 \(from Helm release traefik\) pins 192\.168\.1\.240/);
    });

    it("types a release's Services as the Traefik chart does: main one LoadBalancer by default, additional ones by their own spec only", () => {
        const owners = (service: Record<string, unknown>, version?: string) =>
            loadBalancerServices({ type: RELEASE, name: "r", props: { name: "traefik", namespace: "traefik", chart: "traefik", version, values: { service } } }).map(s => s.owner);
        const pin = (ip: string) => ({ "kube-vip.io/loadbalancerIPs": ip });
        assert.deepStrictEqual(owners({ annotations: pin("192.168.1.231") }), ["Service traefik/traefik (from Helm release traefik)"]);
        assert.deepStrictEqual(owners({ spec: { type: "ClusterIP" }, additionalServices: { internal: { annotations: pin("192.168.1.240") } } }), [],
            "an additional Service without spec.type renders as ClusterIP and pins nothing");
        assert.deepStrictEqual(owners({ spec: { type: "ClusterIP" }, additionalServices: { old: { type: "LoadBalancer" } } }, "39.0.9"), ["Service traefik/traefik-old (from Helm release traefik)"],
            "chart 39 reads the type beside spec");
        assert.deepStrictEqual(owners({ spec: { type: "ClusterIP" }, additionalServices: { old: { type: "LoadBalancer" } } }, "41.3.0"), [],
            "chart 41 ignores the type beside spec: the additional Service renders as ClusterIP");
    });

    it("follows the pool of the pack's config, not the home default", async () => {
        assert.strictEqual((await check(loadBalancerAddressInPool, SERVICE, lbService("a", "10.20.1.25"), { lan: "10.20.0.0/23", loadBalancerPool: "10.20.1.20-10.20.1.40" })).length, 0);
    });
});

describe("policy control-plane-vip-placement", () => {
    const DS = "kubernetes:apps/v1:DaemonSet";
    it("passes the home API VIP", async () => {
        assert.deepStrictEqual(await check(controlPlaneVipPlacement, DS, kubeVipDs({ cp_enable: "true", address: "192.168.1.230" })), []);
    });
    it("refuses an API VIP inside the pool", async () => {
        const [message] = await check(controlPlaneVipPlacement, DS, kubeVipDs({ cp_enable: "true", address: "192.168.1.233" }));
        assert.match(message, /API VIP 192\.168\.1\.233, inside the LoadBalancer pool.*Fix:/);
    });
    it("refuses an API VIP outside the LAN", async () => {
        assert.match((await check(controlPlaneVipPlacement, DS, kubeVipDs({ cp_enable: "true", address: "10.0.0.5" })))[0], /outside the LAN 192\.168\.1\.0\/24/);
    });
    it("ignores the services role, which holds no fixed address", async () => {
        assert.deepStrictEqual(await check(controlPlaneVipPlacement, DS, kubeVipDs({ svc_enable: "true" })), []);
    });
    it("checks the address kube-vip announces: address where both are set, whatever vip_address says", async () => {
        assert.deepStrictEqual(await check(controlPlaneVipPlacement, DS, kubeVipDs({ cp_enable: "true", address: "192.168.1.230", vip_address: "192.168.1.233" })), []);
        const messages = await check(controlPlaneVipPlacement, DS, kubeVipDs({ cp_enable: "True", address: "192.168.1.233", vip_address: "192.168.1.230" }));
        assert.ok(messages.some(m => /advertises 192\.168\.1\.233 \(address\) as the API VIP/.test(m)), messages.join("\n"));
        assert.ok(messages.every(m => !m.includes("vip_address")), messages.join("\n"));
    });
});

describe("policy loadbalancer-pool-placement", () => {
    const CM = "kubernetes:core/v1:ConfigMap";
    const pool = (data: Record<string, string>, name = "kubevip") => ({ metadata: { name, namespace: "kube-system" }, data });
    it("passes the home pool", async () => {
        assert.deepStrictEqual(await check(loadBalancerPoolPlacement, CM, pool({ "range-global": "192.168.1.231-192.168.1.239" })), []);
    });
    it("refuses a pool inside the DHCP scope, naming the key and the scope", async () => {
        const [message] = await check(loadBalancerPoolPlacement, CM, pool({ "range-global": "192.168.1.231-192.168.1.239" }), { dhcpScope: "192.168.1.100-192.168.1.235" });
        assert.match(message, /key range-global = 192\.168\.1\.231-192\.168\.1\.239 overlaps the router's DHCP scope 192\.168\.1\.100-192\.168\.1\.235/);
    });
    it("refuses a CIDR pool that covers the broadcast and gateway addresses", async () => {
        const messages = await check(loadBalancerPoolPlacement, CM, pool({ "cidr-global": "192.168.1.248/29" }), { lanGateway: "192.168.1.254" });
        assert.ok(messages.some(m => /broadcast address/.test(m)));
        assert.ok(messages.some(m => /includes 192\.168\.1\.254, the gateway's address/.test(m)));
    });
    it("refuses a pool that holds the API VIP, and an unparsable one", async () => {
        assert.ok((await check(loadBalancerPoolPlacement, CM, pool({ "range-global": "192.168.1.225-192.168.1.235" }))).some(m => /includes the API VIP/.test(m)));
        assert.match((await check(loadBalancerPoolPlacement, CM, pool({ "range-apps": "192.168.1.239-192.168.1.231" })))[0], /key range-apps: .*ends before it starts/);
    });
    it("ignores other ConfigMaps", async () => {
        assert.deepStrictEqual(await check(loadBalancerPoolPlacement, CM, pool({ "range-global": "1.1.1.1-1.1.1.2" }, "other")), []);
    });
});

describe("policy pod-cidr-separation", () => {
    it("passes 10.42.0.0/16 against the home LAN and service CIDR", async () => {
        assert.deepStrictEqual(await check(podCidrSeparation, RELEASE, ciliumRelease({})), []);
    });
    it("refuses a pod CIDR overlapping the LAN", async () => {
        const [message] = await check(podCidrSeparation, RELEASE, ciliumRelease({ ipam: { operator: { clusterPoolIPv4PodCIDRList: ["192.168.0.0/16"] } } }));
        assert.match(message, /pod CIDR 192\.168\.0\.0\/16, overlapping the LAN 192\.168\.1\.0\/24/);
    });
    it("refuses a pod CIDR overlapping the service CIDR", async () => {
        assert.match((await check(podCidrSeparation, RELEASE, ciliumRelease({ ipam: { operator: { clusterPoolIPv4PodCIDRList: ["10.43.0.0/24"] } } })))[0], /overlapping the Service CIDR 10\.43\.0\.0\/16/);
    });
});

describe("policy cilium-l2-off-wireguard-on", () => {
    it("passes the datapath the program deploys: kube-proxy replacement, WireGuard on, L2 announcements off", async () => {
        assert.deepStrictEqual(await check(ciliumDatapathInvariants, RELEASE, ciliumRelease({})), []);
    });
    it("refuses L2 announcements", async () => {
        assert.match((await check(ciliumDatapathInvariants, RELEASE, ciliumRelease({ l2announcements: { enabled: true } })))[0], /enables l2announcements.*Fix: set l2announcements\.enabled to false/);
    });
    it("refuses WireGuard off, or IPsec in its place", async () => {
        assert.match((await check(ciliumDatapathInvariants, RELEASE, ciliumRelease({ encryption: { enabled: false } })))[0], /in clear/);
        assert.strictEqual((await check(ciliumDatapathInvariants, RELEASE, ciliumRelease({ encryption: { enabled: true, type: "ipsec" } }))).length, 1);
    });
    it("ignores other charts", async () => {
        assert.deepStrictEqual(await check(ciliumDatapathInvariants, RELEASE, { chart: "traefik", values: {} }), []);
    });
});

describe("policy kube-vip-images-pinned (advisory)", () => {
    const DS = "kubernetes:apps/v1:DaemonSet";
    it("passes a tag and a digest, flags latest and no tag", async () => {
        assert.deepStrictEqual(await check(kubeVipImagesPinned, DS, kubeVipDs({}, "ghcr.io/kube-vip/kube-vip:v1.0.2")), []);
        assert.deepStrictEqual(await check(kubeVipImagesPinned, DS, kubeVipDs({}, `ghcr.io/kube-vip/kube-vip@sha256:${"a".repeat(64)}`)), []);
        assert.match((await check(kubeVipImagesPinned, DS, kubeVipDs({}, "ghcr.io/kube-vip/kube-vip:latest")))[0], /not pinned/);
        assert.strictEqual((await check(kubeVipImagesPinned, DS, kubeVipDs({}, "ghcr.io/kube-vip/kube-vip"))).length, 1);
        assert.strictEqual(kubeVipImagesPinned.enforcementLevel, "advisory");
    });
});

describe("stack policy unique-loadbalancer-addresses", () => {
    it("names every Service that pins a shared address", async () => {
        const [message] = await checkStack(uniqueLoadBalancerAddresses, [
            { type: SERVICE, props: lbService("a", "192.168.1.235") },
            { type: RELEASE, props: traefikRelease("192.168.1.235", "192.168.1.239") },
        ]);
        assert.match(message, /192\.168\.1\.235 is pinned by 2 Services: Service apps\/a; Service traefik\/traefik \(from Helm release traefik\)/);
    });
    it("allows sharing when the kubevip ConfigMap says so", async () => {
        assert.deepStrictEqual(await checkStack(uniqueLoadBalancerAddresses, [
            { type: SERVICE, props: lbService("a", "192.168.1.235") },
            { type: SERVICE, props: lbService("b", "192.168.1.235") },
            { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "kubevip", namespace: "kube-system" }, data: { "allow-share-apps": "true" } } },
        ]), []);
    });

    it("lets only the namespaces the ConfigMap names share, as the cloud provider reads it", async () => {
        const kubevip = (data: Record<string, string>) => ({ type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "kubevip", namespace: "kube-system" }, data } });
        const sharedWithTraefik = [{ type: SERVICE, props: lbService("a", "192.168.1.231") }, { type: RELEASE, props: traefikRelease("192.168.1.231", "192.168.1.239") }];
        // allow-share-apps says nothing for the traefik namespace.
        const [message] = await checkStack(uniqueLoadBalancerAddresses, [...sharedWithTraefik, kubevip({ "allow-share-apps": "true" })]);
        assert.match(message, /let traefik share with allow-share-<namespace>/);
        assert.deepStrictEqual(await checkStack(uniqueLoadBalancerAddresses, [...sharedWithTraefik, kubevip({ "allow-share-global": "true" })]), []);
        // A namespace's own key overrides the global one, and "false" is false.
        assert.strictEqual((await checkStack(uniqueLoadBalancerAddresses, [...sharedWithTraefik, kubevip({ "allow-share-global": "true", "allow-share-apps": "false" })])).length, 1);
        assert.strictEqual((await checkStack(uniqueLoadBalancerAddresses, [...sharedWithTraefik, kubevip({ "allow-share-global": "false" })])).length, 1);
    });
});

describe("stack policy loadbalancer-pool-capacity", () => {
    it("counts pinned addresses and Services that will ask for one", async () => {
        const services = Array.from({ length: 3 }, (_, i) => ({ type: SERVICE, props: lbService(`s${i}`) }));
        assert.deepStrictEqual(await checkStack(loadBalancerPoolCapacity, [{ type: RELEASE, props: traefikRelease("192.168.1.231", "192.168.1.232") }, ...services], { loadBalancerPool: "192.168.1.231-192.168.1.235" }), []);
        const [message] = await checkStack(loadBalancerPoolCapacity, [{ type: RELEASE, props: traefikRelease("192.168.1.231", "192.168.1.232") }, ...services, { type: SERVICE, props: lbService("s3") }], { loadBalancerPool: "192.168.1.231-192.168.1.235" });
        assert.match(message, /holds 5 addresses; 2 are pinned or reserved and 4 Services will ask for one .* so 1 would stay <pending>/);
    });

    it("counts an address an Application owns as taken, though its Service is not in the stack (Argo CD creates it)", async () => {
        const services = Array.from({ length: 3 }, (_, i) => ({ type: SERVICE, props: lbService(`s${i}`) }));
        const reserved = { reservations: [{ address: "192.168.1.233", holder: { kind: "application", name: "emby" }, namespace: "media", ports: [{ port: 8096, protocol: "TCP" }] }] };
        const [message] = await checkStack(loadBalancerPoolCapacity, [{ type: RELEASE, props: traefikRelease("192.168.1.231", "192.168.1.232") }, ...services], { loadBalancerPool: "192.168.1.231-192.168.1.235", ...reserved } as any);
        assert.match(message, /holds 5 addresses; 3 are pinned or reserved and 3 Services will ask for one .* so 1 would stay <pending>/);
    });

    it("does not count another chart's ClusterIP Service (values.service without a type) as asking for an address", async () => {
        const podinfo = { type: RELEASE, props: { name: "podinfo", namespace: "apps", chart: "podinfo", values: { service: { port: 9898 } } } };
        const services = Array.from({ length: 3 }, (_, i) => ({ type: SERVICE, props: lbService(`s${i}`) }));
        assert.deepStrictEqual(await checkStack(loadBalancerPoolCapacity, [podinfo, ...services], { loadBalancerPool: "192.168.1.231-192.168.1.233" }), []);
    });
});

describe("stack policy applications-have-network-policies", () => {
    const app = (ns: string) => ({ type: "kubernetes:argoproj.io/v1alpha1:Application", props: { metadata: { name: `app-${ns}` }, spec: { destination: { namespace: ns } } } });
    const cnp = (ns: string, spec: Record<string, unknown>) => ({ type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy", props: { metadata: { namespace: ns }, spec } });
    it("passes when the destination namespace is default-deny", async () => {
        assert.deepStrictEqual(await checkStack(applicationsHaveNetworkPolicies, [app("web"), cnp("web", { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] })]), []);
    });
    it("refuses an Application whose namespace has no policy, or only a narrow one", async () => {
        assert.match((await checkStack(applicationsHaveNetworkPolicies, [app("web")]))[0], /Application app-web deploys into namespace web, which has no default deny for ingress and egress/);
        assert.strictEqual((await checkStack(applicationsHaveNetworkPolicies, [app("web"), cnp("web", { endpointSelector: { matchLabels: { a: "b" } }, ingress: [{}], egress: [{}] })])).length, 1);
        // Default deny means both directions: an ingress-only policy leaves egress open.
        assert.strictEqual((await checkStack(applicationsHaveNetworkPolicies, [app("web"), cnp("web", { endpointSelector: { matchLabels: {} }, ingress: [{}] })])).length, 1);
        assert.strictEqual((await checkStack(applicationsHaveNetworkPolicies, [app("web"), cnp("other", { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] })])).length, 1);
    });
});

describe("the policy pack over whole stacks", () => {
    const inputs = (run: ProgramRun): PolicyInput[] => run.resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));

    // The user's own stacks, as their files stand: they plan clean.
    for (const stack of ["home", "lab"]) {
        it(`finds no violation in the ${stack} stack`, async () => {
            const result = await plan(stack, {}, undefined, REPO_ROOT);
            assert.deepStrictEqual(result.violations, []);
            assert.strictEqual(result.exitCode, 0);
        });
    }

    // Broken stacks: the home stack's resources with one mistake each, as a
    // hand edit, an upstream default or another program could introduce.
    let home: ProgramRun;
    before(async () => {
        home = await runProgram("home");
    });
    const mutate = (edit: (r: PolicyInput) => void): PolicyInput[] => {
        const copy = inputs(home).map(r => ({ ...r, props: structuredClone(r.props) }));
        copy.forEach(edit);
        return copy;
    };
    const chart = (r: PolicyInput, name: string) => r.type === RELEASE && r.props.chart === name;
    const homeWithDhcp = (): Record<string, any> => {
        const config = JSON.parse(renderPolicyPackConfig(STACKS, "home"));
        Object.values(config).forEach((c: any) => { c.dhcpScope = "192.168.1.100-192.168.1.199"; });
        return config;
    };
    const catalogue: Array<[string, (r: PolicyInput) => void, string, RegExp, (() => Record<string, any>)?]> = [
        ["a pinned IP outside the pool", r => { if (chart(r, "traefik")) r.props.values.service.annotations["kube-vip.io/loadbalancerIPs"] = "192.168.1.20"; }, "loadbalancer-address-in-pool", /traefik\/traefik .*pins 192\.168\.1\.20/],
        ["duplicate IPs", r => { if (chart(r, "traefik")) r.props.values.service.additionalServices.vip239.annotations["kube-vip.io/loadbalancerIPs"] = "192.168.1.231"; }, "unique-loadbalancer-addresses", /192\.168\.1\.231 \(the address of Traefik Service traefik\) is pinned by 2 Services/],
        ["the API VIP in the pool", r => { if (r.name === "kube-vip-control-plane-ds") r.props.spec.template.spec.containers[0].env.find((e: any) => e.name === "address").value = "192.168.1.232"; }, "control-plane-vip-placement", /inside the LoadBalancer pool/],
        ["the pool in the DHCP scope", r => { if (r.name === "kube-vip-cloud-provider-pool") r.props.data["range-global"] = "192.168.1.100-192.168.1.110"; }, "loadbalancer-pool-placement", /key range-global = 192\.168\.1\.100-192\.168\.1\.110 overlaps the router's DHCP scope/, homeWithDhcp],
        ["the pod CIDR overlapping the LAN", r => { if (chart(r, "cilium")) r.props.values.ipam.operator.clusterPoolIPv4PodCIDRList = ["192.168.0.0/16"]; }, "pod-cidr-separation", /overlapping the LAN/],
        ["L2 announcements on", r => { if (chart(r, "cilium")) r.props.values.l2announcements.enabled = true; }, "cilium-l2-off-wireguard-on", /enables l2announcements/],
        ["WireGuard off", r => { if (chart(r, "cilium")) r.props.values.encryption.enabled = false; }, "cilium-l2-off-wireguard-on", /encryption/],
    ];
    for (const [what, edit, policy, message, packConfig] of catalogue) {
        it(`catches ${what} (${policy})`, async () => {
            const violations = await runPolicies(mutate(edit), packConfig?.() ?? JSON.parse(renderPolicyPackConfig(STACKS, "home")));
            assert.ok(violations.some(v => v.policy === policy && message.test(v.message) && v.enforcementLevel === "mandatory"),
                `expected ${policy} ~ ${message}; got ${JSON.stringify(violations, null, 1)}`);
        });
    }

    it("catches an Application without policies", async () => {
        const withApp = [...inputs(home), { type: "kubernetes:argoproj.io/v1alpha1:Application", name: "stray", urn: "urn:stray", props: { metadata: { name: "stray", namespace: "argocd" }, spec: { destination: { namespace: "stray" } } } }];
        const violations = await runPolicies(withApp, homePackConfig());
        assert.deepStrictEqual(violations.map(v => v.policy), ["applications-have-network-policies"]);
        assert.match(violations[0].message, /namespace stray/);
    });

    it("honours enforcement levels from the pack config, down to disabled", async () => {
        const edit = (r: PolicyInput) => { if (chart(r, "cilium")) r.props.values.l2announcements.enabled = true; };
        assert.deepStrictEqual((await runPolicies(mutate(edit), { ...homePackConfig(), "cilium-l2-off-wireguard-on": "advisory" })).map(v => v.enforcementLevel), ["advisory"]);
        assert.deepStrictEqual(await runPolicies(mutate(edit), { ...homePackConfig(), "cilium-l2-off-wireguard-on": { enforcementLevel: "disabled" } }), []);
    });
});

describe("the offline plan", () => {
    it("prints the address plan with each pinned address and its owner, and the free ones", async () => {
        const result = await plan("home");
        assert.match(result.report, /192\.168\.1\.239 +Traefik Service traefik-vip239: pinned by Service traefik\/traefik-vip239 \(from Helm release traefik\)/);
        // The home stack's Applications own .232, .233, .235 and .238: the cloud provider keeps the rest.
        assert.match(result.report, /pool +192\.168\.1\.231-192\.168\.1\.239 \(9 addresses, 6 owned\)/);
        assert.match(result.report, /192\.168\.1\.232 +Application pihole \(workload pihole, namespace dns\): 53\/UDP, 53\/TCP/);
        assert.match(result.report, /unpinned +3: 192\.168\.1\.234, 192\.168\.1\.236-192\.168\.1\.237 \(the cloud provider's range-global\)/);
        assert.match(result.report, /gateway +not set/);
        assert.match(result.report, /Cilium +cilium +5 +Release, Command, 3 CiliumNetworkPolicy/);
        assert.match(result.diagram!, /```mermaid\n(.*\n)*flowchart LR/);
        assert.match(result.diagram!, /<b>192\.168\.1\.239<\/b><br\/>Service traefik-vip239<br\/>web239, websecure239/);
    });

    it("exits 2 with the config error on a stack with a typo", async () => {
        const result = await plan("home", { ingressVip: "192.168.1.2311" });
        assert.strictEqual(result.exitCode, 2);
        assert.match(result.report, /homelab-network:ingressVip = "192\.168\.1\.2311"/);
    });

    it("exits 2, not with a stack trace, when the stack file itself is wrong", async () => {
        const missing = await plan("no-such-stack");
        assert.strictEqual(missing.exitCode, 2);
        assert.match(missing.report, /There is no Pulumi\.no-such-stack\.yaml; the stacks here are: home, lab/);

        const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        const home = fs.readFileSync(path.join(STACKS, "Pulumi.home.yaml"), "utf8");
        fs.writeFileSync(path.join(root, "Pulumi.typo.yaml"), home.replace("homelab-network:controlPlaneVip:", "homelab-network:controlPlaneVIP:"));
        fs.writeFileSync(path.join(root, "Pulumi.near.yaml"), home.replace("homelab-network:ingressVip:", "homelab-network:ingresVip:"));
        fs.writeFileSync(path.join(root, "Pulumi.broken.yaml"), home.replace("  homelab-network:lan: 192.168.1.0/24", "  homelab-network:lan: [192.168.1.0/24"));
        assert.throws(() => loadStackConfig(root, "typo"), (e: Error) => e instanceof StackFileError && /sets homelab-network:controlPlaneVIP, .* did you mean homelab-network:controlPlaneVip\?/.test(e.message));
        assert.throws(() => loadStackConfig(root, "near"), (e: Error) => e instanceof StackFileError && /did you mean homelab-network:ingressVip\?/.test(e.message));
        assert.throws(() => loadStackConfig(root, "broken"), (e: Error) => e instanceof StackFileError && /Pulumi\.broken\.yaml is not valid YAML/.test(e.message));
        fs.rmSync(root, { recursive: true });
    });

    it("exits 1 on a mandatory violation, such as a pack config whose pool excludes the Traefik VIPs", async () => {
        const result = await plan("home", {}, { ...homePackConfig(), "loadbalancer-address-in-pool": { ...homePackConfig()["loadbalancer-address-in-pool"], loadBalancerPool: "192.168.1.232-192.168.1.238" } });
        assert.strictEqual(result.exitCode, 1);
        assert.match(result.report, /\[mandatory\] loadbalancer-address-in-pool: Service traefik\/traefik/);
    });

    // Started as mocha loads this file (test/early.ts).
    const fromCommandLine = startEarly(() => runCommand("npm", ["run", "--silent", "plan", "--", "--stack", "home", "--diagram", "out/test-topology-home.md"], { cwd: REPO_ROOT }));

    it("runs from the command line as the README says, and exits 0 for home", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { code, stdout, stderr } = await fromCommandLine;
        assert.strictEqual(code, 0, stderr);
        assert.match(stdout, /Policy violations: none/);
        assert.ok(fs.existsSync(`${REPO_ROOT}/out/test-topology-home.md`));
    });
});

describe("the pack as pulumi loads it", () => {
    // `pulumi policy publish` packages policy/ alone: run a copy outside the
    // repository whose node_modules holds only what policy/package.json
    // declares, until it prints its port. Started as mocha loads this file (test/early.ts).
    const fromCopy = startEarly(() => inTempDir("policy-pack-", copy => {
        for (const file of fs.readdirSync(path.join(REPO_ROOT, "policy")).filter(f => f.endsWith(".ts") || f.endsWith(".json") || f.endsWith(".yaml"))) {
            fs.copyFileSync(path.join(REPO_ROOT, "policy", file), path.join(copy, file));
        }
        const manifest = JSON.parse(fs.readFileSync(path.join(copy, "package.json"), "utf8"));
        for (const dependency of Object.keys(manifest.dependencies)) {
            fs.mkdirSync(path.dirname(path.join(copy, "node_modules", dependency)), { recursive: true });
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules", dependency), path.join(copy, "node_modules", dependency), "dir");
        }
        const tsNode = require.resolve("ts-node/register/transpile-only", { paths: [REPO_ROOT] });
        const pack = spawn(process.execPath, ["-r", tsNode, "index.ts"], { cwd: copy, stdio: ["ignore", "pipe", "pipe"] });
        return new Promise<{ stdout: string; stderr: string }>(resolve => {
            let stdout = "";
            let stderr = "";
            pack.stderr.on("data", chunk => (stderr += chunk));
            pack.stdout.on("data", chunk => {
                stdout += chunk;
                if (/^\d+\s/.test(stdout)) {
                    pack.kill();
                }
            });
            pack.on("exit", () => resolve({ stdout, stderr }));
        });
    }));

    it("starts from a copy of policy/ that sees only its declared dependencies, and serves the analyzer (it prints its port)", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { stdout, stderr } = await fromCopy;
        assert.match(stdout, /^\d+\s/, `no port printed; stderr: ${stderr}`);
    });

    it("imports nothing from outside policy/ that its own package.json does not declare", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy", "package.json"), "utf8"));
        const declared = new Set(Object.keys(manifest.dependencies));
        for (const file of fs.readdirSync(path.join(REPO_ROOT, "policy")).filter(f => f.endsWith(".ts"))) {
            const source = fs.readFileSync(path.join(REPO_ROOT, "policy", file), "utf8");
            for (const [, specifier] of source.matchAll(/(?:from\s+|import\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g)) {
                if (specifier.startsWith(".")) {
                    assert.ok(specifier.startsWith("./"), `${file} imports ${specifier}, outside the pack`);
                } else if (!specifier.startsWith("node:")) {
                    const pkg = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
                    assert.ok(declared.has(pkg), `${file} imports ${pkg}, which policy/package.json does not declare`);
                }
            }
        }
    });
});

describe("the pack's per-stack config files", () => {
    for (const stack of listStacks(REPO_ROOT)) {
        it(`policy/config/${stack}.json matches Pulumi.${stack}.yaml (npm run policy-config regenerates it)`, () => {
            assert.strictEqual(fs.readFileSync(policyConfigPath(REPO_ROOT, stack), "utf8"), renderPolicyPackConfig(REPO_ROOT, stack));
        });
    }
});

describe("the pack's reservations", () => {
    it("lists the lab's Traefik VIPs under the names the program gives their Services, and its Pi-hole's address under its Application, each with the namespace and pod ports behind it", () => {
        const config = JSON.parse(renderPolicyPackConfig(STACKS, "lab"));
        assert.deepStrictEqual(config["unique-loadbalancer-addresses"].reservations, [
            { address: "10.20.1.20", holder: { kind: "traefik", service: "traefik" }, namespace: "traefik", ports: [{ port: 8000, protocol: "TCP" }, { port: 8443, protocol: "TCP" }] },
            { address: "10.20.1.40", holder: { kind: "traefik", service: "traefik-vip40" }, namespace: "traefik", ports: [{ port: 8001, protocol: "TCP" }, { port: 8444, protocol: "TCP" }] },
            { address: "10.20.1.30", holder: { kind: "application", name: "pihole" }, namespace: "dns", ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
        ]);
    });

    it("lists an Application's own address with its namespace and ports, so world ingress can be matched to it", () => {
        const config = JSON.parse(JSON.stringify(policyPackConfigOf(STACKS, "home", {
            applications: [{ name: "emby", namespace: "media", repoURL: "https://git.example.org/a.git", path: "emby", targetRevision: "v1.0.0", loadBalancerAddresses: [{ address: "192.168.1.233", ports: [8096, 8920] }] }],
        })));
        assert.deepStrictEqual(config["world-ingress-on-owned-ports"].reservations[2], { address: "192.168.1.233", holder: { kind: "application", name: "emby" }, namespace: "media", ports: [{ port: 8096, protocol: "TCP" }, { port: 8920, protocol: "TCP" }] });
    });

    it("is one optional key, a list of {address, holder}, on the policies that describe or reserve addresses", () => {
        const schema = uniqueLoadBalancerAddresses.configSchema!;
        assert.strictEqual((schema.properties.reservations as { type: string }).type, "array");
        assert.deepStrictEqual(schema.required, []);
        assert.deepStrictEqual(controlPlaneVipPlacement.configSchema!.required, ["lan", "lanGateway", "dhcpScope", "controlPlaneVip", "loadBalancerPool"]);
    });

    it("refuses an entry that is no address, naming its owner", async () => {
        const config = homePackConfig();
        config["unique-loadbalancer-addresses"].reservations = [{ address: "192.168.1.2311", holder: { kind: "application", name: "podinfo" } }];
        await assert.rejects(runPolicies([], config), /unique-loadbalancer-addresses is invalid: reservations entry 0 \(Application podinfo\) has the address "192\.168\.1\.2311"/);
        config["unique-loadbalancer-addresses"].reservations = "192.168.1.236";
        await assert.rejects(runPolicies([], config), /unique-loadbalancer-addresses\.reservations is "192\.168\.1\.236", which is not of type array/);
    });
});

describe("how the pack reads charts, flags and selectors", () => {
    it("names a chart by its last segment, whatever the reference", () => {
        for (const reference of ["cilium", "cilium/cilium", "oci://quay.io/cilium/charts/cilium", "oci://quay.io/cilium/charts/cilium:1.19.6", "https://example.org/cilium-1.19.6.tgz", "./charts/cilium/"]) {
            assert.strictEqual(chartName(reference), "cilium", reference);
        }
        assert.strictEqual(chartName("oci://ghcr.io/traefik/helm/traefik"), "traefik");
        assert.strictEqual(chartName("argo/argo-cd"), "argo-cd");
    });

    it("reads booleans as Go does: ParseBool for kube-vip and Cilium's agent, template truth for chart values", () => {
        assert.deepStrictEqual(["True", "1", "t", "TRUE", "false", "0", "yes"].map(parseGoBool), [true, true, true, true, false, false, undefined]);
        assert.deepStrictEqual([true, "false", "", 0, [], {}, undefined].map(goTruthy), [true, true, false, false, false, false, false]);
    });

    it("counts a clusterwide policy that excludes only kube-system as every other namespace's default deny", () => {
        const [policy] = isolation({
            type: "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", name: "r",
            props: { metadata: { name: "apps" }, spec: { endpointSelector: { matchExpressions: [{ key: "k8s:io.kubernetes.pod.namespace", operator: "NotIn", values: ["kube-system"] }] }, ingress: [{}], egress: [{}] } },
        });
        assert.strictEqual(policy.covers("web"), true);
        assert.match(String(policy.covers("kube-system")), /leaves namespace kube-system out/);
        assert.deepStrictEqual(policy.denies, { ingress: true, egress: true });
    });

    it("reads a Kubernetes NetworkPolicy as Kubernetes does: an empty rule admits everyone", () => {
        const [policy] = isolation({
            type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: "r",
            props: { metadata: { name: "allow-all", namespace: "web" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [] } },
        });
        assert.match(String(policy.denies.ingress), /a rule without from, which admits everyone/);
        assert.strictEqual(policy.denies.egress, true);
    });
});

describe("stack policy world-ingress-on-owned-ports", () => {
    const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
    const policy = (namespace: string, ingress: unknown[]) => ({ type: CNP, props: { metadata: { name: "p", namespace }, spec: { endpointSelector: { matchLabels: { app: "emby" } }, ingress } } });
    const emby = { reservations: [{ address: "192.168.1.233", holder: { kind: "application", name: "emby" }, namespace: "media", ports: [{ port: 8096, protocol: "TCP" }, { port: 8920, protocol: "TCP" }] }] };

    it("passes LAN ingress on exactly the ports an address owned in the namespace serves", async () => {
        assert.deepStrictEqual(await checkStack(worldIngressOnOwnedPorts, [policy("media", [{ fromEntities: ["world", "cluster"], toPorts: [{ ports: [{ port: "8096", protocol: "TCP" }] }] }])], emby as any), []);
    });

    it("refuses LAN ingress on a port no owned address serves, naming the policy, the port and what the namespace owns", async () => {
        const [message] = await checkStack(worldIngressOnOwnedPorts, [policy("media", [{ fromEntities: ["world"], toPorts: [{ ports: [{ port: "22", protocol: "TCP" }] }] }])], emby as any);
        assert.match(message, /^CiliumNetworkPolicy media\/p lets the LAN in \(ingress\[0\]: fromEntities world \(the whole LAN\)\) to pods of namespace media on 22\/TCP, which none of the addresses owned in namespace media serves: 192\.168\.1\.233 \(namespace media, Application emby: 8096\/TCP, 8920\/TCP\)/);
    });

    it("refuses LAN ingress on every port, and 0.0.0.0/0 as much as world, in a namespace that owns nothing", async () => {
        const messages = await checkStack(worldIngressOnOwnedPorts, [policy("games", [{ fromCIDRSet: [{ cidr: "0.0.0.0/0" }] }])], emby as any);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /on every port, which no address owned in namespace games serves/);
    });
});

describe("stack policy applications-have-network-policies, for declared workloads", () => {
    const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
    const denyAll = { type: CNP, props: { metadata: { name: "default-deny", namespace: "monitoring" }, spec: { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] } } };
    const app = { type: "kubernetes:argoproj.io/v1alpha1:Application", props: {
        metadata: { name: "monitoring", namespace: "argocd", annotations: { "homelab-network/workloads": JSON.stringify([{ name: "grafana", selector: { "app.kubernetes.io/name": "grafana" } }, { name: "prometheus", selector: { "app.kubernetes.io/name": "prometheus" } }]) } },
        spec: { destination: { namespace: "monitoring" } },
    } };
    const own = (name: string) => ({ type: CNP, props: { metadata: { name: `app-monitoring.${name}`, namespace: "monitoring" }, spec: { endpointSelector: { matchLabels: { "app.kubernetes.io/name": name } }, ingress: [{}] } } });

    it("passes when a policy selects each declared workload", async () => {
        assert.deepStrictEqual(await checkStack(applicationsHaveNetworkPolicies, [app, denyAll, own("grafana"), own("prometheus")]), []);
    });

    it("names a declared workload no policy selects", async () => {
        const messages = await checkStack(applicationsHaveNetworkPolicies, [app, denyAll, own("grafana")]);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /declares the workload prometheus \(pods \{"app\.kubernetes\.io\/name":"prometheus"\}\) in namespace monitoring, but no CiliumNetworkPolicy selects those pods/);
    });
});

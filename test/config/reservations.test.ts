// Addresses owned by Applications: in the pool, owned once, left out of what
// the cloud provider hands out, reachable from the LAN on exactly their ports.
import * as assert from "assert";
import { connectionPolicies } from "../../components/network-policy/graph";
import { ciliumPolicySpec } from "../../components/network-policy/policy";
import { RawAddressConfig, buildAddressPlan } from "../../config/addressPlan";
import { HOME_ADDRESSES } from "./homeAddresses";
import { parseApplications } from "../../config/applications";
import { addressOwnership, rangeGlobalValue } from "../../config/reservations";
import { poolConfigData } from "../../components/kube-vip/cloudProvider";
import { findResource, runProgram } from "../harness";

const HOME = HOME_ADDRESSES;
const source = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };

function ownershipOf(apps: unknown[], raw: Partial<RawAddressConfig> = {}) {
    const plan = buildAddressPlan({ ...HOME, ...raw });
    assert.ok(plan.ok);
    const parsed = parseApplications(apps, { entrypoints: ["web", "websecure", "web239", "websecure239"] });
    assert.deepStrictEqual(parsed.issues, []);
    return { plan: plan.plan, specs: parsed.specs, ...addressOwnership(plan.plan, parsed.specs) };
}

const app = (name: string, address: string, namespace = name) => ({ name, namespace, path: name, ...source, loadBalancerAddresses: [{ address, ports: [53, "53/UDP"] }] });

describe("addresses owned by Applications", () => {
    it("are refused when two Applications own one, naming both", () => {
        const { issues } = ownershipOf([app("pihole", "192.168.1.232"), app("pihole-02", "192.168.1.232")]);
        assert.deepStrictEqual(issues.map(i => [i.key, i.value]), [["applications[1].loadBalancerAddresses[0].address", "192.168.1.232"]]);
        assert.match(issues[0].problem, /already owned by Application pihole \(namespace pihole\) \(applications\[0\]\.loadBalancerAddresses\[0\]\.address\)/);
        assert.match(issues[0].fix, /give Application pihole-02 \(namespace pihole-02\) another free address of the pool 192\.168\.1\.231-192\.168\.1\.239/);
    });

    it("are refused when an Application claims a Traefik VIP or the API VIP, naming the owner's key", () => {
        const { issues } = ownershipOf([app("emby", "192.168.1.239"), app("minecraft", "192.168.1.230")]);
        assert.deepStrictEqual(issues.map(i => i.problem.replace(/;.*/, "")), [
            "is already owned by Traefik Service traefik-vip239 (ingressSecondaryVip)",
            "is already owned by the Kubernetes API (controlPlaneVip)",
        ]);
    });

    it("are refused outside the pool", () => {
        const { issues } = ownershipOf([app("emby", "192.168.1.240")]);
        assert.strictEqual(issues.length, 1);
        assert.match(issues[0].problem, /lies outside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239/);
    });

    it("are left out of the cloud provider's range-global, in the middle of the pool", () => {
        const { ownership, issues } = ownershipOf([app("pihole", "192.168.1.232"), app("emby", "192.168.1.233", "media"), app("minecraft", "192.168.1.235"), app("pihole-03", "192.168.1.238", "dns")]);
        assert.deepStrictEqual(issues, []);
        assert.deepStrictEqual(ownership.unpinned.map(r => r.text), ["192.168.1.234", "192.168.1.236-192.168.1.237"]);
        // A lone address is written as a one-address range, the form the provider parses.
        assert.deepStrictEqual(poolConfigData(ownership.unpinned), { "range-global": "192.168.1.234-192.168.1.234,192.168.1.236-192.168.1.237" });
    });

    it("are left out at the pool's edges", () => {
        const { ownership } = ownershipOf([app("a", "192.168.1.232"), app("b", "192.168.1.238")], { ingressVip: "192.168.1.233", ingressSecondaryVip: "192.168.1.234" });
        assert.deepStrictEqual(rangeGlobalValue(ownership.unpinned), "192.168.1.231-192.168.1.231,192.168.1.235-192.168.1.237,192.168.1.239-192.168.1.239");
    });

    it("leave no range-global when the pool is fully owned: Services that pin nothing stay pending", () => {
        const { ownership } = ownershipOf([app("a", "192.168.1.232")], { loadBalancerPool: "192.168.1.231-192.168.1.233", ingressVip: "192.168.1.231", ingressSecondaryVip: "192.168.1.233" });
        assert.deepStrictEqual(ownership.unpinned, []);
        assert.deepStrictEqual(poolConfigData(ownership.unpinned), {});
    });

    it("let the LAN and in-cluster clients reach the owning workload on exactly its ports", () => {
        const { specs } = ownershipOf([{ name: "emby", namespace: "media", path: "emby", ...source, workloads: [{ name: "emby", selector: { "app.kubernetes.io/name": "emby" }, loadBalancerAddresses: [{ address: "192.168.1.233", ports: [8096, 8920] }] }] }]);
        const { plan } = ownershipOf([]);
        const policy = connectionPolicies(specs, plan.ingress).applications.get("emby")![0];
        assert.deepStrictEqual(ciliumPolicySpec(policy), {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "emby" } },
            ingress: [{ fromEntities: ["world", "cluster"], toPorts: [{ ports: [{ port: "8096", protocol: "TCP" }, { port: "8920", protocol: "TCP" }] }] }],
        });
    });
});

describe("a stack with Application-owned addresses", () => {
    it("hands the cloud provider only the unowned addresses, and tells each author what to put in the Service", async () => {
        const run = await runProgram("home", { applications: [app("pihole", "192.168.1.232", "dns"), { ...app("emby", "192.168.1.233", "media"), loadBalancerAddresses: [{ address: "192.168.1.233", ports: [8096, 8920] }] }] });
        assert.deepStrictEqual(findResource(run, "kubernetes:core/v1:ConfigMap", "kube-vip-cloud-provider-pool").inputs.data, { "range-global": "192.168.1.234-192.168.1.238" });
        assert.deepStrictEqual(run.outputs.loadBalancerAddresses, {
            "192.168.1.232": { application: "pihole", namespace: "dns", ports: ["53/TCP", "53/UDP"], service: { annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.232" }, type: "LoadBalancer", externalTrafficPolicy: "Local" } },
            "192.168.1.233": { application: "emby", namespace: "media", ports: ["8096/TCP", "8920/TCP"], service: { annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.233" }, type: "LoadBalancer", externalTrafficPolicy: "Local" } },
        });
    });
});

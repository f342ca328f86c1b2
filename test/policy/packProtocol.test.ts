// The pack served as the Pulumi CLI serves it (its own process, gRPC), against
// the in-process runner the offline plan uses: both must find the same things
// and refuse the same configs.
import * as assert from "assert";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { PolicyInput, runPolicies } from "../../scripts/policyRunner";
import { STACKS, runProgram } from "../harness";
import { PackProcess } from "../packProcess";

// The served pack starts as mocha loads this file (test/packProcess.ts).
PackProcess.startSharedEarly();

const inputsOf = async (stack: string): Promise<PolicyInput[]> =>
    (await runProgram(stack)).resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
const sorted = <T extends { policy: string; message: string }>(list: readonly T[]) =>
    list.map(v => `${v.policy}: ${v.message}`).sort();

describe("the pack over the Analyzer protocol, as the CLI runs it", function () {
    // run-policy-pack type-checks the pack with ts-node before it serves.
    this.timeout(60000);
    let pack: PackProcess;
    before(async () => {
        pack = await PackProcess.shared();
    });

    it("announces every policy, each with a config schema listing only the keys it reads", async () => {
        const info = await pack.info();
        assert.strictEqual(info.name, "homelab-network");
        const schemas = Object.fromEntries(info.policies.map(p => [p.name, Object.keys(p.properties).sort()]));
        // Required, so that the CLI's own schema check stops a run without the file.
        // reservations is optional: a list, [] when the stack reserves nothing.
        assert.deepStrictEqual(info.policies.find(p => p.name === "control-plane-vip-placement")?.required, ["lan", "lanGateway", "dhcpScope", "controlPlaneVip", "loadBalancerPool"]);
        assert.deepStrictEqual(schemas["control-plane-vip-placement"], ["controlPlaneVip", "dhcpScope", "lan", "lanGateway", "loadBalancerPool", "reservations"]);
        assert.deepStrictEqual(schemas["loadbalancer-address-in-pool"], ["controlPlaneVip", "dhcpScope", "lan", "lanGateway", "loadBalancerPool"]);
        assert.deepStrictEqual(schemas["pod-cidr-separation"], ["lan", "serviceCidr"]);
        assert.deepStrictEqual(schemas["cilium-l2-off-wireguard-on"], []);
    });

    it("refuses to check anything without its config, saying which flag and file to pass", async () => {
        await pack.configure({});
        const resources = await inputsOf("home");
        await assert.rejects(pack.analyzeAll(resources), /no network config .*--policy-pack-config policy\/config\/<stack>\.json/);
    });

    for (const stack of ["home", "lab"]) {
        it(`finds what the in-process runner finds in the ${stack} stack, with a broken Traefik address`, async () => {
            const config = JSON.parse(renderPolicyPackConfig(STACKS, stack));
            const resources = await inputsOf(stack);
            // One rogue edit, so that agreement means more than two empty lists.
            const traefik = resources.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "traefik")!;
            traefik.props.values.service.annotations["kube-vip.io/loadbalancerIPs"] = "10.99.0.1";
            await pack.configure(config);
            const served = await pack.analyzeAll(resources);
            const inProcess = await runPolicies(resources, config);
            assert.ok(served.some(d => d.policy === "loadbalancer-address-in-pool" && /pins 10\.99\.0\.1, outside the LoadBalancer pool/.test(d.message)));
            assert.deepStrictEqual(sorted(served), sorted(inProcess));
        });
    }
});

describe("the in-process runner's view of the pack config", () => {
    it("refuses a run without config with the same message the served pack gives", async () => {
        await assert.rejects(runPolicies([], {}), /no network config: pass the stack's network with --policy-pack-config policy\/config\/<stack>\.json/);
    });

    it("names the policy and key of a value of the wrong type, as the CLI's schema check does", async () => {
        const config = JSON.parse(renderPolicyPackConfig(STACKS, "home"));
        config["pod-cidr-separation"].lan = 24;
        await assert.rejects(runPolicies([], config), /pod-cidr-separation\.lan is 24, which is not of type string/);
    });
});

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../harness";

describe("the program's config edge", () => {
    it("runs the home stack and exports its address plan", async () => {
        const run = await runProgram("home");
        assert.deepStrictEqual((run.outputs.addressPlan as Record<string, unknown>).loadBalancerPool, "192.168.1.231-192.168.1.239");
        assert.ok(run.warnings.some(w => /lanGateway is not set/.test(w)), "the home stack says it cannot prove the gateway is clear");
    });

    it("runs the lab stack, which differs in every address, with nothing left unproven", async () => {
        const run = await runProgram("lab");
        const plan = run.outputs.addressPlan as Record<string, unknown>;
        assert.strictEqual(plan.controlPlaneVip, "10.20.1.10");
        assert.deepStrictEqual(run.warnings, []);
    });

    it("stops with a clean RunError naming every bad key before declaring a resource", async () => {
        await assert.rejects(
            runProgram("home", { controlPlaneVip: "192.168.1.300", ciliumVersion: "latest", ciliumDevices: ["vmbr0"] }),
            (err: Error) => {
                assert.ok(err instanceof pulumi.RunError, "a RunError prints without a stack trace");
                assert.match(err.message, /homelab-network:controlPlaneVip = "192\.168\.1\.300"/);
                assert.match(err.message, /homelab-network:ciliumVersion = "latest"/);
                assert.match(err.message, /homelab-network:vipInterface = "eno1"/);
                assert.match(err.message, /has 3 problems/);
                return true;
            },
        );
    });

    it("refuses a kube-vip tag with build metadata, which no image tag can hold", async () => {
        await assert.rejects(runProgram("home", { kubeVipVersion: "v1.0.4+build.1" }), /kubeVipVersion = "v1\.0\.4\+build\.1"\n {4}\S+ has build metadata .* fix: write the image tag as published, e\.g\. v1\.0\.4/s);
    });

    it("refuses ports, replica counts and version spellings that cannot work, naming each key", async () => {
        await assert.rejects(
            runProgram("home", { apiServerPort: 70000, ciliumOperatorReplicas: 0, kubeVipVersion: "1.0.4", traefikChartVersion: "v41.3.0", argoCdChartVersion: "10.x" }),
            (err: Error) => {
                assert.match(err.message, /apiServerPort = "70000"\n {4}70000 is not a TCP port/);
                assert.match(err.message, /ciliumOperatorReplicas = "0"\n {4}0 is not a whole number of at least 1/);
                assert.match(err.message, /kubeVipVersion = "1\.0\.4"\n {4}1\.0\.4 lacks the leading v of kube-vip's image tags\n {4}fix: write v1\.0\.4/);
                assert.match(err.message, /traefikChartVersion = "v41\.3\.0"\n {4}v41\.3\.0 has a leading v, which Helm chart versions do not\n {4}fix: write 41\.3\.0/);
                assert.match(err.message, /argoCdChartVersion = "10\.x"\n {4}10\.x is not a pinned release version/);
                assert.match(err.message, /has 5 problems/);
                return true;
            },
        );
    });
});

import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "./harness";

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
});

// A Helm release's valueYamlFiles, read and merged under its values before the
// policies read them: each file over the one before, `values` over all.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { PolicyInput, runPolicies } from "../../scripts/policyRunner";
import { mergeValues } from "../../policy/valueFiles";
import { STACKS } from "../harness";
import { record } from "./recordResources";

const OUTSIDE = "test/fixtures/value-files/pin-outside-pool.yaml";
const pin = (address: string) => `service:\n  type: LoadBalancer\n  annotations:\n    kube-vip.io/loadbalancerIPs: ${address}\n`;
let counter = 0;
const chart = (valueYamlFiles: pulumi.asset.Asset[], values?: Record<string, unknown>) => record(() =>
    new k8s.helm.v3.Release(`files-${++counter}`, { name: "files", namespace: "tools", chart: "podinfo", version: "6.7.1", valueYamlFiles, ...(values === undefined ? {} : { values }) }));

async function verdicts(resources: PolicyInput[]): Promise<string[]> {
    const config = JSON.parse(renderPolicyPackConfig(STACKS, "home"));
    return (await runPolicies(resources, config)).map(v => `${v.policy} [${v.enforcementLevel}]: ${v.message}`);
}

describe("a Helm release's valueYamlFiles", () => {
    it("merges as Helm does: maps key by key, lists and text replaced, the later over the earlier", () => {
        assert.deepStrictEqual(mergeValues({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3] }, d: { e: 1 } }), { a: { b: 1, c: [3] }, d: { e: 1 } });
    });

    it("reads a FileAsset from the program's folder: an address it pins outside the pool is refused", async () => {
        const found = await verdicts(await chart([new pulumi.asset.FileAsset(OUTSIDE)]));
        assert.ok(found.some(v => /^loadbalancer-address-in-pool \[mandatory\]: Helm release tools\/files \(chart podinfo\), values service pins 192\.168\.1\.50, outside the LoadBalancer pool/.test(v)), found.join("\n"));
        assert.ok(!found.some(v => /valueYamlFiles/.test(v)), "a file the pack read needs no advisory");
    });

    it("reads a StringAsset, and lets values override the files", async () => {
        const files = [new pulumi.asset.FileAsset(OUTSIDE), new pulumi.asset.StringAsset(pin("192.168.1.60"))];
        const outside = (await verdicts(await chart(files))).filter(v => v.startsWith("loadbalancer-address-in-pool"));
        assert.deepStrictEqual(outside.map(v => /pins (\S+),/.exec(v)?.[1]), ["192.168.1.60"], "the later file wins");
        const overridden = (await verdicts(await chart(files, { service: { annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236" } } }))).filter(v => v.startsWith("loadbalancer-address-in-pool"));
        assert.deepStrictEqual(overridden, [], "values win over the files");
    });

    it("names the release and the file it cannot read, and what the live audit checks", async () => {
        const found = await verdicts(await chart([new pulumi.asset.FileAsset("missing/values.yaml"), new pulumi.asset.StringAsset("- a list\n"), new pulumi.asset.RemoteAsset("https://example.org/values.yaml")]));
        const advisories = found.filter(v => v.startsWith("loadbalancer-addresses-unseen") && v.includes("valueYamlFiles"));
        assert.deepStrictEqual(advisories.map(v => /takes values from (valueYamlFiles\[\d\] [^,]+), which ([^:]+):/.exec(v)?.slice(1, 3).join(" / ")), [
            `valueYamlFiles[0] missing/values.yaml / cannot be found (looked for ${process.cwd()}/missing/values.yaml)`,
            "valueYamlFiles[1] a StringAsset / is not a YAML map of values",
            "valueYamlFiles[2] https://example.org/values.yaml / is a RemoteAsset the pack does not fetch",
        ]);
        for (const advisory of advisories) {
            assert.match(advisory, /^loadbalancer-addresses-unseen \[advisory\]: Helm release tools\/files \(chart podinfo\) takes values from .*Once deployed, the live audit/);
        }
    });
});

// kube-vip's environment read as kube-vip reads it (policy/kubeVipEnv.ts):
// the address it announces and its switches, for the pack and the preflight.
import * as assert from "assert";
import { parseGoBool } from "../../policy/goBool";
import { kubeVipAddress, kubeVipSwitch } from "../../policy/kubeVipEnv";

describe("kube-vip's environment, as kube-vip reads it", () => {
    it("announces address where it is set, and vip_address (the older name) only where address is unset or empty", () => {
        assert.deepStrictEqual(kubeVipAddress({ address: "192.168.1.230", vip_address: "192.168.1.229" }), { variable: "address", value: "192.168.1.230" });
        assert.deepStrictEqual(kubeVipAddress({ vip_address: "192.168.1.229" }), { variable: "vip_address", value: "192.168.1.229" });
        assert.deepStrictEqual(kubeVipAddress({ address: "", vip_address: "192.168.1.229" }), { variable: "vip_address", value: "192.168.1.229" });
        assert.strictEqual(kubeVipAddress({ address: "", vip_address: "" }), undefined);
        assert.strictEqual(kubeVipAddress({ cp_enable: "true" }), undefined);
    });

    it("reads a switch with Go's ParseBool, and leaves an unset, empty or refused one undefined", () => {
        const read = (value: string | undefined) => kubeVipSwitch({ cp_enable: value }, "cp_enable");
        assert.deepStrictEqual(["1", "t", "T", "TRUE", "true", "True"].map(read), [true, true, true, true, true, true]);
        assert.deepStrictEqual(["0", "f", "F", "FALSE", "false", "False"].map(read), [false, false, false, false, false, false]);
        assert.deepStrictEqual([undefined, "", "yes", "on", "tRUE", " true", "true "].map(read), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
        assert.strictEqual(kubeVipSwitch({ svc_enable: "true" }, "cp_enable"), undefined);
        assert.strictEqual(kubeVipSwitch({ svc_election: "1" }, "svc_election"), true);
    });

    it("passes a YAML boolean through ParseBool as the boolean it is", () => {
        assert.deepStrictEqual([true, false].map(parseGoBool), [true, false]);
    });
});

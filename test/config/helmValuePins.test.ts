// Service addresses pinned in an Application's helmValues must be declared in
// its loadBalancerAddresses, or the address belongs to nobody: the cloud
// provider may hand it to another Service, and no policy lets the LAN in.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseApplications } from "../../config/applications";
import { helmValuePins } from "../../config/helmValuePins";
import { STACKS, plan } from "../harness";

const chartApp = { name: "web", namespace: "web", repoURL: "https://charts.example.org", chart: "web", targetRevision: "1.0.0" };
const declared = { workloads: [{ name: "web", selector: { app: "web" }, loadBalancerAddresses: [{ address: "192.168.1.236", ports: [80] }] }] };

describe("addresses pinned in helmValues", () => {
    it("finds kube-vip's annotation and loadBalancerIP anywhere in the values tree, lists included", () => {
        const pins = helmValuePins({
            commonAnnotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236" },
            service: { type: "LoadBalancer", annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236, 192.168.1.237" } },
            extraServices: [{ loadBalancerIP: "192.168.1.235" }],
            podAnnotations: { "kube-vip.io/other": "192.168.1.234" },
        }, "applications[0].helmValues");
        assert.deepStrictEqual(pins.map(p => [p.where, p.addresses.map(a => a.text)]), [
            ["applications[0].helmValues.commonAnnotations.kube-vip.io/loadbalancerIPs", ["192.168.1.236"]],
            ["applications[0].helmValues.service.annotations.kube-vip.io/loadbalancerIPs", ["192.168.1.236", "192.168.1.237"]],
            ["applications[0].helmValues.extraServices[0].loadBalancerIP", ["192.168.1.235"]],
        ]);
    });

    it("refuses a pinned address the Application does not declare, naming the key to declare it with", () => {
        const { issues } = parseApplications([{ ...chartApp, ...declared, helmValues: { service: { annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236,192.168.1.237" } } } }]);
        assert.deepStrictEqual(issues.map(i => [i.key, i.value]), [["applications[0].helmValues.service.annotations.kube-vip.io/loadbalancerIPs", "192.168.1.236,192.168.1.237"]]);
        assert.match(issues[0].problem, /^pins 192\.168\.1\.237, but no loadBalancerAddresses entry of this Application declares it: the cloud provider keeps it free for any other Service, and no policy lets the LAN reach the pods behind it$/);
        assert.strictEqual(issues[0].fix, "declare it on the workload that serves it: loadBalancerAddresses: [{address: 192.168.1.237, ports: [<the Service's ports>]}]");
    });

    it("accepts pins the Application declares, and refuses text that is no address", () => {
        assert.deepStrictEqual(parseApplications([{ ...chartApp, ...declared, helmValues: { commonAnnotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236" } } }]).issues, []);
        const { issues } = parseApplications([{ ...chartApp, ...declared, helmValues: { service: { loadBalancerIP: "192.168.1.300" } } }]);
        assert.deepStrictEqual(issues.map(i => [i.key, i.problem]), [["applications[0].helmValues.service.loadBalancerIP", "is not a list of IPv4 addresses kube-vip can pin (192.168.1.300)"]]);
    });

    it("stops the home stack's plan on an Application that pins a free pool address without declaring it", async () => {
        const home = parse(fs.readFileSync(path.join(STACKS, "Pulumi.home.yaml"), "utf8")).config["homelab-network:applications"] as unknown[];
        const pinned = { ...chartApp, workloads: [{ name: "web", selector: { app: "web" } }], helmValues: { service: { type: "LoadBalancer", annotations: { "kube-vip.io/loadbalancerIPs": "192.168.1.236" } } } };
        const result = await plan("home", { applications: [...home, pinned] });
        assert.strictEqual(result.exitCode, 2, result.report);
        assert.match(result.report, new RegExp(`applications\\[${home.length}\\] \\(web\\)\\.helmValues\\.service\\.annotations\\.kube-vip\\.io/loadbalancerIPs = "192\\.168\\.1\\.236"\\n {4}192\\.168\\.1\\.236 pins 192\\.168\\.1\\.236, but no loadBalancerAddresses entry`));
        assert.match(result.report, /fix: declare it on the workload that serves it: loadBalancerAddresses: \[\{address: 192\.168\.1\.236/);
    });
});

// Every stack at once: the offline plan compares the stack's addresses with every other stack file's.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { plan } from "../../scripts/plan";
import { stackSettingsOf } from "../../scripts/policyConfig";
import { stackConflicts } from "../../scripts/stackOverlap";
import { REPO_ROOT } from "../harness";

const HOME_FILE = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.home.yaml"), "utf8");
const LAB_FILE = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8");

/** The lab stack moved onto the home LAN, with its pool and API VIP as given. */
function labOnHomeLan(pool: string, vip: string): string {
    return LAB_FILE
        .replace(/homelab-network:lan: .*/, "homelab-network:lan: 192.168.1.0/24")
        .replace(/homelab-network:lanGateway: .*/, "homelab-network:lanGateway: 192.168.1.1")
        .replace(/homelab-network:dhcpScope: .*/, "homelab-network:dhcpScope: 192.168.1.100-192.168.1.199")
        .replace(/homelab-network:controlPlaneVip: .*/, `homelab-network:controlPlaneVip: ${vip}`)
        .replace(/homelab-network:loadBalancerPool: .*/, `homelab-network:loadBalancerPool: ${pool}`)
        .replace(/homelab-network:ingressVip: .*/, `homelab-network:ingressVip: ${pool.split("-")[0]}`)
        .replace(/homelab-network:ingressSecondaryVip: .*/, `homelab-network:ingressSecondaryVip: ${pool.split("-")[1]}`)
        .replace(/10\.20\.1\.30/g, `192.168.1.${Number(pool.split("-")[0].split(".")[3]) + 2}`)
        .replace(/10\.20\.0\.0\/23/g, "192.168.1.0/24")
        .replace(/10\.20\.0\.1\b/g, "192.168.1.1");
}

describe("every stack at once", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(path.join(root, "Pulumi.home.yaml"), HOME_FILE);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("finds nothing between the repository's own stacks, which are on different LANs", () => {
        assert.deepStrictEqual(stackConflicts("home", stackSettingsOf(REPO_ROOT, "home"), "lab", stackSettingsOf(REPO_ROOT, "lab")), []);
    });

    it("names both stacks, their keys and the shared addresses when pools overlap, and when an API VIP lies in the other's pool", () => {
        fs.writeFileSync(path.join(root, "Pulumi.garage.yaml"), labOnHomeLan("192.168.1.236-192.168.1.245", "192.168.1.233"));
        const conflicts = stackConflicts("home", stackSettingsOf(root, "home"), "garage", stackSettingsOf(root, "garage"));
        assert.deepStrictEqual(conflicts.map(c => c.split(": ")[0]), [
            "stack \"home\" and stack \"garage\" are on one LAN (192.168.1.0/24) and both claim 192.168.1.233",
            "stack \"home\" and stack \"garage\" are on one LAN (192.168.1.0/24) and both claim 192.168.1.236-192.168.1.239",
        ]);
        assert.match(conflicts[0], /loadBalancerPool 192\.168\.1\.231-192\.168\.1\.239 in Pulumi\.home\.yaml, controlPlaneVip 192\.168\.1\.233 in Pulumi\.garage\.yaml/);
        assert.match(conflicts[1], /loadBalancerPool 192\.168\.1\.231-192\.168\.1\.239 in Pulumi\.home\.yaml, loadBalancerPool 192\.168\.1\.236-192\.168\.1\.245 in Pulumi\.garage\.yaml\. .*Fix: give each stack addresses of its own/);
    });

    it("fails the offline plan, naming both stacks, and passes once they part", async () => {
        fs.writeFileSync(path.join(root, "Pulumi.garage.yaml"), labOnHomeLan("192.168.1.236-192.168.1.245", "192.168.1.246"));
        const result = await plan("home", {}, undefined, root);
        assert.strictEqual(result.exitCode, 1, result.report);
        assert.match(result.report, /Other stacks: 1 address claim shared on one LAN\n {2}\[mandatory\] stack "home" and stack "garage" are on one LAN \(192\.168\.1\.0\/24\) and both claim 192\.168\.1\.236-192\.168\.1\.239/);
        fs.writeFileSync(path.join(root, "Pulumi.garage.yaml"), labOnHomeLan("192.168.1.240-192.168.1.245", "192.168.1.246"));
        const clean = await plan("home", {}, undefined, root);
        assert.match(clean.report, /Other stacks \(garage\): no address claimed twice on one LAN/);
        assert.strictEqual(clean.exitCode, 0, clean.report);
    });
});

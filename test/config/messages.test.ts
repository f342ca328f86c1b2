// The config's messages as the person who typed the stack file reads them:
// one message per mistake, the Application named beside its index, the name
// a typo meant, and every key spelt out. Each runs the offline plan on a small
// stack of its own, as `npm run plan` would.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nearestName } from "../../config/hints";
import { plan } from "../../scripts/plan";
import { REPO_ROOT } from "../harness";

const NETWORK = `config:
  homelab-network:lan: 10.20.0.0/24
  homelab-network:controlPlaneVip: 10.20.0.10
  homelab-network:loadBalancerPool: 10.20.0.11-10.20.0.19
  homelab-network:ingressVip: 10.20.0.11
  homelab-network:ingressSecondaryVip: 10.20.0.19
  homelab-network:ciliumDevices:
    - eno1
  homelab-network:ciliumVersion: 1.19.6
  homelab-network:traefikChartVersion: 41.3.0
  homelab-network:argoCdChartVersion: 10.1.1
  homelab-network:kubeVipVersion: v1.0.4
  homelab-network:kubeVipCloudProviderVersion: v0.0.12
`;

/** Two Applications, the second calling the first; `call` is the connection the second declares. */
const withApps = (call: string) => `${NETWORK}  homelab-network:applications:
    - name: redis
      namespace: databases
      repoURL: https://charts.example.org
      chart: redis
      targetRevision: 1.0.0
    - name: web
      repoURL: https://git.example.org/web.git
      path: apps/web
      targetRevision: v1.0.0
      connections:
        to:
${call}`;

describe("config messages", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "config-messages-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    async function planOf(file: string): Promise<string> {
        fs.writeFileSync(path.join(root, "Pulumi.messages.yaml"), file);
        const result = await plan("messages", {}, undefined, root);
        assert.strictEqual(result.exitCode, 2, result.report);
        return result.report;
    }

    it("plans the stack the cases break", async () => {
        fs.writeFileSync(path.join(root, "Pulumi.messages.yaml"), withApps("          - app: redis\n            ports: [6379]\n"));
        const result = await plan("messages", {}, undefined, root);
        assert.strictEqual(result.exitCode, 0, result.report);
    });

    it("suggests the declared Application a misspelt app: meant, and names the Application beside its index", async () => {
        const report = await planOf(withApps("          - app: reddis\n            ports: [6379]\n"));
        assert.match(report, /has 1 problem;/);
        assert.ok(report.includes([
            '  homelab-network:applications[1] (web).connections.to[0].app = "reddis"',
            "    reddis names no declared Application; did you mean redis?",
            "    fix: use one of: redis",
        ].join("\n")), report);
    });

    it("gives a misspelt ports one message, with the field it meant", async () => {
        const report = await planOf(withApps("          - app: redis\n            port: [6379]\n"));
        assert.match(report, /has 1 problem;/);
        assert.ok(report.includes([
            '  homelab-network:applications[1] (web).connections.to[0].port = "[6379]"',
            "    port is not a field of a connection; did you mean ports?",
            "    fix: rename port to ports",
        ].join("\n")), report);
        assert.doesNotMatch(report, /is not a non-empty list of ports/);
    });

    it("keeps a field that is near none as the one problem it is, with the fields there are", async () => {
        const report = await planOf(withApps("          - app: redis\n            ports: [6379]\n            comment: cache\n"));
        assert.match(report, /has 1 problem;/);
        assert.match(report, /\n {4}comment is not a field of a connection\n {4}fix: name one peer \(app, entity, cidr, fqdn, platform, ingress, pods\) and its ports\n/);
    });

    it("names a misspelt field of an Application, not its value, and does not report the field it meant as missing too", async () => {
        const report = await planOf(withApps("          - app: redis\n            ports: [6379]\n").replace("targetRevision: v1.0.0", "targetRevison: v1.0.0"));
        assert.match(report, /has 1 problem;/);
        assert.ok(report.includes([
            '  homelab-network:applications[1] (web).targetRevison = "v1.0.0"',
            "    targetRevison is not a field of an Application; did you mean targetRevision?",
            "    fix: rename targetRevison to targetRevision",
        ].join("\n")), report);
    });

    it("names a misspelt field of a workload, and does not report its selector as missing too", async () => {
        const workloads = withApps("          - app: redis\n            ports: [6379]\n")
            .replace("      connections:\n        to:\n", "      workloads:\n        - name: web\n          selectr:\n            app: web\n          connections:\n            to:\n")
            .replace("          - app: redis\n            ports: [6379]\n", "              - app: redis\n                ports: [6379]\n");
        const report = await planOf(workloads);
        assert.match(report, /has 1 problem;/);
        assert.ok(report.includes([
            '  homelab-network:applications[1] (web).workloads[0].selectr = "{\\"app\\":\\"web\\"}"',
            "    selectr is not a field of a workload; did you mean selector?",
            "    fix: rename selectr to selector",
        ].join("\n")), report);
    });

    it("names a misspelt field of a UI route as typed, once, and still refuses a hostname that is not a DNS name", async () => {
        const misspelt = await planOf(`${NETWORK}  homelab-network:hubbleUi:\n    hostnme: hubble.example.org\n    entrypoints: [websecure]\n`);
        assert.match(misspelt, /has 1 problem;/);
        assert.ok(misspelt.includes([
            '  homelab-network:hubbleUi.hostnme = "hubble.example.org"',
            "    hostnme is not a field of a UI route; did you mean hostname?",
            "    fix: rename hostnme to hostname",
        ].join("\n")), misspelt);
        const bare = await planOf(`${NETWORK}  homelab-network:hubbleUi:\n    hostname: hubble\n    entrypoints: [websecure]\n`);
        assert.match(bare, /has 1 problem;/);
        assert.match(bare, /\n {2}homelab-network:hubbleUi\.hostname = "hubble"\n {4}hubble is not a fully qualified DNS name\n/);
    });

    it("suggests the platform pods a typo meant", async () => {
        const report = await planOf(withApps("          - platform: argocd-sever\n            ports: [8080]\n"));
        assert.match(report, /argocd-sever names no platform pods this program knows; did you mean argocd-server\?/);
    });

    it("says an address is the gateway's, and a range includes it", async () => {
        const vip = await planOf(NETWORK.replace("config:\n", "config:\n  homelab-network:lanGateway: 10.20.0.10\n"));
        assert.match(vip, /\n {4}10\.20\.0\.10 is the gateway's address; announcing it would hijack the router\n/);
        assert.doesNotMatch(vip, /includes the gateway/);
        const pool = await planOf(NETWORK.replace("config:\n", "config:\n  homelab-network:lanGateway: 10.20.0.12\n"));
        assert.match(pool, /\n {4}10\.20\.0\.11-10\.20\.0\.19 includes 10\.20\.0\.12, the gateway's address; announcing it would hijack the router\n/);
    });

    it("prints the missing key itself, never a <key> placeholder", async () => {
        const report = await planOf(NETWORK.replace("  homelab-network:lan: 10.20.0.0/24\n", ""));
        assert.match(report, /does not set lan, [^\n]*Set it under config: as homelab-network:lan \(see docs\/config-reference\.md\)/);
        assert.doesNotMatch(report, /<key>/);
        const two = await planOf(NETWORK.replace("  homelab-network:lan: 10.20.0.0/24\n", "").replace("  homelab-network:ciliumVersion: 1.19.6\n", ""));
        assert.match(two, /Set each under config: as homelab-network:lan, homelab-network:ciliumVersion \(see/);
    });

    it("finds the name a typo meant: the same letters in another case, or at most two edits away", () => {
        assert.strictEqual(nearestName("reddis", ["lldap", "redis", "mariadb"]), "redis");
        assert.strictEqual(nearestName("RepoUrl", ["repoURL", "path"]), "repoURL");
        assert.strictEqual(nearestName("port", ["ports", "icmp"]), "ports");
        assert.strictEqual(nearestName("postgres", ["redis", "mariadb"]), undefined);
    });
});

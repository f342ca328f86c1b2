// The checks `pulumi up` runs against the live cluster (components/checks/cluster-checks.ts),
// with kubectl replaced by fakes and a local TLS server standing in for the API.
import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as path from "path";
import { fakeKubectl } from "./fakeKubectl";
import { LOOPBACK_ONLY_NODE_ARGS, loopbackOnly } from "./loopbackOnly";
import { EARLY_TIMEOUT, runCommand, startEarly } from "../early";
import { REPO_ROOT } from "../harness";

const checks = require(path.join(REPO_ROOT, "components", "checks", "cluster-checks.ts"));

// Started as mocha loads this file (test/early.ts). wait-for-api is not: it
// needs the TLS server of this process to answer within its wait.
const BAD_TIMEOUT = startEarly(() => runCommand(process.execPath, [...LOOPBACK_ONLY_NODE_ARGS, path.join(REPO_ROOT, "components", "checks", "cluster-checks.ts"), "wait-for-crds", "abc", "x.cilium.io"]));

const noPause = async () => undefined;
const CRD_QUERY = "jsonpath={.status.conditions[?(@.type==\"Established\")].status}";

/** A local HTTPS server on 127.0.0.1 that answers 401 with the fixture certificate `name`. */
async function apiServer(name: string): Promise<{ server: https.Server; url: string }> {
    const server = https.createServer({
        key: fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", `${name}.key`)),
        cert: fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", `${name}.crt`)),
    }, (_request, response) => {
        response.writeHead(401);
        response.end();
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// The fixtures are self-signed, as K3s's own certificate is to the machine
// running Pulumi (openssl req -x509 -newkey ec -days 36500 -addext subjectAltName=...):
//   api-server-vip-san: SANs DNS:kubernetes, DNS:localhost, IP 10.43.0.1, IP 127.0.0.1 (the "VIP" here)
//   api-server-no-vip-san: the same without 127.0.0.1 (IP 127.0.0.2 instead), CN=127.0.0.1
//   api-server: CN=127.0.0.1 and no SAN at all
describe("cluster checks: the API on its VIP", () => {
    loopbackOnly();
    const servers: https.Server[] = [];
    const start = async (name: string) => {
        const api = await apiServer(name);
        servers.push(api.server);
        return api.url;
    };
    after(() => servers.forEach(server => server.close()));

    it("counts any HTTP answer over TLS as the API answering, even 401 and a self-signed certificate, when the certificate names the VIP", async () => {
        assert.deepStrictEqual(await checks.probeApi(await start("api-server-vip-san")), { ok: true, detail: "HTTP 401" });
    });

    it("refuses a certificate whose SANs lack the VIP, naming the K3s flag and how to add it to an installed server", async () => {
        const result = await checks.probeApi(await start("api-server-no-vip-san"));
        assert.strictEqual(result.ok, false);
        assert.strictEqual(result.certificateMismatch, true);
        assert.match(result.detail, /its certificate does not cover 127\.0\.0\.1 \(it names DNS:kubernetes, DNS:localhost, IP Address:10\.43\.0\.1, IP Address:127\.0\.0\.2\)/);
        assert.match(result.detail, /--tls-san=127\.0\.0\.1/);
        assert.match(result.detail, /"tls-san: \[127\.0\.0\.1\]" .*\/etc\/rancher\/k3s\/config\.yaml and restart it \(sudo systemctl restart k3s\)/);
        assert.match(result.detail, /K3s regenerates its serving certificate/);
    });

    it("does not accept the VIP in the common name only: Cilium's TLS reads IP SANs", async () => {
        const result = await checks.probeApi(await start("api-server"));
        assert.strictEqual(result.certificateMismatch, true);
        assert.match(result.detail, /it has no subject alternative names/);
    });

    it("stops waiting at once on a certificate without the VIP, since waiting does not add it", async () => {
        const result = await checks.waitForApi(await start("api-server-no-vip-san"), 300, 0);
        assert.strictEqual(result.certificateMismatch, true);
    });

    it("fails wait-for-api with the flag to add, not the generic advice", async () => {
        const url = await start("api-server-no-vip-san");
        const { code, stdout, stderr } = await runCommand(process.execPath, [...LOOPBACK_ONLY_NODE_ARGS, path.join(REPO_ROOT, "components", "checks", "cluster-checks.ts"), "wait-for-api", url, "5"]);
        assert.strictEqual(code, 1);
        assert.strictEqual(stdout, "");
        assert.match(stderr, /^the API answers on 127\.0\.0\.1, but its certificate does not cover 127\.0\.0\.1/);
        assert.match(stderr, /--tls-san=127\.0\.0\.1/);
        assert.doesNotMatch(stderr, /did not answer within/);
    });

    it("reports why nothing answers on an address no one holds", async () => {
        const closed = https.createServer();
        await new Promise<void>(resolve => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        closed.close();
        const result = await checks.waitForApi(`https://127.0.0.1:${port}`, 0, 0);
        assert.strictEqual(result.ok, false);
        assert.match(result.detail, /ECONNREFUSED/);
    });
});

describe("cluster checks: Cilium's operator-registered CRDs", () => {
    it("waits until every CRD exists and is Established", async () => {
        const seen = new Map<string, number>();
        const kubectl = fakeKubectl(args => {
            const name = args[2];
            const count = (seen.get(name) ?? 0) + 1;
            seen.set(name, count);
            // The first CRD is not registered at first; the second is registered but not yet Established.
            if (name === "ciliumnetworkpolicies.cilium.io") {
                return count < 3 ? Object.assign(new Error("exit 1"), { stderr: `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${name}" not found` }) : "True";
            }
            return count < 2 ? "False" : "True";
        });
        const missing = await checks.waitForCrds(["ciliumnetworkpolicies.cilium.io", "ciliumclusterwidenetworkpolicies.cilium.io"], 60, kubectl.run, 0);
        assert.deepStrictEqual(missing, []);
        assert.deepStrictEqual(kubectl.calls[0], ["get", "crd", "ciliumnetworkpolicies.cilium.io", "-o", CRD_QUERY]);
        assert.strictEqual(seen.get("ciliumnetworkpolicies.cilium.io"), 3);
        assert.strictEqual(seen.get("ciliumclusterwidenetworkpolicies.cilium.io"), 2, "an Established CRD is not asked again");
    });

    it("names the CRDs still missing when time runs out, with kubectl's error when it is not a plain NotFound", async () => {
        const kubectl = fakeKubectl(args => args[2] === "a.cilium.io"
            ? Object.assign(new Error("exit 1"), { stderr: "Error from server (NotFound): not found" })
            : Object.assign(new Error("exit 1"), { stderr: "error: You must be logged in to the server (Unauthorized)" }));
        assert.deepStrictEqual(await checks.waitForCrds(["a.cilium.io", "b.cilium.io"], 0, kubectl.run, 0), [
            { crd: "a.cilium.io", lastError: undefined },
            { crd: "b.cilium.io", lastError: "error: You must be logged in to the server (Unauthorized)" },
        ]);
    });

    it("refuses a timeout that is not a whole number of seconds, instead of waiting forever", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { code, stderr } = await BAD_TIMEOUT;
        assert.strictEqual(code, 2);
        assert.match(stderr, /usage: cluster-checks\.ts/);
    });
});

describe("cluster checks: after pulumi up", () => {
    const spec = {
        apiServerUrl: "https://192.168.1.230:6443",
        serviceAddresses: { "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" },
        serviceNamespace: "traefik",
        cilium: { namespace: "kube-system", workloads: ["daemonset/cilium", "deployment/cilium-operator"] },
    };
    const apiUp = async () => ({ ok: true, detail: "HTTP 401" });
    const healthyCluster = (addresses: Record<string, string>) => fakeKubectl(args => {
        if (args.includes("service")) {
            return addresses[args[args.indexOf("service") + 1]] ?? "";
        }
        return "successfully rolled out";
    });

    it("passes when each Traefik Service holds its pinned address and Cilium is rolled out", async () => {
        const kubectl = healthyCluster({ "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" });
        assert.deepStrictEqual(await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause }), []);
        assert.ok(kubectl.calls.some(c => c.join(" ") === "-n kube-system rollout status daemonset/cilium --timeout=120s"));
        assert.ok(kubectl.calls.some(c => c.join(" ") === "-n kube-system rollout status deployment/cilium-operator --timeout=120s"));
    });

    it("names the Service, the address it should hold, what it has, and where to look", async () => {
        const kubectl = healthyCluster({ "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.232" });
        const problems = await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^Service traefik-vip239 should hold 192\.168\.1\.239 but has 192\.168\.1\.232/);
        assert.match(problems[0], /logs ds\/kube-vip-services/);
    });

    it("stops at once, saying so, when kubectl is missing, instead of blaming Traefik and kube-vip", async () => {
        const missing = () => {
            throw new checks.KubectlMissing("kubectl is not on PATH");
        };
        await assert.rejects(checks.postDeploy(spec, { run: missing, waitForApi: apiUp, sleep: noPause }), /kubectl is not on PATH/);
    });

    it("reports an API that does not answer on its VIP, a Service with no address, and an unhealthy Cilium together", async () => {
        const kubectl = fakeKubectl(args => {
            if (args.includes("service")) {
                return "";
            }
            return args.includes("daemonset/cilium") ? Object.assign(new Error("exit 1"), { stderr: "Waiting for daemon set rollout: 1 of 2 updated pods are available" }) : "ok";
        });
        const problems = await checks.postDeploy(spec, { run: kubectl.run, waitForApi: async () => ({ ok: false, detail: "connect EHOSTUNREACH" }), sleep: noPause });
        assert.strictEqual(problems.length, 4);
        assert.match(problems[0], /the API does not answer on https:\/\/192\.168\.1\.230:6443 \(connect EHOSTUNREACH\): check .*ds\/kube-vip-control-plane/);
        assert.match(problems[1], /Service traefik should hold 192\.168\.1\.231 but has no address/);
        assert.match(problems[2], /Service traefik-vip239 should hold 192\.168\.1\.239 but has no address/);
        assert.match(problems[3], /daemonset\/cilium is not healthy \(Waiting for daemon set rollout: 1 of 2 updated pods are available\)/);
    });

    it("reports an API certificate without the VIP as the missing flag, not as kube-vip's fault", async () => {
        const kubectl = healthyCluster({ "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" });
        const detail = "the API answers on 192.168.1.230, but its certificate does not cover 192.168.1.230 (...). Fix: start every K3s server with --tls-san=192.168.1.230.";
        const problems = await checks.postDeploy(spec, { run: kubectl.run, waitForApi: async () => ({ ok: false, certificateMismatch: true, detail }), sleep: noPause });
        assert.deepStrictEqual(problems, [detail]);
    });
});

describe("cluster checks: addresses Applications own", () => {
    const spec = {
        apiServerUrl: "https://192.168.1.230:6443",
        serviceAddresses: { "traefik": "192.168.1.231" },
        serviceNamespace: "traefik",
        cilium: { namespace: "kube-system", workloads: ["daemonset/cilium", "deployment/cilium-operator"] },
        loadBalancerIpsAnnotation: "kube-vip.io/loadbalancerIPs",
        reservations: [
            { address: "192.168.1.233", namespace: "media", application: "emby", owner: "Application emby (workload emby, namespace media)" },
            { address: "192.168.1.232", namespace: "dns", application: "pihole", owner: "Application pihole (namespace dns)" },
        ],
    };
    const service = (namespace: string, name: string, pinned?: string, holds?: string) => ({
        metadata: { namespace, name, annotations: pinned === undefined ? {} : { "kube-vip.io/loadbalancerIPs": pinned } },
        spec: { type: "LoadBalancer" },
        status: { loadBalancer: { ingress: holds === undefined ? [] : [{ ip: holds }] } },
    });
    const cluster = (services: unknown[]) => fakeKubectl(args => {
        if (args.join(" ") === "get services --all-namespaces -o json") {
            return JSON.stringify({ items: services });
        }
        if (args.includes("service")) {
            return "192.168.1.231";
        }
        return "successfully rolled out";
    });
    const apiUp = async () => ({ ok: true, detail: "HTTP 401" });

    it("passes when a Service of each owner's namespace holds its address and no other Service mentions it", async () => {
        const notes: string[] = [];
        const kubectl = cluster([service("media", "emby", "192.168.1.233", "192.168.1.233"), service("dns", "pihole-dns", "192.168.1.232", "192.168.1.232"), service("traefik", "traefik", "192.168.1.231", "192.168.1.231")]);
        assert.deepStrictEqual(await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause, note: (n: string) => notes.push(n) }), []);
        assert.deepStrictEqual(notes, []);
    });

    it("reports an address whose owner Argo CD has not synced yet as pending, not as a failure", async () => {
        const notes: string[] = [];
        const kubectl = cluster([service("media", "emby", "192.168.1.233", "192.168.1.233")]);
        assert.deepStrictEqual(await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause, note: (n: string) => notes.push(n) }), []);
        assert.deepStrictEqual(notes, ["pending: 192.168.1.232 is reserved for Application pihole (namespace dns), but no Service in namespace dns pins it yet (has Argo CD synced it? argocd app get pihole)"]);
    });

    it("names the Service in another namespace that holds or pins an owned address", async () => {
        const kubectl = cluster([
            service("media", "emby", "192.168.1.233", "192.168.1.233"),
            service("dns", "pihole-dns", "192.168.1.232", "192.168.1.232"),
            service("games", "minecraft", undefined, "192.168.1.233"),
            service("other", "web", "192.168.1.232"),
        ]);
        const problems = await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause, note: () => undefined });
        assert.deepStrictEqual(problems.map((p: string) => p.replace(/: give .*/, "")), [
            "192.168.1.233 belongs to Application emby (workload emby, namespace media), but Service games/minecraft holds it",
            "192.168.1.232 belongs to Application pihole (namespace dns), but Service other/web pins it",
        ]);
    });

    it("reports an owner's Service that pins its address but never got it", async () => {
        const kubectl = cluster([service("media", "emby", "192.168.1.233"), service("dns", "pihole-dns", "192.168.1.232", "192.168.1.232")]);
        const problems = await checks.postDeploy(spec, { run: kubectl.run, waitForApi: apiUp, sleep: noPause, note: () => undefined });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^Service media\/emby pins 192\.168\.1\.233 but has no address: .*ds\/kube-vip-services/);
    });
});

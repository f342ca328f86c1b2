import * as assert from "assert";
import * as path from "path";
import { REPO_ROOT } from "../harness";
import { readPolicyObject } from "../../policy/policyModel";
import { Workload, diffPolicies, entryText } from "../../scripts/policyDiff/diff";
import { diffReport } from "../../scripts/policyDiff/report";
import { intersect, minus, portSetOf, portSetText, union } from "../../scripts/policyDiff/ports";
import { cli } from "../../scripts/cli/main";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "policy-diff");

const cnp = (namespace: string, name: string, spec: Record<string, unknown>) =>
    readPolicyObject({ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { namespace, name }, spec });

const traefik: Workload = { namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" }, source: "test" };
const lidarr: Workload = { namespace: "downloader", labels: { app: "lidarr" }, source: "test" };
const api: Workload = { namespace: "shop", labels: { app: "api" }, source: "test" };
const db: Workload = { namespace: "data", labels: { app: "db" }, source: "test" };

const traefikEgressTo = (namespace: string, port: string) => cnp("traefik", "traefik", {
    endpointSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
    egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": namespace } }], toPorts: [{ ports: [{ port, protocol: "TCP" }] }] }],
});
const lidarrFromTraefik = cnp("downloader", "lidarr", {
    endpointSelector: { matchLabels: { app: "lidarr" } },
    ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "traefik", "app.kubernetes.io/name": "traefik" } }], toPorts: [{ ports: [{ port: "8686", protocol: "TCP" }] }] }],
});

describe("policy-diff", () => {
    describe("port sets", () => {
        it("subtracts, intersects and joins ranges per protocol", () => {
            const every = portSetOf([{ protocol: "TCP", from: 0, to: 65535 }]);
            const web = portSetOf([{ protocol: "TCP", from: 80, to: 80 }, { protocol: "TCP", from: 443, to: 443 }]);
            assert.strictEqual(portSetText(minus(web, portSetOf([{ protocol: "TCP", from: 443, to: 443 }]))), "80/TCP");
            assert.strictEqual(portSetText(minus(every, web)), "0-79/TCP, 81-442/TCP, 444-65535/TCP");
            assert.strictEqual(portSetText(intersect(every, web)), "80/TCP, 443/TCP");
            assert.strictEqual(portSetText(union(web, portSetOf([{ protocol: "UDP", from: 53, to: 53 }]))), "80/TCP, 443/TCP, 53/UDP");
            assert.strictEqual(portSetText(portSetOf([{ protocol: "ANY", from: 0, to: 65535 }])), "every port");
        });
    });

    it("loses the Ingress path when the callee's ingress goes, though the caller's egress stays (Traefik -> lidarr)", () => {
        const before = [...traefikEgressTo("downloader", "8686"), ...lidarrFromTraefik];
        const after = [...traefikEgressTo("downloader", "8686"), ...cnp("downloader", "lidarr", { endpointSelector: { matchLabels: { app: "lidarr" } }, ingress: [{}] })];
        const diff = diffPolicies(before, after, [traefik, lidarr]);
        assert.deepStrictEqual(diff.lost.map(entryText), ["traefik/traefik -> downloader/lidarr: 8686/TCP"]);
        assert.deepStrictEqual(diff.gained.map(entryText), []);
    });

    it("loses a cross-namespace call when the caller's egress goes, the callee's ingress staying, and gains the reverse", () => {
        const apiEgress = (port: string) => cnp("shop", "api", {
            endpointSelector: { matchLabels: { app: "api" } },
            egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "data", app: "db" } }], toPorts: [{ ports: [{ port, protocol: "TCP" }] }] }],
        });
        const dbIngress = cnp("data", "db", {
            endpointSelector: { matchLabels: { app: "db" } },
            ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", app: "api" } }], toPorts: [{ ports: [{ port: "5432", protocol: "TCP" }, { port: "5433", protocol: "TCP" }] }] }],
        });
        const diff = diffPolicies([...apiEgress("5432"), ...dbIngress], [...apiEgress("5433"), ...dbIngress], [api, db]);
        assert.deepStrictEqual(diff.lost.map(entryText), ["shop/api -> data/db: 5432/TCP"]);
        assert.deepStrictEqual(diff.gained.map(entryText), ["shop/api -> data/db: 5433/TCP"]);
    });

    it("counts nothing lost or gained for the same policies, and no connection one end alone allowed", () => {
        const before = [...traefikEgressTo("downloader", "8686"), ...lidarrFromTraefik];
        assert.deepStrictEqual(diffPolicies(before, before, [traefik, lidarr]).lost, []);
        // Only the callee allowed it, and the caller's egress was enforced: the connection never worked, so it is not lost.
        const oneEnd = [...traefikEgressTo("media", "80"), ...lidarrFromTraefik];
        const diff = diffPolicies(oneEnd, [...traefikEgressTo("media", "80"), ...cnp("downloader", "lidarr", { endpointSelector: { matchLabels: { app: "lidarr" } }, ingress: [{}] })], [traefik, lidarr]);
        assert.deepStrictEqual(diff.lost.map(entryText), []);
    });

    it("checks entities at the local end only, and lists world ingress to an unexposed pod apart", () => {
        const worldIn = cnp("downloader", "lidarr", { endpointSelector: { matchLabels: { app: "lidarr" } }, ingress: [{ fromEntities: ["world"], toPorts: [{ ports: [{ port: "8686", protocol: "TCP" }] }] }] });
        const none = cnp("downloader", "lidarr", { endpointSelector: { matchLabels: { app: "lidarr" } }, ingress: [{}] });
        const hidden = diffPolicies(worldIn, none, [lidarr]);
        assert.deepStrictEqual(hidden.lost, []);
        assert.deepStrictEqual(hidden.unreachable.map(entryText), ["entity world -> downloader/lidarr: 8686/TCP"]);
        const exposed = diffPolicies(worldIn, none, [{ ...lidarr, exposed: true }]);
        assert.deepStrictEqual(exposed.lost.map(entryText), ["entity world -> downloader/lidarr: 8686/TCP"]);
        assert.match(diffReport({ diff: exposed }), /Lost \(allowed before, not by the stack\): 1\n {2}entity world -> downloader\/lidarr: 8686\/TCP\n\nGained/);
    });

    it("leaves host-network pods out: Cilium applies no pod policy to them", () => {
        const worldIn = cnp("downloader", "lidarr", { endpointSelector: { matchLabels: { app: "lidarr" } }, ingress: [{ fromEntities: ["world"] }] });
        const diff = diffPolicies(worldIn, [], [{ ...lidarr, hostNetwork: true, exposed: true }]);
        assert.deepStrictEqual([diff.lost.length, diff.gained.length, diff.skippedHostNetwork], [0, 0, 1]);
    });

    describe("the command", () => {
        const run = async (argv: string[]) => {
            let out = "";
            let err = "";
            const code = await cli(argv, { out: (t: string) => (out += t), err: (t: string) => (err += t), kubectl: "/nonexistent/kubectl" } as never);
            return { code, out, err };
        };
        it("exits 2 without a folder or --live, and 3 when kubectl cannot read the cluster", async () => {
            const missing = await run(["policy-diff", "--stack", "home"]);
            assert.strictEqual(missing.code, 2);
            assert.match(missing.err, /<folder> is missing: name a folder of CiliumNetworkPolicies, or pass --live/);
            const live = await run(["policy-diff", "--live", "--stack", "home"]);
            assert.strictEqual(live.code, 3);
            assert.match(live.err, /kubectl get ciliumnetworkpolicies,ciliumclusterwidenetworkpolicies,networkpolicies -A -o json failed/);
        });
        it("exits 2 on a folder that does not exist or is a file, naming it, as a usage error rather than a bug", async () => {
            for (const folder of [path.join(FIXTURES, "no-such-folder"), path.join(REPO_ROOT, "README.md")]) {
                const result = await run(["policy-diff", folder, "--stack", "home"]);
                assert.strictEqual(result.code, 2, result.err);
                assert.ok(result.err.startsWith(`homelab-network policy-diff: ${folder} is not a folder\nusage: homelab-network policy-diff [<folder>]`), result.err);
            }
        });
        it("exits 1 on a folder with a connection the home stack drops, listing it among the lost, before the gained", async function () {
            this.timeout(60000);
            const lost = await run(["policy-diff", path.join(FIXTURES, "lost"), "--stack", "home"]);
            assert.strictEqual(lost.code, 1, lost.out + lost.err);
            const lostSection = lost.out.slice(lost.out.indexOf("Lost ("), lost.out.indexOf("Gained ("));
            assert.ok(lost.out.indexOf("Lost (") < lost.out.indexOf("Gained ("));
            assert.match(lostSection, /\n {2}databases\/exporter -> entity world: 443\/TCP\n/);
        });
    });
});

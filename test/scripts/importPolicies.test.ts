// The policy importer: CiliumNetworkPolicies in, the `applications` config
// out. Its claim is checked as a user would check it: the printed config,
// fed back through the program (parseApplications, connectionPolicies,
// ciliumPolicySpec), yields policies that allow the same peers and ports as
// the original rules it says it expresses. The fixtures under
// test/fixtures/policies are written for these tests, after the shapes of a
// real home cluster's policies.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { parseApplications } from "../../config/applications";
import { connectionPolicies } from "../../components/network-policy/graph";
import { ciliumPolicySpec } from "../../components/network-policy/policy";
import { main } from "../../scripts/cli/importPolicies";
import { readPolicyFolder } from "../../scripts/policyImport/files";
import { ImportResult, ImportedConnection, configEntities, importPolicies, ruleId } from "../../scripts/policyImport/importer";
import { renderApplicationsYaml, renderReport } from "../../scripts/policyImport/render";
import { readBack, roundTrip } from "../../scripts/policyImport/roundTrip";
import { REPO_ROOT, STACKS } from "../harness";
import { HOME_ENTRYPOINTS, HOME_FRONTENDS } from "./homeFrontends";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "policies");
const frontends = HOME_FRONTENDS;
const entrypoints = HOME_ENTRYPOINTS;

function imported(options: { exclude?: string[]; noWiden?: boolean } = {}) {
    const read = readPolicyFolder(FIXTURES, options.exclude ?? []);
    const result = importPolicies(read.policies, { frontends, noWiden: options.noWiden });
    return { read, result, yaml: renderApplicationsYaml(result, "test/fixtures/policies") };
}

function workload(result: ImportResult, app: string, name: string) {
    const found = result.applications.find(a => a.name === app)?.workloads.find(w => w.name === name);
    assert.ok(found, `${app}/${name} was not imported`);
    return found;
}

/** A connection as the config says it: the peer and its ports, without the bookkeeping. */
function said(connections: readonly ImportedConnection[]) {
    return connections.map(c => ({ peer: c.peer.kind === "app" ? { kind: "app", app: c.peer.app, workload: c.peer.workload } : c.peer, ports: c.ports }));
}

const tcp = (...ports: number[]) => ({ kind: "ports", ports: ports.map(port => ({ port, protocol: "TCP" })) });

/** The program's policies for the printed config, by namespace/name. */
function generated(yamlText: string): Map<string, Record<string, unknown>> {
    const { specs, issues } = parseApplications(readBack(yamlText), { entrypoints });
    assert.deepStrictEqual(issues, []);
    const graph = connectionPolicies(specs, frontends);
    const all = new Map<string, Record<string, unknown>>();
    for (const policies of [...graph.namespaces.values(), ...graph.applications.values()]) {
        for (const policy of policies) {
            all.set(`${policy.namespace}/${policy.name}`, ciliumPolicySpec(policy) as Record<string, unknown>);
        }
    }
    return all;
}

describe("the policy importer", () => {
    const { read, result, yaml } = imported();
    const outcome = (file: string, policy: string, section: string, index: number) => {
        const found = result.rules.find(r => r.ref.file === file && r.ref.policy === policy && r.ref.section === section && r.ref.index === index);
        assert.ok(found, `${file} ${policy} ${section}#${index}`);
        return found;
    };

    it("reads every CiliumNetworkPolicy document of every YAML file, and skips other kinds and SOPS-encrypted files", () => {
        assert.strictEqual(read.policies.length, 16);
        assert.deepStrictEqual(read.policies.filter(p => p.file === "shop/k8s.np.shop.yaml").map(p => [p.doc, p.name]), [[0, "storefront"], [1, "cart"]]);
        assert.deepStrictEqual(read.encrypted, ["unexpressible/secret.yaml", "unexpressible/values.enc.yaml"]);
        assert.deepStrictEqual([...read.otherKinds.entries()].sort(), [["CiliumClusterwideNetworkPolicy", 1], ["Deployment", 1]]);
        assert.strictEqual(result.rules.length, 55);
    });

    it("makes an Application per folder and namespace and a workload per endpointSelector, named from its labels", () => {
        assert.deepStrictEqual(result.applications.map(a => [a.name, a.namespace, a.workloads.map(w => w.name)]), [
            ["cache", "cache", ["redis"]],
            ["finance", "finance", ["ledger", "backup-ledger"]],
            // Two workloads named operator: each gets its other label too.
            ["monitoring", "monitoring", ["prometheus", "blackbox", "operator-webhook", "operator-controller"]],
            ["shop", "shop", ["storefront", "cart"]],
            // A second Application in namespace shop, from another folder.
            ["unexpressible", "shop", ["legacy-api"]],
        ]);
        // k8s: prefixes are stripped: the ledger's policy selects k8s:app.kubernetes.io/name.
        assert.deepStrictEqual(workload(result, "finance", "ledger").selector, { "app.kubernetes.io/name": "ledger" });
        assert.deepStrictEqual(result.applications.find(a => a.name === "shop")!.files, ["shop/k8s.np.shop.yaml", "shop/k8s.np.shop-default-deny.yaml"]);
    });

    it("maps every peer kind of the originals onto the vocabulary", () => {
        assert.deepStrictEqual(said(workload(result, "shop", "storefront").to), [
            // Traefik on an entrypoint port: a call to the app's own public hostname.
            { peer: { kind: "ingress", entrypoints: ["websecure"] }, ports: tcp(8443) },
            { peer: { kind: "app", app: "shop", workload: "cart" }, ports: tcp(7000) },
            { peer: { kind: "app", app: "finance", workload: "ledger" }, ports: tcp(5432) },
            { peer: { kind: "entity", entities: ["world"] }, ports: tcp(443, 80) },
            { peer: { kind: "fqdn", patterns: ["*.cdn.example", "api.payments.example"] }, ports: tcp(443) },
        ]);
        // K3s's Traefik (instance traefik-kube-system in kube-system) is the program's Traefik.
        assert.deepStrictEqual(said(workload(result, "shop", "storefront").from), [{ peer: { kind: "platform", id: "traefik" }, ports: tcp(8080) }]);
        // toEndpoints: [{}] and a namespace-only selector: every pod of the namespace.
        assert.deepStrictEqual(said(workload(result, "shop", "cart").to)[2], { peer: { kind: "pods", namespace: "shop", labels: {} }, ports: { kind: "any" } });
        assert.deepStrictEqual(said(workload(result, "shop", "cart").from), [{ peer: { kind: "pods", namespace: "shop", labels: {} }, ports: { kind: "any" } }]);
        assert.deepStrictEqual(said(workload(result, "cache", "redis").from), [{ peer: { kind: "pods", namespace: "batch", labels: {} }, ports: { kind: "any" } }]);
        assert.deepStrictEqual(said(workload(result, "finance", "ledger").to), [
            { peer: { kind: "cidr", cidr: "192.168.1.45/32" }, ports: tcp(25) },
            { peer: { kind: "cidr", cidr: "9.9.9.9/32" }, ports: { kind: "ports", ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] } },
            { peer: { kind: "cidr", cidr: "1.1.1.1/32" }, ports: { kind: "ports", ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] } },
        ]);
        assert.deepStrictEqual(said(workload(result, "finance", "ledger").from)[1], { peer: { kind: "cidr", cidr: "10.42.7.7/32" }, ports: tcp(9187) });
        // CoreDNS on another port than DNS; two rules to the nodes merged into one connection.
        assert.deepStrictEqual(said(workload(result, "monitoring", "prometheus").to), [
            { peer: { kind: "platform", id: "coredns" }, ports: tcp(9153) },
            { peer: { kind: "app", app: "monitoring", workload: "blackbox" }, ports: tcp(9115) },
            { peer: { kind: "app", app: "monitoring", workload: "operator-webhook" }, ports: tcp(9443) },
            { peer: { kind: "entity", entities: ["kube-apiserver"] }, ports: { kind: "any" } },
            { peer: { kind: "entity", entities: ["host", "remote-node"] }, ports: tcp(9100, 10250) },
        ]);
        // ICMP by number and by name, beside ports to the same entities.
        assert.deepStrictEqual(said(workload(result, "monitoring", "blackbox").to), [
            { peer: { kind: "entity", entities: ["cluster", "world"] }, ports: { kind: "icmp", types: [8, 0] } },
            { peer: { kind: "entity", entities: ["cluster", "world"] }, ports: tcp(443) },
        ]);
        assert.deepStrictEqual(said(workload(result, "monitoring", "operator-webhook").from), [
            { peer: { kind: "pods", namespace: "monitoring", labels: {} }, ports: tcp(9443) },
            { peer: { kind: "entity", entities: ["kube-apiserver", "remote-node"] }, ports: tcp(9443) },
            { peer: { kind: "entity", entities: ["cluster", "world"] }, ports: { kind: "ports", ports: [{ port: 8096, protocol: "TCP" }, { port: 1900, protocol: "UDP" }] } },
        ]);
    });

    it("writes a webhook's kube-apiserver and remote-node as apiserver, which the program expands to the same two", () => {
        const printed = (parse(yaml) as any[]).find(a => a.name === "monitoring").workloads.find((w: any) => w.name === "operator-webhook");
        assert.deepStrictEqual(printed.connections.from.find((c: any) => c.entity !== undefined && c.ports[0] === 9443), { entity: "apiserver", ports: [9443] });
        const entityRules = (generated(yaml).get("monitoring/app-monitoring.operator-webhook")!.ingress as any[]).filter(r => r.fromEntities !== undefined);
        assert.deepStrictEqual(entityRules.map(r => r.fromEntities), [["kube-apiserver", "remote-node"], ["cluster", "world"]]);
        // As a destination apiserver is kube-apiserver alone; a source rule with kube-apiserver alone stays exact.
        assert.deepStrictEqual(configEntities(["kube-apiserver"], "to"), ["apiserver"]);
        assert.deepStrictEqual(configEntities(["kube-apiserver", "remote-node"], "to"), ["apiserver", "remote-node"]);
        assert.deepStrictEqual(configEntities(["kube-apiserver"], "from"), ["kube-apiserver"]);
        assert.deepStrictEqual(configEntities(["kube-apiserver", "host", "remote-node"], "from"), ["apiserver", "host"]);
    });

    it("writes the default deny, empty rules and DNS to kube-dns as nothing: the namespace baseline holds them", () => {
        for (const [file, policy, section, index] of [
            ["shop/k8s.np.shop-default-deny.yaml", "shop-default-deny", "ingress", 0],
            ["shop/k8s.np.shop-default-deny.yaml", "shop-default-deny", "egress", 0],
            ["shop/k8s.np.shop.yaml", "storefront", "egress", 0],
            // DNS written with an unprefixed k8s-app and only UDP
            ["finance/k8s.np.ledger.yaml", "ledger", "egress", 0],
            ["finance/k8s.np.ledger.yaml", "backup-ledger", "ingress", 0],
        ] as const) {
            const rule = outcome(file, policy, section, index);
            assert.deepStrictEqual([rule.status, rule.counted], ["baseline", true], ruleId(rule.ref));
        }
    });

    it("declares a connection both originals allow once, at the caller, and counts both rules", () => {
        const connection = workload(result, "shop", "storefront").to.find(c => c.peer.kind === "app" && c.peer.workload === "cart")!;
        assert.deepStrictEqual(connection.rules.map(ruleId), ["shop/k8s.np.shop.yaml: shop/storefront egress#1", "shop/k8s.np.shop.yaml: shop/cart ingress#0"]);
        assert.deepStrictEqual(workload(result, "shop", "cart").from.filter(c => c.peer.kind === "app"), []);
        assert.strictEqual(outcome("shop/k8s.np.shop.yaml", "storefront", "egress", 1).status, "expressed");
        assert.strictEqual(outcome("shop/k8s.np.shop.yaml", "cart", "ingress", 0).status, "expressed");
    });

    it("writes a one-sided connection at the side that has it, and reports the other end as widened", () => {
        // The storefront calls the ledger, which does not list it.
        const calls = outcome("shop/k8s.np.shop.yaml", "storefront", "egress", 2);
        assert.strictEqual(calls.status, "widened");
        assert.match(calls.widened[0], /finance\/\{app.kubernetes.io\/name=ledger\} will also allow ingress from shop\/\{app.kubernetes.io\/name=storefront\} on 5432\/TCP/);
        // The ledger lets prometheus scrape it; prometheus's policy does not say so: declared at the ledger.
        const scraped = outcome("finance/k8s.np.ledger.yaml", "ledger", "ingress", 0);
        assert.strictEqual(scraped.status, "widened");
        assert.deepStrictEqual(said(workload(result, "finance", "ledger").from)[0], { peer: { kind: "app", app: "monitoring", workload: "prometheus" }, ports: tcp(9187) });
        assert.deepStrictEqual(result.widenings.map(w => [w.workload, w.direction, w.peer]), [
            [{ namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } }, "egress", { namespace: "finance", labels: { "app.kubernetes.io/name": "ledger" } }],
            [{ namespace: "finance", labels: { "app.kubernetes.io/name": "ledger" } }, "ingress", { namespace: "finance", labels: { "app.kubernetes.io/name": "backup-ledger", "app.kubernetes.io/component": "backup" } }],
            [{ namespace: "finance", labels: { "app.kubernetes.io/name": "ledger" } }, "ingress", { namespace: "shop", labels: { "app.kubernetes.io/name": "storefront" } }],
        ]);
    });

    it("does not report an end as widened when that end already allows the other through a wider peer", () => {
        // The webhook admits every pod of monitoring on 9443, and the whole cluster on 8096.
        for (const [file, policy, index] of [["monitoring/k8s.np.monitoring.yaml", "prometheus", 5], ["shop/k8s.np.shop.yaml", "cart", 3]] as const) {
            const rule = outcome(file, policy, "egress", index);
            assert.deepStrictEqual([rule.status, rule.widened], ["expressed", []], ruleId(rule.ref));
        }
        assert.ok(result.widenings.every(w => w.workload.labels["app.kubernetes.io/component"] !== "webhook"));
    });

    it("with noWiden, writes one-sided connections as pods peers, which the program does not mirror", () => {
        const exact = imported({ noWiden: true });
        assert.deepStrictEqual(said(workload(exact.result, "shop", "storefront").to)[2], { peer: { kind: "pods", namespace: "finance", labels: { "app.kubernetes.io/name": "ledger" } }, ports: tcp(5432) });
        assert.deepStrictEqual(exact.result.rules.filter(r => r.status === "widened"), []);
        assert.deepStrictEqual(exact.result.widenings, []);
        // Both ends present and equal: still one app-to-app declaration.
        assert.ok(workload(exact.result, "shop", "storefront").to.some(c => c.peer.kind === "app" && c.peer.workload === "cart"));
        assert.ok(roundTrip(exact.read.policies, exact.result, exact.yaml, frontends).ok);
    });

    it("fed back through the program, yields policies that allow the same peers and ports as every rule it claims to express", () => {
        const policies = generated(yaml);
        const traefik = { "k8s:io.kubernetes.pod.namespace": "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };
        const ports = (...list: Array<[number, string]>) => [{ ports: list.map(([port, protocol]) => ({ port: String(port), protocol })) }];
        assert.deepStrictEqual(policies.get("shop/app-shop.storefront"), {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "storefront" } },
            ingress: [{ fromEndpoints: [{ matchLabels: traefik }], toPorts: ports([8080, "TCP"]) }],
            egress: [
                // The DNS proxy rule the FQDN rule needs (the original's toFQDNs had none, and allowed nothing).
                { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } }], toPorts: [{ ...ports([53, "UDP"], [53, "TCP"])[0], rules: { dns: [{ matchPattern: "*" }] } }] },
                { toEndpoints: [{ matchLabels: traefik }], toPorts: ports([8443, "TCP"]) },
                { toEndpoints: [{ matchLabels: { app: "cart" } }], toPorts: ports([7000, "TCP"]) },
                { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "finance", "app.kubernetes.io/name": "ledger" } }], toPorts: ports([5432, "TCP"]) },
                { toEntities: ["world"], toPorts: ports([443, "TCP"], [80, "TCP"]) },
                { toFQDNs: [{ matchPattern: "*.cdn.example" }, { matchName: "api.payments.example" }], toPorts: ports([443, "TCP"]) },
            ],
        });
        assert.deepStrictEqual(policies.get("shop/app-shop.cart"), {
            endpointSelector: { matchLabels: { app: "cart" } },
            ingress: [{ fromEndpoints: [{ matchLabels: { "app.kubernetes.io/name": "storefront" } }], toPorts: ports([7000, "TCP"]) }, { fromEndpoints: [{ matchLabels: {} }] }],
            egress: [
                { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "cache", "app.kubernetes.io/name": "redis" } }], toPorts: ports([6379, "TCP"]) },
                { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "monitoring", "app.kubernetes.io/name": "operator", "app.kubernetes.io/component": "webhook" } }], toPorts: ports([8096, "TCP"]) },
                { toEndpoints: [{ matchLabels: {} }] },
            ],
        });
        assert.deepStrictEqual(policies.get("monitoring/app-monitoring.blackbox")!.egress, [
            { toEntities: ["cluster", "world"], icmps: [{ fields: [{ type: 8, family: "IPv4" }, { type: 0, family: "IPv4" }] }] },
            { toEntities: ["cluster", "world"], toPorts: ports([443, "TCP"]) },
        ]);
        // The ledger's ingress: its own two rules, then the ends the widened connections open.
        assert.deepStrictEqual(policies.get("finance/app-finance.ledger")!.ingress, [
            { fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "monitoring", "app.kubernetes.io/name": "prometheus" } }], toPorts: ports([9187, "TCP"]) },
            { fromCIDRSet: [{ cidr: "10.42.7.7/32" }], toPorts: ports([9187, "TCP"]) },
            { fromEndpoints: [{ matchLabels: { "app.kubernetes.io/name": "backup-ledger", "app.kubernetes.io/component": "backup" } }] },
            { fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", "app.kubernetes.io/name": "storefront" } }], toPorts: ports([5432, "TCP"]) },
        ]);
        // Every namespace gets its baseline, monitoring and cache too (they had no default deny).
        for (const namespace of ["cache", "finance", "monitoring", "shop"]) {
            assert.deepStrictEqual(policies.get(`${namespace}/default-deny`), { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] });
            assert.ok(policies.has(`${namespace}/allow-dns`));
        }
        assert.deepStrictEqual(result.namespacesWithoutDefaultDeny, ["cache", "monitoring"]);

        // And the same, rule by rule, for every rule the importer counts.
        const check = roundTrip(read.policies, result, yaml, frontends);
        assert.deepStrictEqual(check.problems, []);
        assert.strictEqual(check.checkedRules, result.rules.filter(r => r.counted).length);
        assert.strictEqual(check.checkedWorkloads, 10);
    });

    it("notices a printed config that allows less, or more, than the originals", () => {
        const narrower = yaml.replace("ports: [9100, 10250]", "ports: [9100]");
        assert.deepStrictEqual(roundTrip(read.policies, result, narrower, frontends).problems, ["host", "remote-node"].map(entity =>
            `monitoring/k8s.np.monitoring.yaml: monitoring/prometheus egress#3: the generated policy of monitoring/app.kubernetes.io/name=prometheus does not allow egress entity:${entity}|10250/TCP`));
        const wider = yaml.replace("ports: [9187]\n          # ledger ingress#1", "ports: [9187, 22]\n          # ledger ingress#1");
        assert.notStrictEqual(wider, yaml);
        assert.deepStrictEqual(roundTrip(read.policies, result, wider, frontends).problems, [
            "the generated policy of finance/app.kubernetes.io/name=ledger allows ingress pods:monitoring/app.kubernetes.io/name=prometheus|22/TCP, which no expressed rule allowed and no widening reports",
            "the generated policy of monitoring/app.kubernetes.io/name=prometheus allows egress pods:finance/app.kubernetes.io/name=ledger|22/TCP, which no expressed rule allowed and no widening reports",
        ]);
    });

    it("prints config the program refuses until the TODO placeholders are filled in", () => {
        const raw = parse(yaml) as Array<Record<string, unknown>>;
        assert.deepStrictEqual([raw[0].repoURL, raw[0].path, raw[0].targetRevision], ["TODO", "cache", "TODO"]);
        assert.match(yaml, /repoURL: TODO # TODO: the Git repository of these manifests/);
        const { issues } = parseApplications(raw, { entrypoints });
        assert.deepStrictEqual([...new Set(issues.map(i => i.key.replace(/\[\d+\]/, "[n]")))], ["applications[n].repoURL"]);
        const filled = importPolicies(read.policies, { frontends, repoURL: "https://git.example.org/home.git", targetRevision: "HEAD", pathPrefix: "apps" });
        const rawFilled = parse(renderApplicationsYaml(filled, "x")) as Array<Record<string, unknown>>;
        assert.deepStrictEqual([rawFilled[0].repoURL, rawFilled[0].path, rawFilled[0].targetRevision], ["https://git.example.org/home.git", "apps/cache", "HEAD"]);
        assert.deepStrictEqual(parseApplications(rawFilled, { entrypoints }).issues, []);
    });

    it("reports the coverage, the platform's policies, and every rule it could not express with its file, policy, rule index and reason", () => {
        const report = renderReport(result, { source: "test/fixtures/policies", files: read.files, policies: read.policies.length, encrypted: read.encrypted.length, otherKinds: read.otherKinds, unreadable: read.unreadable, invalid: read.invalid });
        const lines = report.split("\n");
        assert.ok(lines.includes("  application rules: 43 of 52 (82.7%)"), report);
        assert.ok(lines.includes("  all rules:         43 of 55 (78.2%); the 3 rules of the platform's 3 policies are not imported"), report);
        assert.ok(lines.includes("  not imported: 1 CiliumClusterwideNetworkPolicy (the vocabulary writes namespaced policies only)"), report);
        for (const platform of ["argocd/argocd-server (Argo CD, 1 rule)", "kube-system/traefik (Traefik, 1 rule)", "kube-system/coredns (CoreDNS, 1 rule)"]) {
            assert.ok(lines.includes(`  unexpressible/k8s.np.platform.yaml: ${platform}`), platform);
        }
        const notExpressed = report.slice(report.indexOf("Not expressed: 7 rules"), report.indexOf("Partly expressed"));
        for (const expected of [
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api ingress#0: L7 rules (http) restrict what may be said on the ports",
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api ingress#1: fromEndpoints[0]: matches no pod: its namespace label names longhorn-system, but a selector without io.kubernetes.pod.namespace is confined to the policy's namespace shop",
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api egress#0: toServices: selects Services (toServices)",
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api egress#1: named port http",
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api egress#3: DNS rules allow lookups of api.internal.example only",
            "unexpressible/k8s.np.legacy.yaml: shop/legacy-api egressDeny#0: a deny rule",
            "unexpressible/k8s.np.legacy.yaml: kube-system/netshoot egress#0: namespace kube-system belongs to the platform",
        ]) {
            assert.ok(notExpressed.includes(`    ${expected}`), `${expected}\n${notExpressed}`);
        }
        const partly = report.slice(report.indexOf("Partly expressed: 2 rules"), report.indexOf("Widened:"));
        assert.match(partly, /shop\/legacy-api ingress#2: fromEndpoints\[1\]: the selector uses matchExpressions/);
        assert.match(partly, /shop\/legacy-api egress#2: port 5060 with protocol ANY is written as TCP and UDP; SCTP is not in the vocabulary/);
        assert.match(report, /Widened: 3 rules/);
        assert.match(report, /Namespaces without a default-deny policy in the originals: cache, monitoring\./);
    });
});

describe("npm run import-policies", () => {
    async function run(...argv: string[]) {
        let stdout = "";
        let stderr = "";
        const code = await main([...argv, ...(argv.includes("--stack") ? [] : ["--stack", "home"])], { out: t => (stdout += t), err: t => (stderr += t), root: STACKS });
        return { code, stdout, stderr };
    }
    let scratch: string;
    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "import-policies-"));
    });
    after(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("prints the config on stdout and the report on stderr, and exits 1 when some rules are not expressed", async () => {
        const { code, stdout, stderr } = await run(FIXTURES);
        assert.strictEqual(code, 1);
        assert.strictEqual((parse(stdout) as unknown[]).length, 5);
        assert.match(stderr, /application rules: 43 of 52 \(82\.7%\)/);
        assert.match(stderr, /Round trip: the printed config, read back by the program, generates policies for 10 workloads that allow exactly what the 43 expressed rules allow/);
    });

    it("exits 0 when every application rule is expressed, and writes the config to --out", async () => {
        const out = path.join(scratch, "applications.yaml");
        const { code, stdout, stderr } = await run(FIXTURES, "--exclude", "unexpressible", "--out", out, "--repo-url", "https://git.example.org/home.git", "--target-revision", "v1.2.0");
        assert.strictEqual(code, 0, stderr);
        assert.strictEqual(stdout, "");
        assert.match(stderr, /application rules: 43 of 43 \(100\.0%\)/);
        assert.deepStrictEqual(parseApplications(parse(fs.readFileSync(out, "utf8")), { entrypoints }).issues, []);
    });

    it("exits 2 when there is nothing to import, or a policy file cannot be read", async () => {
        fs.writeFileSync(path.join(scratch, "deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
        const empty = await run(scratch);
        assert.strictEqual(empty.code, 2);
        assert.match(empty.stderr, /No CiliumNetworkPolicy under/);
        const broken = path.join(scratch, "chart");
        fs.mkdirSync(broken);
        fs.copyFileSync(path.join(FIXTURES, "cache", "k8s.np.redis.yaml"), path.join(broken, "k8s.np.redis.yaml"));
        fs.writeFileSync(path.join(broken, "template.yaml"), "kind: CiliumNetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: [\n");
        const unreadable = await run(broken);
        assert.strictEqual(unreadable.code, 2);
        assert.match(unreadable.stderr, /not read: template\.yaml: not YAML/);
    });

    it("exits 2 on bad usage, saying what is wrong and how to call it", async () => {
        const cases: Array<[string[], RegExp]> = [
            [[], /import-policies: <folder> is missing/],
            [["--no-such-option", FIXTURES], /unknown option --no-such-option/],
            [["--no-wide", FIXTURES], /unknown option --no-wide: did you mean --no-widen\?/],
            [[path.join(scratch, "missing")], /missing is not a folder/],
            [[FIXTURES, "--stack"], /--stack needs a value/],
            [[FIXTURES, "--stack", "nowhere"], /there is no Pulumi\.nowhere\.yaml/],
            [[FIXTURES, FIXTURES], /unexpected argument/],
        ];
        for (const [argv, problem] of cases) {
            const { code, stdout, stderr } = await run(...argv);
            assert.strictEqual(code, 2, argv.join(" "));
            assert.strictEqual(stdout, "");
            assert.match(stderr, problem, argv.join(" "));
            assert.match(stderr, /\nusage: homelab-network import-policies <folder> --stack <name> /, argv.join(" "));
        }
    });

    it("has no default stack: without --stack it stops before reading the folder", async () => {
        let stderr = "";
        const code = await main([FIXTURES], { err: t => (stderr += t), root: STACKS });
        assert.strictEqual(code, 2);
        assert.match(stderr, /^homelab-network import-policies: --stack is required \(there is no default stack\); the stacks here are: .*\bhome\b/);
    });
});

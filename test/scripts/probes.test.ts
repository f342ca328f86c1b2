// A prober's ports from its config (scripts/policyImport/probes.ts), and the
// import's world egress on every port: narrowed for a prober, listed as
// failing the pack for anyone else (scripts/policyImport/worldEgress.ts).
import * as assert from "assert";
import type { ImportedApplication, ImportedConnection } from "../../scripts/policyImport/importResult";
import type { ChartRelease } from "../../scripts/policyImport/manifests";
import { BLACKBOX_CHART, ProberPorts, proberPorts, proberPortsText } from "../../scripts/policyImport/probes";
import { narrowWorldEgress } from "../../scripts/policyImport/worldEgress";

const release = (...layers: Array<Record<string, unknown>>): ChartRelease => ({
    file: "prober/kustomization.yaml", namespace: "monitoring", release: "blackbox", chart: BLACKBOX_CHART,
    values: layers.map((values, i) => ({ source: `layer ${i}`, values })),
});
const targets = (...list: Array<Record<string, unknown>>) => ({ serviceMonitor: { targets: list } });
const MODULES = { config: { modules: { web: { prober: "http" }, ping: { prober: "icmp" }, smtp: { prober: "tcp" }, resolve: { prober: "dns" }, resolveTcp: { prober: "dns", dns: { transport_protocol: "tcp" } } } } };

const known = (result: ReturnType<typeof proberPorts>): ProberPorts => {
    assert.ok(!("unknown" in result), "unknown" in result ? result.unknown : "");
    return result;
};

describe("probes: what a blackbox exporter reaches, from its chart's values", () => {
    it("reads each target's port from its URL and module: the http scheme's port or the URL's own, tcp and dns targets' ports, ICMP echo", () => {
        const prober = known(proberPorts(release(MODULES, targets(
            { name: "a", url: "https://example.org:8443/health", module: "web" },
            { name: "b", url: "example.org", module: "web" },
            { name: "c", url: "https://example.org/", module: "web" },
            { name: "d", url: "mail.example.org:25", module: "smtp" },
            { name: "e", url: "192.168.1.1", module: "ping" },
            { name: "f", url: "9.9.9.9", module: "resolve" },
            { name: "g", url: "9.9.9.9:5353", module: "resolveTcp" },
        ))));
        assert.strictEqual(proberPortsText(prober), "25/TCP, 80/TCP, 443/TCP, 5353/TCP, 8443/TCP, 53/UDP, ICMP 8");
        assert.deepStrictEqual(prober.labels, { "app.kubernetes.io/name": BLACKBOX_CHART, "app.kubernetes.io/instance": "blackbox" });
        assert.doesNotMatch(prober.why, /assumed/);
    });

    it("assumes 80 and 443 for an http target whose URL is encrypted, and says so; the chart's own http_2xx serves targets without a module", () => {
        const prober = known(proberPorts(release(targets({ name: "a", url: "ENC[AES256_GCM,data:AAAA,type:str]" }))));
        assert.strictEqual(proberPortsText(prober), "80/TCP, 443/TCP");
        assert.match(prober.why, /1 of module http_2xx \(prober http\); URLs encrypted with SOPS hide their scheme and port, so the http prober's 80 and 443 are assumed/);
    });

    it("cannot tell the ports of an encrypted tcp target, an undefined module, an unknown prober, or an exporter without targets", () => {
        const unknown = (r: ReturnType<typeof proberPorts>) => ("unknown" in r ? r.unknown : "known");
        assert.match(unknown(proberPorts(release(MODULES, targets({ name: "mail", url: "ENC[AES256_GCM,data:AAAA]", module: "smtp" })))), /^target mail \(module smtp\): a tcp target names its port in its address, and that address is encrypted$/);
        assert.match(unknown(proberPorts(release(targets({ name: "x", url: "example.org", module: "tls" })))), /uses module tls, which the values do not define/);
        assert.match(unknown(proberPorts(release({ config: { modules: { odd: { prober: "ssh" } } } }, targets({ name: "x", url: "h", module: "odd" })))), /the prober ssh is not one whose ports are known/);
        assert.match(unknown(proberPorts(release({ serviceMonitor: { enabled: false, targets: [{ name: "a", url: "https://x" }] } }))), /no probe targets in the chart's values/);
    });

    it("merges the values in kustomize's order: a later layer overrides an earlier one", () => {
        const prober = known(proberPorts(release(targets({ name: "a", url: "http://x" }), targets({ name: "a", url: "https://x" }))));
        assert.strictEqual(proberPortsText(prober), "443/TCP");
    });
});

describe("world egress on every port in an import", () => {
    const rule = { file: "prober/np.yaml", doc: 0, policy: "blackbox", namespace: "monitoring", section: "egress" as const, index: 0 };
    const application = (selector: Record<string, string>, to: ImportedConnection[]): ImportedApplication => ({
        name: "prober", namespace: "monitoring", folder: "prober", files: ["prober/np.yaml"],
        workloads: [{ name: "w", key: "k", namespace: "monitoring", selector, policies: ["blackbox"], to, from: [] }],
    });
    const everyPort = (...entities: Array<"world" | "cluster">): ImportedConnection => ({ peer: { kind: "entity", entities }, ports: { kind: "any" }, rules: [rule] });
    const charts = [release(MODULES, targets({ name: "a", url: "https://x" }, { name: "b", url: "10.0.0.1", module: "ping" }))];

    it("narrows a prober's, keeping the other entities on every port and merging into its world connection", () => {
        const existing: ImportedConnection = { peer: { kind: "entity", entities: ["world"] }, ports: { kind: "ports", ports: [{ port: 22, protocol: "TCP" }] }, rules: [] };
        const apps = [application({ "app.kubernetes.io/name": BLACKBOX_CHART }, [everyPort("cluster", "world"), existing])];
        const result = narrowWorldEgress(apps, charts);
        assert.deepStrictEqual(apps[0].workloads[0].to.map(c => [c.peer, c.ports]), [
            [{ kind: "entity", entities: ["cluster"] }, { kind: "any" }],
            [{ kind: "entity", entities: ["world"] }, { kind: "ports", ports: [{ port: 22, protocol: "TCP" }, { port: 443, protocol: "TCP" }] }],
            [{ kind: "entity", entities: ["world"] }, { kind: "icmp", types: [8] }],
        ]);
        assert.deepStrictEqual([result.packFailures, result.narrowed.length, [...result.reasons.keys()]], [[], 1, ["prober/np.yaml: monitoring/blackbox egress#0"]]);
    });

    it("lists any other workload's as a place where the config fails the pack, with the fix", () => {
        const apps = [application({ app: "crawler" }, [everyPort("world")])];
        const result = narrowWorldEgress(apps, charts);
        assert.deepStrictEqual(result.packFailures, [
            "monitoring/{app=crawler} (Application prober): its policy lets it out to the world on every port (blackbox egress#0), which the pack's egress-to-world-needs-ports refuses: list the ports it needs on that connection (world, ports: [...])",
        ]);
        assert.deepStrictEqual(apps[0].workloads[0].to, [everyPort("world")]);
    });

    it("lists a prober whose probes cannot be told, with why", () => {
        const apps = [application({ "app.kubernetes.io/name": BLACKBOX_CHART }, [everyPort("world")])];
        const result = narrowWorldEgress(apps, [release(MODULES, targets({ name: "mail", url: "ENC[x]", module: "smtp" }))]);
        assert.match(result.packFailures[0], /\(its blackbox exporter's probes cannot be told: target mail \(module smtp\): a tcp target names its port in its address, and that address is encrypted\)/);
    });
});

// policy-diff on a running cluster's folder against the stack that takes it
// over (test/fixtures/policy-diff/takeover): Traefik compared as one
// identity, vacuous selectors and the kube-system remainder listed and not
// counted, every policy kind read, and the exit code that a dropped
// connection alone turns to 1.
import * as assert from "assert";
import * as path from "path";
import { REPO_ROOT } from "../harness";
import { cli } from "../../scripts/cli/main";
import { readPolicyObject } from "../../policy/policyModel";
import { TRAEFIK } from "../../platform/traefik";
import { Workload, diffPolicies, entryText } from "../../scripts/policyDiff/diff";
import { readFolderPolicies } from "../../scripts/policyDiff/folder";
import { prepareOriginal } from "../../scripts/policyDiff/original";
import { diffSides } from "../../scripts/policyDiff/run";
import type { FolderManifests } from "../../scripts/policyImport/manifests";

const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", "policy-diff", "takeover");
const CLUSTER = path.join(FIXTURE, "cluster");

async function diff(...exclude: string[]) {
    let out = "";
    let err = "";
    const argv = ["policy-diff", CLUSTER, "--stack", "takeover", ...exclude.flatMap(e => ["--exclude", e])];
    const code = await cli(argv, { out: (t: string) => (out += t), err: (t: string) => (err += t), root: path.join(FIXTURE, "stack") } as never);
    return { code, out, err };
}

/** The lines of one section of the listing, from its heading to the next blank line. */
function section(out: string, heading: string): string[] {
    const start = out.indexOf(`\n${heading}`);
    assert.ok(start >= 0, `the listing has "${heading}":\n${out}`);
    const end = out.indexOf("\n\n", start + 1);
    return out.slice(start + 1, end < 0 ? undefined : end).trimEnd().split("\n");
}

const cnp = (namespace: string, name: string, spec: Record<string, unknown>) =>
    readPolicyObject({ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { namespace, name }, spec });

const NO_MANIFESTS: FolderManifests = { namespaces: new Set(), templates: [], services: [], helmServices: [], ingressBackends: [] };
const withNamespaces = (...namespaces: string[]): FolderManifests => ({ ...NO_MANIFESTS, namespaces: new Set(namespaces) });

describe("policy-diff: taking over a running cluster", () => {
    describe("the command on the fixture", function () {
        this.timeout(120000);

        it("exits 0 on the faithful folder: nothing lost, Traefik mapped and named, the vacuous rule listed, the SOPS file listed as not read", async () => {
            const { code, out, err } = await diff("debug", "extra");
            assert.strictEqual(code, 0, out + err);
            assert.match(out, /\nLost \(allowed before, not by the stack\): none\n/);
            assert.match(out, /\nMapping applied: the original's Traefik, kube-system\/\{app\.kubernetes\.io\/instance=traefik-kube-system, app\.kubernetes\.io\/name=traefik\} \(selected by CiliumNetworkPolicy kube-system\/traefik \(in traefik\/k8s\.np\.traefik\.yaml\)\), is compared as the program's Traefik, traefik\/\{app\.kubernetes\.io\/instance=traefik-traefik, app\.kubernetes\.io\/name=traefik\}: the pods of 1 policy and 1 peer that admitted it\.\n/);
            assert.match(out, /\nNot read: 1 SOPS-encrypted file \(their values are ciphertext; a policy in one is not compared\): traefik\/secrets\.enc\.yaml\n/);
            assert.deepStrictEqual(section(out, "Not counted: rules whose peer matched nothing").slice(1), [
                "  CiliumNetworkPolicy shop/api (in shop/k8s.np.shop.yaml) ingress[1]: fromEndpoints {io.kubernetes.pod.namespace=traefik, app.kubernetes.io/name=traefik} matched no pod: " +
                "no workload either side declares runs in namespace traefik (no pod template, chart release, Helm Application or policy there)",
            ]);
            assert.ok(!out.includes("Not counted: the remainder"), "no remainder without the debug folder");
            // The blackbox exporter's world egress, narrowed to its probes' ports: listed apart, with the config's account.
            assert.deepStrictEqual(section(out, "Not counted as lost: egress outside the cluster on ports no probe uses"), [
                "Not counted as lost: egress outside the cluster on ports no probe uses, from probers whose config says what they reach (the importer narrows them: the pack refuses world egress on every port): 1",
                "  prober monitoring/prometheus-blackbox-exporter: 443/TCP, ICMP 8, the 2 probe targets of chart prometheus-blackbox-exporter's release prometheus-blackbox-exporter (monitoring/kustomization.yaml (valuesInline)): " +
                "1 of module http_2xx (prober http), 1 of module icmp (prober icmp)",
                "  monitoring/prometheus-blackbox-exporter -> entity world: every SCTP port, 0-442/TCP, 444-65535/TCP, every UDP port",
            ]);
        });

        it("exits 0 on a folder whose only difference is the kube-system remainder, and lists its rules by policy, rule, peer and ports", async () => {
            const { code, out, err } = await diff("extra");
            assert.strictEqual(code, 0, out + err);
            assert.match(out, /\nLost \(allowed before, not by the stack\): none\n/);
            assert.deepStrictEqual(section(out, "Not counted: the remainder"), [
                "Not counted: the remainder, rules the program cannot express (policies in a namespace the platform owns, for pods other than the platform's), by policy, rule, peer and ports: 2",
                "  CiliumNetworkPolicy kube-system/netshoot (in debug/k8s.np.netshoot.yaml) ingress[0]: from fromEndpoints {} on 9999/TCP",
                "  CiliumNetworkPolicy kube-system/netshoot (in debug/k8s.np.netshoot.yaml) egress[0]: to toEntities world on every port",
            ]);
        });

        it("exits 1 on a folder with one connection the stack dropped, and names it among the lost (read from a NetworkPolicy and a CiliumNetworkPolicy)", async () => {
            const { code, out, err } = await diff("debug");
            assert.strictEqual(code, 1, out + err);
            assert.deepStrictEqual(section(out, "Lost ("), ["Lost (allowed before, not by the stack): 1", "  shop/api -> data/db: 9187/TCP"]);
            assert.match(out, /\nRead 9 policies \(8 CiliumNetworkPolicy, 1 NetworkPolicy\) from 9 YAML files\.\n/);
        });
    });

    describe("the original's side", () => {
        const traefik = (namespace: string, instance: string) => cnp(namespace, "traefik", {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": instance } },
            egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop" } }] }],
        });
        const apiAdmits = (selector: Record<string, string>) => cnp("shop", "api", {
            endpointSelector: { matchLabels: { app: "api" } },
            ingress: [{ fromEndpoints: [{ matchLabels: selector }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
        });
        const api: Workload = { namespace: "shop", labels: { app: "api" }, source: "test" };
        const programTraefik: Workload = { namespace: TRAEFIK.namespace, labels: TRAEFIK.podLabels, source: "test" };
        const programSide = [
            ...cnp("traefik", "traefik", {
                endpointSelector: { matchLabels: { ...TRAEFIK.podLabels } },
                egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", app: "api" } }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            }),
            ...apiAdmits({ "k8s:io.kubernetes.pod.namespace": "traefik", ...TRAEFIK.podLabels }),
        ];

        it("compares the original's Traefik, and a peer that selects it, as the program's Traefik (TRAEFIK.podLabels)", () => {
            const before = [...traefik("kube-system", "traefik-kube-system"), ...apiAdmits({ "k8s:io.kubernetes.pod.namespace": "kube-system", "app.kubernetes.io/name": "traefik" })];
            const original = prepareOriginal(before, programSide, undefined);
            assert.strictEqual(original.mappings.length, 1);
            assert.deepStrictEqual(diffPolicies(original.policies, programSide, [api, programTraefik]).lost, []);
            // Unmapped, the same policies lose the path: the two Traefiks are different pods.
            const kubeSystemTraefik: Workload = { namespace: "kube-system", labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-kube-system" }, source: "test" };
            const unmapped = diffPolicies(before, programSide, [api, programTraefik, kubeSystemTraefik]).lost.map(entryText);
            assert.deepStrictEqual(unmapped.filter(e => e.endsWith("shop/api: 8080/TCP")), ["kube-system/traefik -> shop/api: 8080/TCP"]);
        });

        it("keeps the other pods of a peer that selected Traefik among them, and admits the program's Traefik too", () => {
            const before = [...traefik("kube-system", "traefik-kube-system"), ...apiAdmits({ "k8s:io.kubernetes.pod.namespace": "kube-system" })];
            const rule = prepareOriginal(before, programSide, undefined).policies[1].rules[0];
            assert.deepStrictEqual(rule.peers.map(p => (p.kind === "endpoints" ? [p.namespace, p.selector.matchLabels] : p.kind)), [
                ["kube-system", {}],
                [TRAEFIK.namespace, TRAEFIK.podLabels],
            ]);
        });

        it("maps nothing, and says nothing, when the original's Traefik already is the program's", () => {
            const original = prepareOriginal([...traefik(TRAEFIK.namespace, TRAEFIK.podLabels["app.kubernetes.io/instance"])], programSide, undefined);
            assert.deepStrictEqual(original.mappings, []);
        });

        it("leaves out a peer in a namespace where neither side runs pods, and one whose namespace label contradicts its namespace; a folder without manifests proves nothing", () => {
            const before = [
                ...apiAdmits({ "k8s:io.kubernetes.pod.namespace": "traefik", "app.kubernetes.io/name": "traefik" }),
                ...cnp("shop", "contradiction", { endpointSelector: { matchLabels: { app: "api" } }, ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": "longhorn-system" } }] }] }),
                ...cnp("shop", "chart", { endpointSelector: { matchLabels: { app: "api" } }, egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "dns", app: "pihole" } }] }] }),
            ];
            const original = prepareOriginal(before, [], withNamespaces("shop", "dns"));
            assert.deepStrictEqual(original.vacuous.map(v => v.replace(/ matched no pod: .*/, "")), [
                "CiliumNetworkPolicy shop/api ingress[0]: fromEndpoints {io.kubernetes.pod.namespace=traefik, app.kubernetes.io/name=traefik}",
                "CiliumNetworkPolicy shop/contradiction ingress[0]: fromEndpoints {io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=longhorn-system}",
            ]);
            assert.match(original.vacuous[1], /its namespace label names longhorn-system, but it looks in namespace shop$/);
            // The rule stays (it still puts the pods into default deny); only the peer goes.
            assert.deepStrictEqual(original.policies[0].rules[0].peers, []);
            assert.strictEqual(original.policies[0].enforces.ingress, true);
            assert.deepStrictEqual(prepareOriginal(before, [], undefined).vacuous, []);
        });

        it("matches the namespace-name label as Cilium does: a pod carries its namespace's name", () => {
            const byName = cnp("shop", "api", {
                endpointSelector: { matchLabels: { app: "api" } },
                ingress: [{ fromEndpoints: [{ matchLabels: { "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": "data", "k8s:io.kubernetes.pod.namespace": "data" } }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            });
            const db: Workload = { namespace: "data", labels: { app: "db" }, source: "test" };
            const closed = cnp("shop", "api", { endpointSelector: { matchLabels: { app: "api" } }, ingress: [{}] });
            assert.deepStrictEqual(diffPolicies(byName, closed, [api, db]).lost.map(entryText), ["data/db -> shop/api: 8080/TCP"]);
        });

        it("lists the remainder by policy, rule, peer and ports, and sets its pods' ends apart", () => {
            const netshoot = cnp("kube-system", "netshoot", {
                endpointSelector: { matchLabels: { "app.kubernetes.io/name": "netshoot" } },
                egress: [{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", app: "api" } }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            });
            const original = prepareOriginal(netshoot, [], undefined);
            assert.deepStrictEqual(original.remainder, ["CiliumNetworkPolicy kube-system/netshoot egress[0]: to toEndpoints {io.kubernetes.pod.namespace=shop, app=api} on 8080/TCP"]);
            const pod: Workload = { namespace: "kube-system", labels: { "app.kubernetes.io/name": "netshoot" }, source: "test" };
            assert.ok(original.inRemainder(pod) && !original.inRemainder(api));
            // The stack puts netshoot into default deny (as if): what only its end lost is the remainder's.
            const closed = cnp("kube-system", "netshoot", { endpointSelector: { matchLabels: { "app.kubernetes.io/name": "netshoot" } }, egress: [{}] });
            const result = diffPolicies(original.policies, closed, [api, pod], w => (original.inRemainder(w) ? "remainder" : undefined));
            assert.deepStrictEqual([result.lost.length, result.remainder.map(entryText)], [0, ["kube-system/netshoot -> shop/api: 8080/TCP"]]);
        });
    });

    it("sets apart only what a prober lost on ports none of its probes uses: a probe's own port lost stays lost", () => {
        const blackbox = { "app.kubernetes.io/name": "prometheus-blackbox-exporter" };
        const worldEgress = (toPorts?: unknown) => cnp("monitoring", "blackbox", { endpointSelector: { matchLabels: blackbox }, egress: [{ toEntities: ["world"], ...(toPorts === undefined ? {} : { toPorts }) }] });
        const manifests: FolderManifests = {
            ...withNamespaces("monitoring"),
            charts: [{
                file: "monitoring/kustomization.yaml", namespace: "monitoring", release: "prometheus-blackbox-exporter", chart: "prometheus-blackbox-exporter",
                values: [{ source: "inline", values: { serviceMonitor: { targets: [{ name: "a", url: "https://a.example.org" }, { name: "b", url: "10.0.0.1", module: "icmp" }] }, config: { modules: { icmp: { prober: "icmp" } } } } }],
            }],
        };
        const narrowed = diffSides(worldEgress(), [...worldEgress([{ ports: [{ port: "443", protocol: "TCP" }] }]), ...cnp("monitoring", "ping", { endpointSelector: { matchLabels: blackbox }, egress: [{ toEntities: ["world"], icmps: [{ fields: [{ type: 8 }] }] }] })], manifests);
        assert.deepStrictEqual([narrowed.diff.lost.length, narrowed.narrowed.entries.map(entryText)], [0, ["monitoring/prometheus-blackbox-exporter -> entity world: every SCTP port, 0-442/TCP, 444-65535/TCP, every UDP port"]]);
        const icmpLost = diffSides(worldEgress(), worldEgress([{ ports: [{ port: "443", protocol: "TCP" }] }]), manifests);
        assert.deepStrictEqual([icmpLost.diff.lost.map(entryText), icmpLost.narrowed.entries.length], [["monitoring/prometheus-blackbox-exporter -> entity world: every ICMP port, every SCTP port, 0-442/TCP, 444-65535/TCP, every UDP port"], 0]);
    });

    it("reads every policy kind of a folder through the policy model", () => {
        const read = readFolderPolicies(CLUSTER);
        assert.deepStrictEqual(Object.fromEntries(read.kinds), { CiliumNetworkPolicy: 9, NetworkPolicy: 1 });
        assert.deepStrictEqual(read.encrypted, ["traefik/secrets.enc.yaml"]);
        assert.ok(read.policies.some(p => p.kind === "NetworkPolicy" && p.owner === "NetworkPolicy shop/api-metrics (in extra/k8s.np.metrics.yaml)"));
    });
});

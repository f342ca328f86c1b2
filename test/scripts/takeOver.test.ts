// The importer on a GitOps folder whose manifests say more than its policies
// (test/fixtures/takeover): addresses the LAN reaches, Traefik paths kept,
// rules that matched nothing not revived, namespaces without default deny
// staged; and the printed config passes the program and its round trip.
import * as assert from "assert";
import * as path from "path";
import { parse } from "yaml";
import { parseApplications } from "../../config/applications";
import { main } from "../../scripts/cli/importPolicies";
import { readFolderManifests } from "../../scripts/policyImport/manifests";
import { REPO_ROOT, STACKS } from "../harness";
import { HOME_ENTRYPOINTS, HOME_FRONTENDS } from "./homeFrontends";

const FOLDER = path.join(REPO_ROOT, "test", "fixtures", "takeover");
const frontends = HOME_FRONTENDS;
const entrypoints = HOME_ENTRYPOINTS;
/** The home pool 192.168.1.231-239 without Traefik's two addresses and the one the fixture's chart pins. */
const pool = {
    free: ["192.168.1.232", "192.168.1.234"],
    contains: (a: string) => /^192\.168\.1\.23[1-9]$/.test(a),
};

async function run(freeAddresses = pool.free) {
    let stdout = "";
    let stderr = "";
    const code = await main([FOLDER, "--stack", "home"], { out: t => (stdout += t), err: t => (stderr += t), root: STACKS, frontends, pool: { ...pool, free: freeAddresses } });
    return { code, stdout, stderr, config: parse(stdout) as any[] };
}

const app = (config: any[], name: string) => {
    const found = config.find(a => a.name === name);
    assert.ok(found, `Application ${name} was printed`);
    return found;
};

/** The library's workload of the books Application (its backup job is the other). */
const library = (config: any[]) => app(config, "books").workloads.find((w: any) => w.name === "library");

describe("import-policies: taking over a running cluster", () => {
    let result: Awaited<ReturnType<typeof run>>;
    before(async () => {
        result = await run();
    });

    it("prints a config the program accepts and whose generated policies pass the round trip", () => {
        assert.match(result.stderr, /\nRound trip: the printed config, read back by the program, generates policies for 7 workloads/);
        const placeholders = result.config.map(a => ({ ...a, repoURL: "https://git.example.org/x.git", targetRevision: "HEAD" }));
        assert.deepStrictEqual(parseApplications(placeholders, { entrypoints }).issues, []);
    });

    it("writes the address a Service pins for pods the LAN reaches on their own address, with the ports the policy opened", () => {
        assert.deepStrictEqual(app(result.config, "mediaserver").workloads[0].loadBalancerAddresses, [{ address: "192.168.1.233", ports: [8096] }]);
        assert.match(result.stderr, /media\/\{app\.kubernetes\.io\/name=mediaserver\} \(Application mediaserver\): 192\.168\.1\.233 on 8096\/TCP, pinned by chart mediaserver's Service \(helmCharts values\) in mediaserver\/kustomization\.yaml/);
    });

    it("chooses a free pool address for pods reached on an external IP today, and says what to pin", () => {
        assert.deepStrictEqual(app(result.config, "share").workloads[0].loadBalancerAddresses, [{ address: "192.168.1.232", ports: [445] }]);
        assert.match(result.stdout, /# TODO: Service share \(share\/k8s\.service\.yaml\) uses externalIPs 192\.168\.1\.45; pin 192\.168\.1\.232 on that Service \(annotation kube-vip\.io\/loadbalancerIPs, type LoadBalancer\)/);
    });

    it("lists the place that would fail the pack when the pool has no free address left", async () => {
        const full = await run([]);
        assert.strictEqual(app(full.config, "share").workloads[0].loadBalancerAddresses, undefined);
        assert.match(full.stderr, /Policy pack: the printed config fails it in 1 place until fixed:\n {2}media\/\{app\.kubernetes\.io\/name=share\} \(Application share\): reached today on an address of its own \(Service share \(share\/k8s\.service\.yaml\) uses externalIPs 192\.168\.1\.45\), but the pool has no free address left/);
        assert.match(result.stderr, /Policy pack: nothing in the printed config is known to fail it/);
    });

    it("does not write world for pods no Service exposes, nor for pods on the host's network, and says why", () => {
        const libraryWorkload = library(result.config);
        assert.deepStrictEqual(libraryWorkload.connections.from, [{ platform: "traefik", ports: [8686] }, { entity: "cluster", ports: [8686] }]);
        assert.strictEqual(app(result.config, "tv").workloads[0].connections, undefined);
        assert.match(result.stderr, /books\/\{app\.kubernetes\.io\/name=library\} \(Application books\): no Service under .*books gives them an address of their own \(library: ClusterIP\)/);
        assert.match(result.stderr, /media\/\{app\.kubernetes\.io\/name=tv\} \(Application tv\): its pods use the host's network \(hostNetwork: true in tv\/k8s\.deployment\.yaml\)/);
        assert.match(result.stderr, /Partly expressed: 3 rules[^\n]*\n {2}the LAN \(world\) admitted to pods it never reached as world/);
    });

    it("keeps the Ingress path open: Traefik to the Service's pod port, from the Ingress in the Application's folder", () => {
        assert.match(result.stderr, /books\/\{app\.kubernetes\.io\/name=library\} \(Application books\): from Traefik on 8686\/TCP: books\/k8s\.ingress\.yaml routes to Service library \(pod port 8686\)/);
    });

    it("reports a rule that selected Traefik where it never ran, and does not revive it as a Traefik connection", () => {
        const dashboard = app(result.config, "dashboard").workloads[0];
        assert.deepStrictEqual(dashboard.connections.from, [{ pods: true, namespace: "tools", ports: [8080] }]);
        assert.match(result.stderr, /dashboard\/k8s\.np\.dashboard\.yaml: tools\/dashboard ingress#0: fromEndpoints\[0\]: matched no pod in the original: no manifest under .* runs pods in namespace traefik/);
    });

    it("keeps a path the original Traefik policy opened to a namespace whose pods admitted the cluster", async () => {
        // Without its Ingress, books' path comes from the original Traefik policy alone.
        let stderr = "";
        let stdout = "";
        await main([FOLDER, "--stack", "home", "--exclude", "books/k8s.ingress.yaml"], { out: t => (stdout += t), err: t => (stderr += t), root: STACKS, frontends, pool });
        assert.deepStrictEqual(library(parse(stdout)).connections.from[0], { platform: "traefik", ports: [8686] });
        assert.match(stderr, /from Traefik on 8686\/TCP: traefik\/k8s\.np\.traefik\.yaml: kube-system\/traefik egress#0 let Traefik reach every pod of namespace books, and library ingress#0 admitted it/);
    });

    it("stages every namespace the original left without default deny, and says so", () => {
        const staged = result.config.filter(a => a.enforcement === "staged").map(a => a.name).sort();
        assert.deepStrictEqual(staged, ["books", "dashboard", "prober"]);
        assert.match(result.stderr, /Staged: books, monitoring, tools had no default-deny policy in the originals, so their Applications are written with enforcement: staged/);
        assert.match(result.stderr, /\n {2}namespace tools: dashboard\n/);
    });

    it("writes a prober's world egress on every port as the ports its probes use, read from its chart's values (SOPS-encrypted URLs: 80 and 443), and says so", () => {
        const prober = app(result.config, "prober").workloads[0];
        assert.deepStrictEqual(prober.connections.to, [{ entity: "cluster", ports: "any" }, { entity: "world", ports: [80, 443] }, { entity: "world", icmp: [8] }]);
        assert.match(result.stderr, /\nNarrowed to what the workload's config says it reaches: 1 workload whose policy let it out to the world on every port \(the pack's egress-to-world-needs-ports refuses that\):\n {2}monitoring\/\{app\.kubernetes\.io\/name=prometheus-blackbox-exporter\} \(Application prober\): world on every port written as 80\/TCP, 443\/TCP, ICMP 8, the ports its probes use: the 2 probe targets of chart prometheus-blackbox-exporter's release prometheus-blackbox-exporter \(prober\/values\.enc\.yaml \(SOPS: read for its clear parts\)\): 1 of module http_2xx \(prober http\), 1 of module icmp \(prober icmp\); URLs encrypted with SOPS hide their scheme and port, so the http prober's 80 and 443 are assumed/);
        assert.match(result.stderr, /\n {2}egress to the world on every port \(which the pack refuses\) written as the ports the workload's probes use, read from its config \(1\):\n {4}prober\/k8s\.np\.blackbox\.yaml: monitoring\/prometheus-blackbox-exporter egress#0: /);
    });

    it("lists the policy files the stack replaces: deleted whole, or edited when they hold another object, with the kustomization entries and the live objects to delete", () => {
        const lines = result.stderr.slice(result.stderr.indexOf("\nCleanup: ")).split("\n\n")[0].split("\n").slice(2);
        assert.match(result.stderr, /\nCleanup: the hand-written policy files the stack replaces, 8 files to delete and 1 file to edit\. Delete them from the GitOps repository once the stack's policies for their Application are applied and policy-diff shows nothing lost \(docs\/runbooks\.md, "Take over a running cluster", step 6\)/);
        assert.strictEqual(lines.find(l => l.startsWith("  Application books: ")),
            "  Application books: delete books/k8s.np.books.yaml; edit books/k8s.backup-cronjob.yaml: remove the policy books/backup-library, keep the rest; " +
            "drop k8s.np.books.yaml from resources in books/kustomization.yaml; kubectl -n books delete ciliumnetworkpolicy backup-library library");
        assert.ok(lines.includes("  Traefik (the platform): delete traefik/k8s.np.traefik.yaml; drop k8s.np.traefik.yaml from resources in traefik/kustomization.yaml; kubectl -n kube-system delete ciliumnetworkpolicy traefik"));
        // Several policies of one Application in one namespace: one kubectl line.
        assert.ok(lines.includes("  Application share: delete share/k8s.np.media-default-deny.yaml, share/k8s.np.share.yaml; drop k8s.np.share.yaml, k8s.np.media-default-deny.yaml from resources in share/kustomization.yaml; kubectl -n media delete ciliumnetworkpolicy media-default-deny share"));
        assert.strictEqual(lines[lines.length - 1], "  keep debug/k8s.np.netshoot.yaml (kube-system/netshoot): none of its rules is expressed (namespace kube-system belongs to the platform; the program refuses Applications there)");
    });

    it("reads the namespaces pods run in from pod templates and chart releases, not from Middlewares or patches", () => {
        const manifests = readFolderManifests(FOLDER);
        assert.deepStrictEqual([...manifests.namespaces].sort(), ["books", "kube-system", "media", "monitoring", "tools"]);
    });
});

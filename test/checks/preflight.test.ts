// The K3s preflight (components/checks/preflight.ts), with kubectl replaced by
// fakes and the network probe faked. No test sends traffic anywhere but the
// loopback address: the guard of loopbackOnly.ts fails any test whose code
// opens a TCP connection to another address, here and in the preflight
// processes the tests start.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { main as preflightCli } from "../../scripts/cli/preflight";
import { preflightCommand, preflightOptions } from "../../components/checks/preflightComponent";
import { fakeKubectl } from "./fakeKubectl";
import { LOOPBACK_ONLY_NODE_ARGS, loopbackOnly } from "./loopbackOnly";
import { EARLY_TIMEOUT, inTempDir, runCommand, startEarly } from "../early";
import { REPO_ROOT, STACKS } from "../harness";

const preflight = require(path.join(REPO_ROOT, "components", "checks", "preflight.ts"));
const PREFLIGHT_TS = path.join(REPO_ROOT, "components", "checks", "preflight.ts");

function node(name: string, args: string[] | undefined, version = "v1.35.1+k3s1") {
    return {
        metadata: { name, annotations: args === undefined ? {} : { "k3s.io/node-args": JSON.stringify(args) } },
        status: { nodeInfo: { kubeletVersion: version } },
    };
}

const nodeList = (...items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
/** A kubectl that lists `items` as the nodes, and finds no kube-vip of this stack yet (a first deploy). */
const kubectlWith = (...items: unknown[]) => fakeKubectl(args => args[0] === "get" && args[1] === "nodes" ? nodeList(...items) : "");

/** The home stack's values. They are only compared with strings here; nothing is sent to them. */
const HOME = {
    controlPlaneVip: "192.168.1.230",
    ingressVip: "192.168.1.231",
    ingressSecondaryVip: "192.168.1.239",
    podCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    ciliumVersion: "1.19.6",
    probeVips: false,
};

/** A server installed as the README says, flags written `--flag=value`. */
const GOOD_SERVER = [
    "server", "--flannel-backend=none", "--disable-network-policy", "--disable-kube-proxy", "--disable=servicelb,traefik",
    "--tls-san=192.168.1.230", "--cluster-cidr=10.42.0.0/16", "--service-cidr=10.43.0.0/16",
];

const without = (args: string[], prefix: string) => args.filter(arg => !arg.startsWith(prefix));

const noProbe = async (address: string): Promise<never> => {
    throw new Error(`the VIP probe ran for ${address} although this run must not probe`);
};

async function check(args: string[], expected: Record<string, unknown> = HOME, version?: string) {
    return preflight.preflight(expected, { run: kubectlWith(node("k3s-1", args, version)).run, probe: noProbe });
}

/** The one node's problems as "check: message || fix". */
const problemsOf = (report: any): Array<{ check: string; message: string; fix: string }> => report.nodes.flatMap((n: any) => n.problems);

describe("preflight: K3s flags and versions", () => {
    loopbackOnly();

    it("passes a cluster installed as the README says, its servers' flags in every spelling, and an agent", async () => {
        const pairs = ["server", "--flannel-backend", "none", "--disable-network-policy", "--disable-kube-proxy", "--disable", "servicelb", "--disable", "traefik",
            "--tls-san", "k3s.lan", "--tls-san", "192.168.1.230", "--cluster-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--token", "********"];
        // Values from /etc/rancher/k3s/config.yaml: booleans as "--flag", "true".
        const configFile = ["server", "--cluster-init", "--flannel-backend", "none", "--disable-network-policy", "true", "--disable-kube-proxy", "true",
            "--disable", "traefik", "--disable", "servicelb", "--tls-san", "192.168.1.230,k3s.lan"];
        const kubectl = kubectlWith(node("k3s-1", GOOD_SERVER), node("k3s-2", pairs), node("k3s-3", configFile), node("worker-1", ["agent", "--server", "https://192.168.1.230:6443"], "v1.32.9+k3s1"));
        const report = await preflight.preflight(HOME, { run: kubectl.run, probe: noProbe });
        assert.deepStrictEqual(problemsOf(report), []);
        assert.deepStrictEqual(report.problems, []);
        assert.deepStrictEqual(report.nodes.map((n: any) => n.role), ["server", "server", "server", "agent"]);
        assert.deepStrictEqual(kubectl.calls, [["get", "nodes", "-o", "json", "--request-timeout=15s"]]);
        assert.match(preflight.formatReport(report), /^K3s preflight passed: 4 nodes \(3 servers\) match the stack$/);
    });

    const cases: Array<{ name: string; args: string[]; check: string; message: RegExp; fix: string; expected?: Record<string, unknown> }> = [
        {
            name: "flannel left on (no --flannel-backend)",
            args: without(GOOD_SERVER, "--flannel-backend"),
            check: "flannel", message: /^flannel is not disabled \(--flannel-backend is not set, so K3s runs flannel with vxlan\)/, fix: "--flannel-backend=none",
        },
        {
            name: "flannel with another backend",
            args: [...without(GOOD_SERVER, "--flannel-backend"), "--flannel-backend", "host-gw"],
            check: "flannel", message: /^flannel is not disabled \(--flannel-backend is "host-gw"\)/, fix: "--flannel-backend=none",
        },
        {
            name: "kube-proxy left on",
            args: without(GOOD_SERVER, "--disable-kube-proxy"),
            check: "kube-proxy", message: /^kube-proxy is not disabled \(--disable-kube-proxy is not set\); Cilium replaces it/, fix: "--disable-kube-proxy",
        },
        {
            name: "kube-proxy turned back on in config.yaml",
            args: [...GOOD_SERVER, "--disable-kube-proxy", "false"],
            check: "kube-proxy", message: /^kube-proxy is not disabled \(--disable-kube-proxy is "false"\)/, fix: "--disable-kube-proxy",
        },
        {
            name: "the network policy controller left on",
            args: without(GOOD_SERVER, "--disable-network-policy"),
            check: "network-policy", message: /^K3s's network policy controller is not disabled \(--disable-network-policy is not set\)/, fix: "--disable-network-policy",
        },
        {
            name: "the bundled Traefik left on",
            args: [...without(GOOD_SERVER, "--disable="), "--disable", "servicelb"],
            check: "disable", message: /^K3s's bundled traefik is not disabled \(--disable lists servicelb\)/, fix: "--disable=servicelb,traefik",
        },
        {
            name: "servicelb left on",
            args: [...without(GOOD_SERVER, "--disable="), "--disable=traefik,local-storage"],
            check: "disable", message: /^K3s's bundled servicelb is not disabled \(--disable lists traefik, local-storage\)/, fix: "--disable=servicelb,traefik",
        },
        {
            name: "both left on",
            args: without(GOOD_SERVER, "--disable="),
            check: "disable", message: /^K3s's bundled servicelb and traefik are not disabled \(--disable is not set\)/, fix: "--disable=servicelb,traefik",
        },
        {
            name: "the API VIP missing from --tls-san",
            args: [...without(GOOD_SERVER, "--tls-san"), "--tls-san=k3s.lan,192.168.1.10"],
            check: "tls-san", message: /^the API VIP 192\.168\.1\.230 is not in the API certificate \(--tls-san lists k3s\.lan, 192\.168\.1\.10\)/, fix: "--tls-san=192.168.1.230",
        },
        {
            name: "no --tls-san at all",
            args: without(GOOD_SERVER, "--tls-san"),
            check: "tls-san", message: /^the API VIP 192\.168\.1\.230 is not in the API certificate \(--tls-san is not set\)/, fix: "--tls-san=192.168.1.230",
        },
        {
            name: "K3s's default pod CIDR where the stack wants another",
            args: without(GOOD_SERVER, "--cluster-cidr"),
            expected: { ...HOME, podCidr: "10.52.0.0/16" },
            check: "cluster-cidr", message: /^K3s's pod CIDR is 10\.42\.0\.0\/16 \(the default: --cluster-cidr is not set\) but the stack's podCidr is 10\.52\.0\.0\/16$/, fix: "--cluster-cidr=10.52.0.0/16",
        },
        {
            name: "another --cluster-cidr than the stack's",
            args: [...without(GOOD_SERVER, "--cluster-cidr"), "--cluster-cidr", "10.60.0.0/16"],
            check: "cluster-cidr", message: /^K3s's pod CIDR is 10\.60\.0\.0\/16 \(--cluster-cidr=10\.60\.0\.0\/16\) but the stack's podCidr is 10\.42\.0\.0\/16$/, fix: "--cluster-cidr=10.42.0.0/16",
        },
        {
            name: "K3s's default service CIDR where the stack wants another",
            args: without(GOOD_SERVER, "--service-cidr"),
            expected: { ...HOME, serviceCidr: "10.53.0.0/16" },
            check: "service-cidr", message: /^K3s's service CIDR is 10\.43\.0\.0\/16 \(the default: --service-cidr is not set\) but the stack's serviceCidr is 10\.53\.0\.0\/16$/, fix: "--service-cidr=10.53.0.0/16",
        },
        {
            name: "another --service-cidr than the stack's",
            args: [...without(GOOD_SERVER, "--service-cidr"), "--service-cidr=10.96.0.0/12"],
            check: "service-cidr", message: /^K3s's service CIDR is 10\.96\.0\.0\/12 \(--service-cidr=10\.96\.0\.0\/12\) but the stack's serviceCidr is 10\.43\.0\.0\/16$/, fix: "--service-cidr=10.43.0.0/16",
        },
    ];
    for (const c of cases) {
        it(`reports ${c.name}, with the flag that fixes it`, async () => {
            const problems = problemsOf(await check(c.args, c.expected));
            assert.deepStrictEqual(problems.map(p => p.check), [c.check], JSON.stringify(problems, null, 2));
            assert.match(problems[0].message, c.message);
            assert.ok(problems[0].fix.startsWith(`add ${c.fix} to the K3s server install`), problems[0].fix);
        });
    }

    it("offers the stack-side fix for a CIDR mismatch too, since only a new K3s cluster takes another CIDR", async () => {
        const [problem] = problemsOf(await check(without(GOOD_SERVER, "--cluster-cidr"), { ...HOME, podCidr: "10.52.0.0/16" }));
        assert.match(problem.fix, /\(only a new cluster takes it\), or set podCidr to 10\.42\.0\.0\/16 in the stack's config$/);
    });

    it("reads the IPv4 CIDR of a dual-stack --cluster-cidr", async () => {
        assert.deepStrictEqual(problemsOf(await check([...without(GOOD_SERVER, "--cluster-cidr"), "--cluster-cidr=10.42.0.0/16,2001:cafe:42::/56"])), []);
    });

    it("reads a dual-stack CIDR given as a config.yaml list, which K3s records as the flag repeated once per family", async () => {
        // cluster-cidr: [10.42.0.0/16, "2001:cafe:42::/56"] in config.yaml: K3s writes --cluster-cidr=<each>, node-args splits each at "=".
        const dualStack = ["server", "--cluster-cidr", "10.42.0.0/16", "--cluster-cidr", "2001:cafe:42::/56", "--service-cidr", "2001:cafe:43::/112", "--service-cidr", "10.43.0.0/16",
            ...without(without(GOOD_SERVER, "--cluster-cidr"), "--service-cidr").slice(1)];
        assert.deepStrictEqual(problemsOf(await check(dualStack)), []);
        const [problem, ...rest] = problemsOf(await check(dualStack, { ...HOME, podCidr: "10.52.0.0/16" }));
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(problem.message, "K3s's pod CIDR is 10.42.0.0/16 (--cluster-cidr=10.42.0.0/16,2001:cafe:42::/56) but the stack's podCidr is 10.52.0.0/16");
    });

    it("checks a server started with a global flag before the subcommand (`k3s --debug server ...`)", async () => {
        const report = await check(["--debug", ...without(GOOD_SERVER, "--disable-kube-proxy")]);
        assert.deepStrictEqual(report.nodes.map((n: any) => n.role), ["server"]);
        assert.deepStrictEqual(problemsOf(report).map(p => p.check), ["kube-proxy"]);
        assert.deepStrictEqual(problemsOf(await check(["--debug", ...GOOD_SERVER])), []);
        const agent = await preflight.preflight(HOME, { run: kubectlWith(node("k3s-1", GOOD_SERVER), node("w-1", ["--debug", "agent", "--server", "https://192.168.1.230:6443"])).run, probe: noProbe });
        assert.deepStrictEqual(agent.nodes.map((n: any) => n.role), ["server", "agent"]);
    });

    it("exits 1 from the command line on a `k3s --debug server` node that lacks --disable-kube-proxy", async () => {
        const quiet = { out: () => undefined, err: (t: string) => errors.push(t) };
        const errors: string[] = [];
        const argv = ["--control-plane-vip", "192.168.1.230", "--ingress-vip", "192.168.1.231", "--ingress-secondary-vip", "192.168.1.239",
            "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--cilium-version", "1.19.6"];
        const run = kubectlWith(node("k3s-1", ["--debug", ...without(GOOD_SERVER, "--disable-kube-proxy")])).run;
        assert.strictEqual(await preflight.main(argv, { ...quiet, run, probe: noProbe }), 1);
        assert.match(errors.join("\n"), /kube-proxy is not disabled \(--disable-kube-proxy is not set\)/);
    });

    it("notes a node whose recorded arguments name no server or agent, instead of passing it silently", async () => {
        const report = await check(["--debug", "etcd-snapshot"]);
        assert.deepStrictEqual(report.nodes.map((n: any) => [n.role, n.problems.length]), [["unknown", 0]]);
        assert.deepStrictEqual(report.notes, ['node k3s-1\'s k3s.io/node-args names neither server nor agent (it starts ["--debug","etcd-snapshot"]): its K3s flags were not checked',
            "no node is a K3s server (a server started with --disable-agent registers no node): the server flags were not checked"]);
    });

    it("reports every mismatch of a K3s installed with its defaults at once, each with its fix", async () => {
        const kubectl = kubectlWith(node("k3s-1", ["server"]), node("k3s-2", ["server", "--server", "https://192.168.1.10:6443"]));
        const report = await preflight.preflight({ ...HOME, podCidr: "10.52.0.0/16" }, { run: kubectl.run, probe: noProbe });
        const expectedChecks = ["flannel", "kube-proxy", "network-policy", "disable", "tls-san", "cluster-cidr"];
        assert.deepStrictEqual(report.nodes.map((n: any) => n.problems.map((p: any) => p.check)), [expectedChecks, expectedChecks]);
        const text = preflight.formatReport(report);
        assert.match(text, /^K3s preflight: 12 problems; fix them before deploying the stack\./);
        assert.match(text, /\n {2}node k3s-1 \(K3s server, v1\.35\.1\+k3s1\)\n/);
        for (const flag of ["--flannel-backend=none", "--disable-kube-proxy", "--disable-network-policy", "--disable=servicelb,traefik", "--tls-san=192.168.1.230", "--cluster-cidr=10.52.0.0/16"]) {
            assert.ok(text.includes(`    fix: add ${flag} to the K3s server install`), `the report names ${flag}`);
        }
    });

    it("checks only the version of an agent: server flags are not an agent's", async () => {
        const kubectl = kubectlWith(node("k3s-1", GOOD_SERVER), node("worker-1", ["agent", "--server", "https://192.168.1.230:6443", "--token", "********"], "v1.36.0+k3s1"));
        const report = await preflight.preflight(HOME, { run: kubectl.run, probe: noProbe });
        assert.deepStrictEqual(report.nodes[0].problems, []);
        assert.deepStrictEqual(report.nodes[1].problems.map((p: any) => p.check), ["kubernetes-version"]);
        assert.match(preflight.formatReport(report), /node worker-1 \(K3s agent, v1\.36\.0\+k3s1\)/);
    });

    it("reports a Kubernetes minor outside what the pinned Cilium supports, with the K3s channel that fits", async () => {
        const [problem, ...rest] = problemsOf(await check(GOOD_SERVER, HOME, "v1.31.4+k3s1"));
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(problem.check, "kubernetes-version");
        assert.strictEqual(problem.message, "it runs Kubernetes v1.31.4+k3s1 (1.31), outside what Cilium 1.19 (ciliumVersion 1.19.6) supports: Kubernetes 1.32 to 1.35");
        assert.match(problem.fix, /^install K3s from a channel Cilium 1\.19 supports \(INSTALL_K3S_CHANNEL=v1\.35 for servers and agents alike\), or pin a ciliumVersion whose minor supports Kubernetes 1\.31$/);
    });

    it("accepts both ends of Cilium 1.19's range and refuses the minor past it", async () => {
        for (const [version, ok] of [["v1.32.0+k3s1", true], ["v1.35.9+k3s2", true], ["v1.36.1+k3s1", false]] as const) {
            assert.strictEqual(problemsOf(await check(GOOD_SERVER, HOME, version)).length === 0, ok, version);
        }
    });

    it("prints what docs/preflight.md shows for a server without --disable-kube-proxy and --tls-san", async () => {
        const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "preflight.md"), "utf8");
        const shown = /```\n(K3s preflight: 2 problems[\s\S]*?)\n```/.exec(page);
        assert.ok(shown, "docs/preflight.md shows a preflight report");
        const args = without(without(GOOD_SERVER, "--disable-kube-proxy"), "--tls-san");
        assert.strictEqual(preflight.formatReport(await check(args)), shown[1]);
    });

    it("passes a server installed with the README's install command, flags as the README writes them", async () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const joined = readme.replace(/ \\\n\s*/g, " ");
        const install = /^curl -sfL https:\/\/get\.k3s\.io \| INSTALL_K3S_CHANNEL=v1\.35 sh -s - (server .*)$/m.exec(joined);
        assert.ok(install, "the README shows no K3s server install command");
        const args = install[1].trim().split(/\s+/);
        assert.deepStrictEqual([...args].sort(), [...GOOD_SERVER].sort());
        assert.deepStrictEqual(problemsOf(await check(args)), []);
    });

    it("keeps one table of Cilium minors and the Kubernetes minors they support, 1.19 as the README says", () => {
        assert.deepStrictEqual(preflight.CILIUM_KUBERNETES_SUPPORT["1.19"], { from: 32, to: 35 });
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        assert.match(readme, /Cilium 1\.19 covers Kubernetes 1\.32 to 1\.35/);
    });

    it("refuses a Cilium minor it has no support range for, saying where to add it", async () => {
        const report = await check(GOOD_SERVER, { ...HOME, ciliumVersion: "1.21.0" });
        assert.deepStrictEqual(problemsOf(report), []);
        assert.strictEqual(report.problems.length, 1);
        assert.match(report.problems[0].message, /^ciliumVersion 1\.21\.0: the preflight does not know which Kubernetes versions Cilium 1\.21 supports/);
        assert.match(report.problems[0].fix, /CILIUM_KUBERNETES_SUPPORT in components\/checks\/preflight\.ts/);
    });

    it("notes a node without the K3s annotation instead of inventing its flags, and still checks its version", async () => {
        const report = await preflight.preflight(HOME, { run: kubectlWith(node("k3s-1", GOOD_SERVER), node("odd-1", undefined, "v1.30.0")).run, probe: noProbe });
        assert.deepStrictEqual(report.nodes[1].problems.map((p: any) => p.check), ["kubernetes-version"]);
        assert.deepStrictEqual(report.notes, ["node odd-1 has no readable k3s.io/node-args annotation (is it a K3s node?): its K3s flags were not checked"]);
    });

    it("says so when no server is among the nodes, so their flags could not be checked", async () => {
        const report = await preflight.preflight(HOME, { run: kubectlWith(node("worker-1", ["agent"])).run, probe: noProbe });
        assert.match(report.notes[0], /no node is a K3s server/);
    });
});

describe("preflight: when the cluster cannot be read", () => {
    loopbackOnly();
    const argv = ["--control-plane-vip", "192.168.1.230", "--ingress-vip", "192.168.1.231", "--ingress-secondary-vip", "192.168.1.239",
        "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--cilium-version", "1.19.6"];
    const capture = () => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, deps: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), probe: noProbe } };
    };

    it("says what to check, once and without a stack trace, when the API does not answer", async () => {
        const io = capture();
        const refused = Object.assign(new Error("Command failed: kubectl get nodes"), {
            stderr: "The connection to the server 192.168.1.10:6443 was refused - did you specify the right host or port?\n",
        });
        const code = await preflight.main(argv, { ...io.deps, run: fakeKubectl(() => refused).run });
        assert.strictEqual(code, 3);
        assert.deepStrictEqual(io.out, []);
        assert.strictEqual(io.err.length, 1);
        assert.match(io.err[0], /^K3s preflight could not run: kubectl could not read the cluster's nodes: The connection to the server 192\.168\.1\.10:6443 was refused/);
        assert.match(io.err[0], /Check the kubeconfig kubectl uses \(KUBECONFIG, or ~\/\.kube\/config; kubectl config current-context\) and its server address/);
        assert.match(io.err[0], /the VIP does not exist yet/);
        assert.doesNotMatch(io.err[0], /\n\s+at /);
    });

    it("quotes kubectl's own summary line, not the klog lines before it, and spots a missing kubeconfig", async () => {
        const io = capture();
        const klog = 'E1126 23:25:40.157330   20986 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: Get \\"http://localhost:8080/api?timeout=15s\\": dial tcp 127.0.0.1:8080: connect: connection refused"';
        const refused = Object.assign(new Error("exit 1"), { stderr: `${klog}\n${klog}\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?\n` });
        assert.strictEqual(await preflight.main(argv, { ...io.deps, run: fakeKubectl(() => refused).run }), 3);
        assert.match(io.err[0], /^K3s preflight could not run: kubectl could not read the cluster's nodes: The connection to the server localhost:8080 was refused - did you specify the right host or port\?\n/);
        assert.match(io.err[0], /kubectl found no kubeconfig and fell back to localhost:8080: copy \/etc\/rancher\/k3s\/k3s\.yaml from the first server and set KUBECONFIG to it/);
        assert.doesNotMatch(io.err[0], /memcache/);
    });

    it("tells refused credentials apart from an unreachable server", async () => {
        const io = capture();
        const denied = Object.assign(new Error("exit 1"), { stderr: "error: You must be logged in to the server (Unauthorized)" });
        assert.strictEqual(await preflight.main(argv, { ...io.deps, run: fakeKubectl(() => denied).run }), 3);
        assert.match(io.err[0], /The API refused the kubeconfig's credentials/);
    });

    it("stops with one clear message when kubectl is missing", async () => {
        const io = capture();
        const missing = () => {
            throw new preflight.KubectlMissing("kubectl is not on PATH: install it");
        };
        assert.strictEqual(await preflight.main(argv, { ...io.deps, run: missing }), 3);
        assert.deepStrictEqual(io.err, ["K3s preflight could not run: kubectl is not on PATH: install it"]);
    });

    // Started as mocha loads this file (test/early.ts).
    const noKubectl = startEarly(() => inTempDir("preflight-nopath-", empty =>
        runCommand(process.execPath, [...LOOPBACK_ONLY_NODE_ARGS, PREFLIGHT_TS, ...argv], { env: { ...process.env, PATH: empty } })));

    it("finds kubectl missing for real when PATH has none", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { code, stdout, stderr } = await noKubectl;
        assert.strictEqual(code, 3);
        assert.strictEqual(stdout, "");
        assert.match(stderr, /^K3s preflight could not run: kubectl is not on PATH/);
    });
});

describe("preflight: VIPs already in use on the first deploy", () => {
    loopbackOnly();
    const clean = () => kubectlWith(node("k3s-1", GOOD_SERVER)).run;

    it("runs under a guard that refuses, before any packet, a connection to an address off this machine", () => {
        assert.throws(() => net.connect({ host: "192.0.2.1", port: 80 }), /a test tried to connect to 192\.0\.2\.1/);
        assert.throws(() => net.connect(80, "10.0.0.1"), /a test tried to connect to 10\.0\.0\.1/);
    });

    it("probes every VIP of the stack and reports the one another device answers on", async () => {
        const probed: string[] = [];
        const probe = async (address: string) => {
            probed.push(address);
            return address === "192.168.1.231" ? { answers: true, detail: "TCP port 80 refused a connection" } : { answers: false, detail: "no answer" };
        };
        const report = await preflight.preflight({ ...HOME, probeVips: true }, { run: clean(), probe });
        assert.deepStrictEqual(probed.sort(), ["192.168.1.230", "192.168.1.231", "192.168.1.239"]);
        assert.strictEqual(report.problems.length, 1);
        assert.strictEqual(report.problems[0].check, "vip-in-use");
        assert.match(report.problems[0].message, /^ingressVip 192\.168\.1\.231 already answers on the LAN \(TCP port 80 refused a connection\)/);
        assert.match(report.problems[0].fix, /set ingressVip to an unused address in the stack's config.*adoptRunningKubeVip: true/);
    });

    const argv = ["--control-plane-vip", "192.168.1.230", "--ingress-vip", "192.168.1.231", "--ingress-secondary-vip", "192.168.1.239",
        "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--cilium-version", "1.19.6"];
    const answering = async () => ({ answers: true, detail: "TCP port 22 accepted a connection" });

    it("does not probe when this stack's kube-vip already runs: a stack deployed before the preflight creates it on its next update", async () => {
        const kubectl = fakeKubectl(args => args[1] === "nodes" ? nodeList(node("k3s-1", GOOD_SERVER)) : "daemonset.apps/kube-vip-control-plane");
        const report = await preflight.preflight({ ...HOME, probeVips: true }, { run: kubectl.run, probe: noProbe });
        assert.deepStrictEqual(kubectl.calls[1], ["-n", "kube-system", "get", "daemonset", "kube-vip-control-plane", "--ignore-not-found", "-o", "name", "--request-timeout=15s"]);
        assert.deepStrictEqual(report.problems, []);
        assert.deepStrictEqual(report.notes, ["this stack's kube-vip (kube-system/kube-vip-control-plane) already runs, so the stack's VIPs answer: they were not probed"]);
        assert.doesNotMatch(preflight.formatReport(report), /no VIP of the stack answers/);
    });

    it("probes only on the first deploy: once the stack runs, its own VIPs answer", async () => {
        const quiet = { out: () => undefined, err: () => undefined };
        assert.strictEqual(await preflight.main([...argv, "--first-deploy"], { ...quiet, run: clean(), probe: answering }), 1);
        assert.strictEqual(await preflight.main(argv, { ...quiet, run: clean(), probe: noProbe }), 0);
        assert.strictEqual(await preflight.main([...argv, "--first-deploy", "--skip-vip-probe"], { ...quiet, run: clean(), probe: noProbe }), 0);
    });

    it("counts a refused or accepted TCP connection as a host holding the address", async () => {
        const connect = async (_address: string, port: number) => port === 443 ? "refused" : "no answer";
        assert.deepStrictEqual(await preflight.probeAddress("192.0.2.10", { connect, readArp: () => "" }), { answers: true, detail: "TCP port 443 refused a connection" });
        const open = async (_address: string, port: number) => port === 22 ? "open" : "EHOSTUNREACH";
        assert.deepStrictEqual(await preflight.probeAddress("192.0.2.10", { connect: open, readArp: () => "" }), { answers: true, detail: "TCP port 22 accepted a connection" });
    });

    const ARP = [
        "IP address       HW type     Flags       HW address            Mask     Device",
        "192.0.2.10       0x1         0x2         aa:bb:cc:dd:ee:ff     *        eno1",
        "192.0.2.11       0x1         0x0         00:00:00:00:00:00     *        eno1",
    ].join("\n");

    it("then looks for a complete ARP entry, which a device that drops every TCP port still leaves", async () => {
        const silent = async () => "no answer";
        assert.deepStrictEqual(await preflight.probeAddress("192.0.2.10", { connect: silent, readArp: () => ARP }), { answers: true, detail: "the device with MAC aa:bb:cc:dd:ee:ff answered ARP for it" });
        assert.deepStrictEqual(await preflight.probeAddress("192.0.2.11", { connect: silent, readArp: () => ARP }), { answers: false, detail: "no answer on TCP 22, 80, 443, 6443 and no ARP entry" });
        assert.deepStrictEqual(await preflight.probeAddress("192.0.2.12", { connect: silent, readArp: () => undefined }), { answers: false, detail: "no answer on TCP 22, 80, 443, 6443" });
    });

    it("tells an open and a refused TCP port apart (on loopback only)", async () => {
        const server = net.createServer(socket => socket.destroy());
        await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
        const openPort = (server.address() as net.AddressInfo).port;
        const closed = net.createServer();
        await new Promise<void>(resolve => closed.listen(0, "127.0.0.1", resolve));
        const closedPort = (closed.address() as net.AddressInfo).port;
        await new Promise(resolve => closed.close(resolve));
        try {
            assert.strictEqual(await preflight.tcpConnect("127.0.0.1", openPort, 5000), "open");
            assert.strictEqual(await preflight.tcpConnect("127.0.0.1", closedPort, 5000), "refused");
            const probe = await preflight.probeAddress("127.0.0.1", { ports: [openPort], readArp: () => "" });
            assert.strictEqual(probe.answers, true);
        } finally {
            server.close();
        }
    });
});

describe("preflight: taking over a cluster that runs kube-vip today (adoptRunningKubeVip)", () => {
    loopbackOnly();
    const env = (values: Record<string, string>) => Object.entries(values).map(([name, value]) => ({ name, value }));
    /** A cluster that runs kube-vip before the take-over: kube-vip for the API VIP and, with svc_election, for the Services. */
    const cpPod = (address: string) => ({
        metadata: { namespace: "kube-system", name: "kube-vip-cp-x7k2p" },
        spec: { nodeName: "k3s-1", containers: [{ name: "kube-vip", image: "ghcr.io/kube-vip/kube-vip:v0.9.2", env: env({ cp_enable: "true", address, vip_leasename: "plndr-cp-lock" }) }] },
        status: { phase: "Running" },
    });
    const svcPod = {
        metadata: { namespace: "kube-system", name: "kube-vip-svc-q9w1z" },
        spec: { nodeName: "k3s-2", containers: [{ name: "kube-vip", image: "ghcr.io/kube-vip/kube-vip:v0.9.2", env: env({ svc_enable: "true", svc_election: "true" }) }] },
        status: { phase: "Running" },
    };
    const lbService = (namespace: string, name: string, ip: string) => ({
        metadata: { namespace, name, annotations: { "kube-vip.io/loadbalancerIPs": ip } },
        spec: { type: "LoadBalancer" },
        status: { loadBalancer: { ingress: [{ ip }] } },
    });
    const list = (...items: unknown[]) => JSON.stringify({ items });
    const lease = (holder: string) => JSON.stringify({ spec: { holderIdentity: holder } });
    function cluster(opts: { pods?: unknown[]; services?: unknown[]; leases?: Record<string, string> } = {}) {
        const pods = opts.pods ?? [cpPod("192.168.1.230"), svcPod];
        const services = opts.services ?? [lbService("kube-system", "traefik", "192.168.1.231"), lbService("kube-system", "traefik-vip239", "192.168.1.239")];
        const leases = opts.leases ?? { "kube-system/plndr-cp-lock": "k3s-1", "kube-system/kubevip-traefik": "k3s-2", "kube-system/kubevip-traefik-vip239": "k3s-1" };
        return fakeKubectl(args => {
            if (args[0] === "get" && args[1] === "nodes") {
                return nodeList(node("k3s-1", GOOD_SERVER), node("k3s-2", GOOD_SERVER));
            }
            if (args[0] === "get" && args[1] === "pods") {
                return list(...pods);
            }
            if (args[0] === "get" && args[1] === "services") {
                return list(...services);
            }
            if (args[2] === "get" && args[3] === "lease") {
                const holder = leases[`${args[1]}/${args[4]}`];
                return holder === undefined ? "" : lease(holder);
            }
            return ""; // this stack's own kube-vip-control-plane DaemonSet: not there yet
        });
    }
    const allAnswer = async () => ({ answers: true, detail: "the device with MAC aa:bb:cc:dd:ee:ff answered ARP for it" });
    const ADOPT = { ...HOME, probeVips: true, adoptRunningKubeVip: true };

    it("passes a cluster whose VIPs answer because its own kube-vip holds them, saying what proved it", async () => {
        const report = await preflight.preflight(ADOPT, { run: cluster().run, probe: allAnswer });
        assert.deepStrictEqual(report.problems, []);
        assert.deepStrictEqual(report.adopted.map((a: any) => a.key), ["controlPlaneVip", "ingressVip", "ingressSecondaryVip"]);
        assert.match(report.notes[0], /^controlPlaneVip 192\.168\.1\.230 answers because this cluster's kube-vip holds it \(kube-vip pod kube-system\/kube-vip-cp-x7k2p \(cp_enable, address 192\.168\.1\.230\) and Lease kube-system\/plndr-cp-lock held by node k3s-1\)/);
        assert.match(report.notes[1], /Service kube-system\/traefik, announced by kube-vip pod kube-system\/kube-vip-svc-q9w1z, Lease kube-system\/kubevip-traefik held by node k3s-2/);
        assert.match(preflight.formatReport(report), /^K3s preflight passed: 2 nodes \(2 servers\) match the stack; every VIP of the stack that answers is this cluster's kube-vip/);
    });

    it("passes through the command line that `pulumi up` runs on create (--first-deploy) when the stack adopts", async () => {
        const argv = ["--control-plane-vip", "192.168.1.230", "--ingress-vip", "192.168.1.231", "--ingress-secondary-vip", "192.168.1.239",
            "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--cilium-version", "1.19.6", "--first-deploy"];
        const quiet = { out: () => undefined, err: () => undefined };
        assert.strictEqual(await preflight.main([...argv, "--adopt-running-kube-vip"], { ...quiet, run: cluster().run, probe: allAnswer }), 0);
        assert.strictEqual(await preflight.main(argv, { ...quiet, run: cluster().run, probe: allAnswer }), 1);
    });

    it("still fails an answering VIP that no kube-vip of this cluster holds, naming what it looked for", async () => {
        const run = cluster({ pods: [cpPod("192.168.1.229"), svcPod], services: [lbService("kube-system", "traefik", "192.168.1.231")] }).run;
        const report = await preflight.preflight(ADOPT, { run, probe: allAnswer });
        assert.deepStrictEqual(report.adopted.map((a: any) => a.key), ["ingressVip"]);
        assert.deepStrictEqual(report.problems.map((p: any) => p.check), ["vip-in-use", "vip-in-use"]);
        assert.match(report.problems[0].message, /^controlPlaneVip 192\.168\.1\.230 already answers on the LAN .*adoptRunningKubeVip is set, but it is not this cluster's kube-vip: no running kube-vip pod of this cluster has cp_enable=true and address=192\.168\.1\.230; the control-plane kube-vip found is kube-system\/kube-vip-cp-x7k2p \(address 192\.168\.1\.229\)$/);
        assert.match(report.problems[1].message, /^ingressSecondaryVip 192\.168\.1\.239 .*: no LoadBalancer Service of this cluster holds 192\.168\.1\.239$/);
    });

    it("reads kube-vip's variables as kube-vip does: address before vip_address, switches by Go's ParseBool", async () => {
        const pod = (name: string, values: Record<string, string>) => ({ ...cpPod(""), metadata: { namespace: "kube-system", name }, spec: { ...cpPod("").spec, containers: [{ name: "kube-vip", image: "ghcr.io/kube-vip/kube-vip:v0.9.2", env: env(values) }] } });
        const adopt = async (...pods: unknown[]) => preflight.preflight(ADOPT, { run: cluster({ pods }).run, probe: allAnswer });
        // vip_address alone, cp_enable "True"; the Services' kube-vip with svc_enable "t" and svc_election "1": all taken.
        const legacy = await adopt(pod("kube-vip-old", { cp_enable: "True", vip_address: "192.168.1.230" }), pod("kube-vip-svc", { svc_enable: "t", svc_election: "1" }));
        assert.deepStrictEqual(legacy.problems, []);
        assert.match(legacy.notes[0], /kube-vip pod kube-system\/kube-vip-old \(cp_enable, vip_address 192\.168\.1\.230\) and Lease kube-system\/plndr-cp-lock/);
        assert.match(legacy.notes[1], /announced by kube-vip pod kube-system\/kube-vip-svc, Lease kube-system\/kubevip-traefik held by node k3s-2/);
        // Both set: kube-vip announces address, so a vip_address that names the VIP does not make it this kube-vip's.
        const both = await adopt(pod("kube-vip-both", { cp_enable: "1", address: "192.168.1.229", vip_address: "192.168.1.230" }), svcPod);
        assert.match(both.problems[0].message, /the control-plane kube-vip found is kube-system\/kube-vip-both \(address 192\.168\.1\.229\)$/);
        // "yes" is no boolean to ParseBool: kube-vip would not start, and the pod is no control plane.
        const refused = await adopt(pod("kube-vip-yes", { cp_enable: "yes", address: "192.168.1.230" }), svcPod);
        assert.match(refused.problems[0].message, /no running kube-vip pod of this cluster has cp_enable=true and address=192\.168\.1\.230$/);
    });

    it("refuses a Lease held by something that is no node of this cluster", async () => {
        const run = cluster({ leases: { "kube-system/plndr-cp-lock": "old-node", "kube-system/kubevip-traefik": "k3s-2", "kube-system/kubevip-traefik-vip239": "k3s-1" } }).run;
        const report = await preflight.preflight(ADOPT, { run, probe: allAnswer });
        assert.deepStrictEqual(report.problems.map((p: any) => p.message.replace(/ \(.*/, "")), ["controlPlaneVip 192.168.1.230 already answers on the LAN"]);
        assert.match(report.problems[0].message, /its Lease kube-system\/plndr-cp-lock is held by "old-node", which is no node of this cluster$/);
    });

    it("does not ask the cluster about kube-vip when no VIP answers", async () => {
        const kubectl = cluster();
        const report = await preflight.preflight(ADOPT, { run: kubectl.run, probe: async () => ({ answers: false, detail: "no answer" }) });
        assert.deepStrictEqual(report.problems, []);
        assert.deepStrictEqual(kubectl.calls.map(c => c.slice(0, 4).join(" ")), ["get nodes -o json", "-n kube-system get daemonset"]);
    });

    it("points a stack that does not adopt to the setting, not to a flag `pulumi up` cannot pass", async () => {
        const report = await preflight.preflight({ ...HOME, probeVips: true }, { run: cluster().run, probe: allAnswer });
        assert.strictEqual(report.problems.length, 3);
        assert.match(report.problems[0].fix, /set adoptRunningKubeVip: true in the stack's config: the preflight then checks that this cluster's kube-vip holds it$/);
        assert.doesNotMatch(report.problems[0].fix, /--skip-vip-probe/);
    });

    it("is what the stack setting turns on in `pulumi up`'s preflight command, create and update alike", () => {
        const args = { controlPlaneVip: "192.168.1.230", ingressVips: ["192.168.1.231", "192.168.1.239"], podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", ciliumVersion: "1.19.6" };
        assert.match(preflightCommand({ ...args, adoptRunningKubeVip: true }, true), / --cilium-version 1\.19\.6 --adopt-running-kube-vip --first-deploy$/);
        assert.match(preflightCommand({ ...args, adoptRunningKubeVip: false }, true), / --cilium-version 1\.19\.6 --first-deploy$/);
        const parsed = preflight.parseArguments(preflightOptions({ ...args, adoptRunningKubeVip: true }));
        assert.strictEqual(parsed.expected.adoptRunningKubeVip, true);
    });
});

/**
 * Runs `command` (preflight.ts or the homelab-network bin) with a kubectl on
 * PATH that prints `nodes` (the real CLI path, no cluster), each run in a
 * folder of its own.
 */
function withFakeKubectl(nodes: string, command: string[], options: { cwd?: string } = {}) {
    return inTempDir("preflight-bin-", bin => {
        fs.writeFileSync(path.join(bin, "kubectl"), "#!/bin/sh\ncat \"$FAKE_NODES\"\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "nodes.json"), nodes);
        return runCommand(process.execPath, command, { ...options, env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, FAKE_NODES: path.join(bin, "nodes.json") } });
    });
}

describe("preflight: the command line", () => {
    const run = (nodes: string, args: string[]) => withFakeKubectl(nodes, [...LOOPBACK_ONLY_NODE_ARGS, PREFLIGHT_TS, ...args]);
    const argv = ["--control-plane-vip", "192.168.1.230", "--ingress-vip", "192.168.1.231", "--ingress-secondary-vip", "192.168.1.239",
        "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--cilium-version", "1.19.6"];
    // Started as mocha loads this file (test/early.ts).
    const runs = Promise.all([
        startEarly(() => run(nodeList(node("k3s-1", GOOD_SERVER)), argv)),
        startEarly(() => run(nodeList(node("k3s-1", ["server"])), argv)),
        startEarly(() => run(nodeList(), [...argv.slice(0, -2), "--cilium-version", "latest", "--pod-cidr", "10.42.0.0"])),
    ]);
    runs.catch(() => undefined);

    it("exits 0 on a clean cluster, 1 with every mismatch on stderr, 2 on a bad command line", async function () {
        this.timeout(EARLY_TIMEOUT);
        const [clean, bad, usage] = await runs;
        assert.deepStrictEqual([clean.code, clean.stderr], [0, ""]);
        assert.match(clean.stdout, /^K3s preflight passed: 1 node \(1 server\) matches the stack/);
        assert.strictEqual(bad.code, 1);
        assert.match(bad.stderr, /^K3s preflight: 5 problems/);
        assert.match(bad.stderr, /fix: add --tls-san=192\.168\.1\.230 to the K3s server install/);
        assert.strictEqual(usage.code, 2);
        assert.match(usage.stderr, /--pod-cidr "10\.42\.0\.0" is not an IPv4 CIDR; --cilium-version "latest" is not a version like 1\.19\.6/);
        assert.match(usage.stderr, /usage: preflight\.ts/);
    });
});

describe("preflight: npm run preflight -- --stack <name>", () => {
    loopbackOnly();
    const capture = () => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), root: STACKS } };
    };

    it("checks the cluster against the stack's own values and, before the first deploy, probes its VIPs (faked here)", async () => {
        const c = capture();
        const probed: string[] = [];
        const probe = async (address: string) => {
            probed.push(address);
            return { answers: false, detail: "no answer" };
        };
        const code = await preflightCli(["--stack", "home"], { ...c.io, run: kubectlWith(node("k3s-1", GOOD_SERVER)).run, probe });
        assert.strictEqual(code, 0, c.err.join("\n"));
        assert.deepStrictEqual(probed.sort(), ["192.168.1.230", "192.168.1.231", "192.168.1.239"]);
        assert.match(c.out[0], /no VIP of the stack answers on the LAN/);
    });

    it("uses another stack's addresses and CIDRs in its findings", async () => {
        const c = capture();
        const code = await preflightCli(["--stack", "lab", "--skip-vip-probe"], { ...c.io, run: kubectlWith(node("lab-1", ["server"])).run, probe: noProbe });
        assert.strictEqual(code, 1);
        const report = c.err.join("\n");
        assert.match(report, /fix: add --tls-san=10\.20\.1\.10 to the K3s server install/);
        assert.match(report, /fix: add --cluster-cidr=10\.52\.0\.0\/16 to the K3s server install/);
        assert.match(report, /fix: add --service-cidr=10\.53\.0\.0\/16 to the K3s server install/);
    });

    it("exits 2 on a missing or unknown stack, naming the stacks there are", async () => {
        const none = capture();
        assert.strictEqual(await preflightCli([], { ...none.io, probe: noProbe }), 2);
        assert.match(none.err[0], /^homelab-network preflight: --stack is required \(there is no default stack\); the stacks here are: .*\bhome\b/);
        assert.match(none.err[0], /\nusage: homelab-network preflight --stack <name> \[--skip-vip-probe\]\n/);
        const unknown = capture();
        assert.strictEqual(await preflightCli(["--stack", "hom"], { ...unknown.io, probe: noProbe }), 2);
        assert.match(unknown.err[0], /there is no Pulumi\.hom\.yaml: did you mean home\?; the stacks here are: .*\bhome\b/);
        const typo = capture();
        assert.strictEqual(await preflightCli(["--stack", "home", "--skip-vip-prob"], { ...typo.io, probe: noProbe }), 2);
        assert.match(typo.err[0], /^homelab-network preflight: unknown option --skip-vip-prob: did you mean --skip-vip-probe\?/);
    });

    it("exits 3, not 2, when the cluster cannot be read", async () => {
        const c = capture();
        const missing = () => {
            throw new preflight.KubectlMissing("kubectl is not on PATH: install it");
        };
        assert.strictEqual(await preflightCli(["--stack", "home", "--skip-vip-probe"], { ...c.io, run: missing, probe: noProbe }), 3);
        assert.deepStrictEqual(c.err, ["K3s preflight could not run: kubectl is not on PATH: install it"]);
    });

    // Started as mocha loads this file (test/early.ts).
    const command = startEarly(() => withFakeKubectl(nodeList(node("k3s-1", GOOD_SERVER)),
        [...LOOPBACK_ONLY_NODE_ARGS, path.join(REPO_ROOT, "scripts", "homelab-network.js"), "preflight", "--stack", "home", "--skip-vip-probe"], { cwd: REPO_ROOT }));

    it("is the npm script `preflight`, and runs as a command (with kubectl faked, the probe skipped)", async function () {
        this.timeout(EARLY_TIMEOUT);
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        assert.strictEqual(scripts.preflight, "node scripts/homelab-network.js preflight");
        const { code, stdout, stderr } = await command;
        assert.strictEqual(code, 0, stderr);
        assert.match(stdout, /^K3s preflight passed: 1 node \(1 server\) matches the stack\n$/);
    });
});

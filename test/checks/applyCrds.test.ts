// components/traefik/apply-crds.ts: Traefik's CRDs from `helm show crds`,
// applied server-side. helm and kubectl are faked: in-process through the
// script's `run`, and as stand-in executables on PATH for the command line.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EARLY_TIMEOUT, inTempDir, runCommand, startEarly } from "../early";
import { REPO_ROOT } from "../harness";
import { LOOPBACK_ONLY_NODE_ARGS } from "./loopbackOnly";

const SCRIPT = path.join(REPO_ROOT, "components", "traefik", "apply-crds.ts");
const script = require(SCRIPT);
const REPO = "https://traefik.github.io/charts";

const crd = (name: string) => `---\n# Source: traefik/crds/${name}.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec:\n  group: traefik.io\n`;
/** What helm's show crds prints: each file of crds/ as a document. */
const CHART_CRDS = crd("ingressroutes.traefik.io") + crd("middlewares.traefik.io");

/** helm and kubectl stand-ins: answers by tool, every call recorded. */
function fakeTools(answers: { helm?: string | Error; kubectl?: string | Error }) {
    const calls: Array<{ tool: string; args: string[]; input?: string }> = [];
    const run = (tool: "helm" | "kubectl", args: string[], input?: string) => {
        calls.push({ tool, args, input });
        const answer = answers[tool] ?? "";
        if (answer instanceof Error) {
            throw answer;
        }
        return answer;
    };
    return { run, calls };
}

/** An error as runTool raises it for a helm that exits non-zero with this stderr. */
const helmSays = (stderr: string) => Object.assign(new Error(stderr), { stderr });

describe("apply-crds.ts: Traefik's CRDs from the chart repository", () => {
    it("reads the pinned version's CRDs with helm show crds and applies them in one server-side apply that takes over Helm's fields", () => {
        const tools = fakeTools({ helm: CHART_CRDS });
        const names = script.applyChartCrds(REPO, "traefik", "41.3.0", { run: tools.run });
        assert.deepStrictEqual(names, ["ingressroutes.traefik.io", "middlewares.traefik.io"]);
        assert.deepStrictEqual(tools.calls.map(c => [c.tool, ...c.args]), [
            ["helm", "show", "crds", "traefik", "--repo", REPO, "--version", "41.3.0"],
            ["kubectl", "apply", "--server-side", "--force-conflicts", "--field-manager=homelab-network", "-f", "-"],
        ]);
        assert.deepStrictEqual(tools.calls[1].input!.split("\n---\n").map(doc => JSON.parse(doc).metadata.name), ["ingressroutes.traefik.io", "middlewares.traefik.io"]);
    });

    it("refuses to apply anything when helm prints something that is not a CustomResourceDefinition", () => {
        const tools = fakeTools({ helm: CHART_CRDS + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n" });
        assert.throws(() => script.applyChartCrds(REPO, "traefik", "41.3.0", { run: tools.run }), /printed a Secret \(x\), not a CustomResourceDefinition; refusing to apply anything/);
        assert.deepStrictEqual(tools.calls.map(c => c.tool), ["helm"]);
    });

    it("refuses a chart that prints no CRDs rather than going on without them", () => {
        const tools = fakeTools({ helm: "" });
        assert.throws(() => script.applyChartCrds(REPO, "traefik", "41.3.0", { run: tools.run }), /printed no CustomResourceDefinitions/);
    });

    const failures: Array<[string, Error, RegExp]> = [
        ["helm is missing", Object.assign(new Error("helm is not on PATH"), { missing: true }),
            /^Traefik's CRDs were not applied: helm is not on PATH: install helm \(v3\.8 or newer, or v4\) on the machine that runs pulumi up/],
        ["the chart repository is unreachable", helmSays(`Error: looks like "${REPO}" is not a valid chart repository or cannot be reached: Get "${REPO}/index.yaml": dial tcp: lookup traefik.github.io: no such host\n`),
            /the chart repository https:\/\/traefik\.github\.io\/charts cannot be reached from this machine \(helm: Error: looks like .*no such host\)\. Check its network access to that host; helm honours HTTPS_PROXY/],
        ["the version does not exist", helmSays(`Error: chart "traefik" version "99.0.0" not found in ${REPO} repository\n`),
            /chart traefik version 99\.0\.0 does not exist in https:\/\/traefik\.github\.io\/charts .*Check traefikChartVersion/],
        ["helm fails otherwise", helmSays("Error: something else\n"),
            /helm show crds traefik --repo https:\/\/traefik\.github\.io\/charts --version 99\.0\.0 failed: Error: something else$/],
    ];
    for (const [what, error, message] of failures) {
        it(`says so, applies nothing and exits 1 when ${what}`, () => {
            const tools = fakeTools({ helm: error });
            const said: string[] = [];
            const code = script.main([REPO, "traefik", "99.0.0"], { run: tools.run, log: () => assert.fail("logged success"), error: (m: string) => said.push(m) });
            assert.strictEqual(code, 1);
            assert.strictEqual(said.length, 1);
            assert.match(said[0], message);
            assert.deepStrictEqual(tools.calls.map(c => c.tool), ["helm"]);
        });
    }

    it("names kubectl's refusal", () => {
        const tools = fakeTools({ helm: CHART_CRDS, kubectl: Object.assign(new Error("x"), { stderr: "error: You must be logged in to the server (Unauthorized)\n" }) });
        const said: string[] = [];
        assert.strictEqual(script.main([REPO, "traefik", "41.3.0"], { run: tools.run, error: (m: string) => said.push(m) }), 1);
        assert.deepStrictEqual(said, ["Traefik's CRDs were not applied: kubectl apply failed: error: You must be logged in to the server (Unauthorized). Check that kubectl reaches the cluster (kubectl get nodes)."]);
    });

    it("exits 2 with its usage on anything but a repository URL, a chart and an exact version", () => {
        for (const argv of [[], [REPO, "traefik"], ["http://insecure.example", "traefik", "41.3.0"], [REPO, "traefik", "41.x"], [REPO, "traefik; rm", "41.3.0"]]) {
            const said: string[] = [];
            assert.strictEqual(script.main(argv, { run: () => assert.fail("ran a tool"), error: (m: string) => said.push(m) }), 2, argv.join(" "));
            assert.match(said[0], /^usage: apply-crds\.ts <https URL of the chart repository> <chart> <exact version>$/);
        }
    });
});

/**
 * apply-crds.ts run as `pulumi up` runs it, with PATH holding only helm and
 * kubectl stand-ins (or nothing): helm prints the CRDs for 41.3.0 and fails
 * as helm does for any other version; kubectl records its arguments and
 * input. Shell builtins only. Each run has its own folder, and gives what the
 * stand-ins recorded.
 */
function runScript(args: string[], standIns: boolean) {
    return inTempDir("apply-crds-", async bin => {
        if (standIns) {
            fs.writeFileSync(path.join(bin, "helm"), `#!/bin/sh\necho "$@" > "${bin}/helm.args"\nif [ "$7" = "41.3.0" ]; then printf '%s' '${CHART_CRDS}'; else echo "Error: chart \\"traefik\\" version \\"$7\\" not found in $5 repository" >&2; exit 1; fi\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\necho "$@" > "${bin}/kubectl.args"\nwhile IFS= read -r line; do printf '%s\\n' "$line"; done > "${bin}/kubectl.input"\nprintf '%s' "$line" >> "${bin}/kubectl.input"\n`, { mode: 0o755 });
        }
        const { code, stdout, stderr } = await runCommand(process.execPath, [...LOOPBACK_ONLY_NODE_ARGS, SCRIPT, ...args], { cwd: REPO_ROOT, env: { PATH: bin } });
        const recorded = (file: string) => (fs.existsSync(path.join(bin, file)) ? fs.readFileSync(path.join(bin, file), "utf8") : undefined);
        return { result: { code, stdout, stderr }, helmArgs: recorded("helm.args"), kubectlArgs: recorded("kubectl.args"), kubectlInput: recorded("kubectl.input") };
    });
}

// Started as mocha loads this file (test/early.ts).
const APPLIED = startEarly(() => runScript([REPO, "traefik", "41.3.0"], true));
const NO_SUCH_VERSION = startEarly(() => runScript([REPO, "traefik", "99.0.0"], true));
const NO_HELM = startEarly(() => runScript([REPO, "traefik", "41.3.0"], false));

describe("apply-crds.ts on the command line, with helm and kubectl stand-ins on PATH", () => {
    it("pipes helm show crds into kubectl apply --server-side", async function () {
        this.timeout(EARLY_TIMEOUT);
        const run = await APPLIED;
        assert.deepStrictEqual(run.result, { code: 0, stdout: `applied 2 CRDs of traefik 41.3.0 from ${REPO}\n`, stderr: "" });
        assert.strictEqual(run.helmArgs, `show crds traefik --repo ${REPO} --version 41.3.0\n`);
        assert.strictEqual(run.kubectlArgs, "apply --server-side --force-conflicts --field-manager=homelab-network -f -\n");
        assert.strictEqual(run.kubectlInput?.split("\n---\n").length, 2);
    });

    it("exits 1 naming the version helm cannot find", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { result } = await NO_SUCH_VERSION;
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /^Traefik's CRDs were not applied: chart traefik version 99\.0\.0 does not exist in https:\/\/traefik\.github\.io\/charts/);
    });

    it("exits 1 saying helm is missing when it is not on PATH", async function () {
        this.timeout(EARLY_TIMEOUT);
        const { result } = await NO_HELM;
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /helm is not on PATH: install helm \(v3\.8 or newer, or v4\)/);
    });
});

describe("the program's second hosts", () => {
    it("fetches nothing from raw.githubusercontent.com: no source file of the program, its scripts or its pack names it", () => {
        const named: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
                const relative = path.join(dir, entry.name);
                if (entry.isDirectory()) {
                    walk(relative);
                } else if (/\.(ts|js|mjs|cjs)$/.test(entry.name) && fs.readFileSync(path.join(REPO_ROOT, relative), "utf8").includes("raw.githubusercontent.com")) {
                    named.push(relative);
                }
            }
        };
        ["components", "config", "policy", "scripts"].forEach(walk);
        assert.ok(!fs.readFileSync(path.join(REPO_ROOT, "index.ts"), "utf8").includes("raw.githubusercontent.com"));
        assert.deepStrictEqual(named, []);
    });
});

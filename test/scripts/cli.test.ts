// The homelab-network command: one tool, its --help, one table of exit codes,
// and errors as messages. Spawned through its bin where the start matters,
// in-process elsewhere (the commands take their writers and stack folder).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMANDS } from "../../scripts/cli/commands";
import { EXIT, EXIT_MEANINGS } from "../../scripts/cli/exitCodes";
import { cli } from "../../scripts/cli/main";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { EARLY_TIMEOUT, runCommand, startEarly } from "../early";
import { REPO_ROOT, STACKS } from "../harness";

const BIN = path.join(REPO_ROOT, "scripts", "homelab-network.js");
const HOME = fs.readFileSync(path.join(STACKS, "Pulumi.home.yaml"), "utf8");
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

// The tool's --help as a user types it, and one command's through the bin
// (plan's: the shim starts Node again for plan, but not for --help), both
// started as mocha loads this file (test/early.ts): npm's own start is slow.
// The shim hands every command line to cli() alike, so the other commands'
// --help run in-process.
const BIN_HELP_COMMAND = "plan";
const TOOL_HELP = startEarly(() => runCommand("npx", ["--no-install", "homelab-network", "--help"], { cwd: REPO_ROOT }));
const BIN_HELP = startEarly(() => runCommand(process.execPath, [BIN, BIN_HELP_COMMAND, "--help"], { cwd: REPO_ROOT }));

async function inProcess(argv: readonly string[], root = STACKS) {
    let stdout = "";
    let stderr = "";
    const code = await cli(argv, { out: t => (stdout += t), err: t => (stderr += t), root });
    return { code, stdout, stderr };
}

describe("homelab-network", () => {
    it("answers --help for itself (as `npx homelab-network`) and each command (plan's through its bin) on stdout, with exit 0", async function () {
        this.timeout(EARLY_TIMEOUT);
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        assert.deepStrictEqual(pkg.bin, { "homelab-network": "scripts/homelab-network.js" });
        assert.ok(COMMANDS.some(c => c.name === BIN_HELP_COMMAND));
        const tool = await TOOL_HELP;
        const commands = await Promise.all(COMMANDS.map(c => (c.name === BIN_HELP_COMMAND ? BIN_HELP : inProcess([c.name, "--help"]))));
        // npm itself may warn on stderr (the engines range); the tool writes nothing there.
        assert.strictEqual(tool.code, 0, tool.stderr);
        assert.match(tool.stdout, /^usage: homelab-network <command> \[options\]\n/);
        for (const command of COMMANDS) {
            assert.match(tool.stdout, new RegExp(`\\n  ${command.name} +${command.summary.replace(/[()[\]`.*+?|]/g, "\\$&")}\\n`));
        }
        for (const [code, meaning] of EXIT_MEANINGS) {
            assert.ok(tool.stdout.includes(`\n  ${code}  ${meaning}\n`), `the tool's help lacks exit code ${code}`);
        }
        commands.forEach((run, i) => {
            const command = COMMANDS[i];
            assert.deepStrictEqual([run.code, run.stderr], [0, ""], command.name);
            assert.ok(run.stdout.startsWith(`usage: homelab-network ${command.name} ${command.synopsis}\n`), run.stdout);
            for (const option of [...Object.keys(command.options), "help"]) {
                assert.match(run.stdout, new RegExp(`\\n  --${option}\\b`), `${command.name} --help lacks --${option}`);
            }
            assert.match(run.stdout, /\nexit codes:\n {2}0 {2}/);
            assert.match(run.stdout, new RegExp(`\\n  ${EXIT.usage}  `), `${command.name} --help lacks exit code 2`);
        });
    });

    it("keeps `npm run <command>` for each command, through the bin", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        for (const command of COMMANDS) {
            assert.strictEqual(scripts[command.name], `node scripts/homelab-network.js ${command.name}`);
        }
        assert.strictEqual(scripts.bench, "ts-node --transpile-only tools/bench.ts");
    });

    it("says which command a typo meant, and exits 2", async () => {
        const typo = await inProcess(["plna", "--stack", "home"]);
        assert.strictEqual(typo.code, EXIT.usage);
        assert.strictEqual(typo.stdout, "");
        assert.match(typo.stderr, /^homelab-network: there is no command "plna": did you mean plan\?\nthe commands are: plan, preflight, audit, import-policies, policy-config/);
        const none = await inProcess([]);
        assert.strictEqual(none.code, EXIT.usage);
        assert.match(none.stderr, /^usage: homelab-network <command>/);
        const help = await inProcess(["help", "policy-config"]);
        assert.strictEqual(help.code, EXIT.clean);
        assert.match(help.stdout, /^usage: homelab-network policy-config \(--stack <name> \| --all\) \[--check\]\n/);
    });

    it("refuses a command line with exit 2 before doing any work: no stack, a stack without --stack, a --gitops-repo that is no folder, an unknown option, --diagram without its file", async () => {
        const noStack = await inProcess(["plan"]);
        assert.strictEqual(noStack.code, EXIT.usage);
        assert.match(noStack.stderr, /^homelab-network plan: --stack is required \(there is no default stack\); the stacks here are: home, lab\nusage: homelab-network plan --stack <name> \[--diagram <file>\] \[--gitops-repo <dir>\]\n/);
        const bare = await inProcess(["plan", "home"]);
        assert.strictEqual(bare.code, EXIT.usage);
        assert.match(bare.stderr, /^homelab-network plan: unexpected argument "home": did you mean --stack home\?\n/);
        const extra = await inProcess(["plan", "--stack", "home", "lab"]);
        assert.match(extra.stderr, /^homelab-network plan: unexpected argument "lab"\n/, "with --stack given, no guess");
        const missing = path.join(os.tmpdir(), "homelab-network-no-such-clone");
        const clone = await inProcess(["plan", "--stack", "home", "--gitops-repo", missing]);
        assert.deepStrictEqual([clone.code, clone.stdout], [EXIT.usage, ""], "no plan listing every source as missing");
        assert.match(clone.stderr, new RegExp(`^homelab-network plan: --gitops-repo ${missing.replace(/[.\\]/g, "\\$&")} is not a folder: name a local clone`));
        const option = await inProcess(["plan", "--stack", "home", "--diagarm", "x.md"]);
        assert.strictEqual(option.code, EXIT.usage);
        assert.match(option.stderr, /^homelab-network plan: unknown option --diagarm: did you mean --diagram\?/);
        for (const argv of [["plan", "--stack", "home", "--diagram"], ["plan", "--diagram", "--stack", "home"]]) {
            const started = Date.now();
            const diagram = await inProcess(argv);
            assert.strictEqual(diagram.code, EXIT.usage, argv.join(" "));
            assert.strictEqual(diagram.stdout, "", "no plan is printed");
            assert.match(diagram.stderr, /^homelab-network plan: --diagram needs a value\n/);
            assert.ok(Date.now() - started < 2000, "refused before the program ran");
        }
        const both = await inProcess(["policy-config", "--all", "--stack", "home"]);
        assert.deepStrictEqual([both.code, both.stderr.split("\n")[0]], [EXIT.usage, "homelab-network policy-config: --stack and --all exclude each other"]);
        const flag = await inProcess(["policy-config", "--all", "--check=yes"]);
        assert.deepStrictEqual([flag.code, flag.stderr.split("\n")[0]], [EXIT.usage, "homelab-network policy-config: --check takes no value"]);
        const neither = await inProcess(["policy-config"]);
        assert.match(neither.stderr, /^homelab-network policy-config: name a stack with --stack <name>, or --all; the stacks here are: home, lab\n/);
    });

    describe("on a stack with a config error", () => {
        let root: string;
        before(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
            fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            fs.writeFileSync(path.join(root, "Pulumi.home.yaml"), HOME);
            // A value the config refuses, and a key the project does not declare.
            fs.writeFileSync(path.join(root, "Pulumi.badvip.yaml"), HOME.replace("controlPlaneVip: 192.168.1.230", "controlPlaneVip: 192.168.1.300"));
            fs.writeFileSync(path.join(root, "Pulumi.typo.yaml"), `${HOME}  homelab-network:ingresVip: 192.168.1.231\n`);
            fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
        });
        after(() => fs.rmSync(root, { recursive: true, force: true }));

        const commandLines: Record<string, string[]> = {
            "plan": ["plan"],
            "preflight": ["preflight", "--skip-vip-probe"],
            "audit": ["audit"],
            "import-policies": ["import-policies", path.join(REPO_ROOT, "test", "fixtures", "policies")],
            "policy-config": ["policy-config", "--check"],
            "policy-diff": ["policy-diff", path.join(REPO_ROOT, "test", "fixtures", "policies")],
        };

        it("has a command line for every command here", () => {
            assert.deepStrictEqual(Object.keys(commandLines).sort(), COMMANDS.map(c => c.name).sort());
        });

        for (const [name, argv] of Object.entries(commandLines)) {
            it(`${name} prints the problem, names the key, and exits 2 without a stack trace`, async function () {
                this.timeout(20000);
                for (const [stack, key] of [["badvip", /controlPlaneVip/], ["typo", /ingresVip.*did you mean.*ingressVip|ingresVip[\s\S]*ingressVip/]] as const) {
                    const run = await inProcess([...argv, "--stack", stack], root);
                    assert.strictEqual(run.code, EXIT.usage, `${name} --stack ${stack}: ${run.stderr}`);
                    assert.match(run.stderr, key, `${name} --stack ${stack}`);
                    assert.doesNotMatch(run.stderr, STACK_TRACE, `${name} --stack ${stack}`);
                    assert.doesNotMatch(run.stderr, /failed unexpectedly/);
                }
            });
        }
    });

    describe("policy-config", () => {
        let root: string;
        beforeEach(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "cli-policy-config-"));
            fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            for (const stack of ["home", "lab"]) {
                fs.copyFileSync(path.join(STACKS, `Pulumi.${stack}.yaml`), path.join(root, `Pulumi.${stack}.yaml`));
            }
        });
        afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
        const file = (stack: string) => path.join(root, "policy", "config", `${stack}.json`);

        it("writes only the stack it is given, and --check then finds it current and the other missing", async () => {
            const write = await inProcess(["policy-config", "--stack", "lab"], root);
            assert.deepStrictEqual([write.code, write.stdout], [EXIT.clean, "wrote policy/config/lab.json\n"]);
            assert.strictEqual(fs.readFileSync(file("lab"), "utf8"), renderPolicyPackConfig(STACKS, "lab"));
            assert.ok(!fs.existsSync(file("home")));
            const check = await inProcess(["policy-config", "--all", "--check"], root);
            assert.strictEqual(check.code, EXIT.findings);
            assert.strictEqual(check.stdout, "policy/config/lab.json is current\n");
            assert.strictEqual(check.stderr, "policy/config/home.json is missing: run homelab-network policy-config --stack home\n");
        });

        it("--check writes nothing and exits 1 on a stale file; --all rewrites every stack", async () => {
            fs.mkdirSync(path.dirname(file("home")), { recursive: true });
            fs.writeFileSync(file("home"), "{}\n");
            const check = await inProcess(["policy-config", "--stack", "home", "--check"], root);
            assert.deepStrictEqual([check.code, check.stderr], [EXIT.findings, "policy/config/home.json is out of date: run homelab-network policy-config --stack home\n"]);
            assert.strictEqual(fs.readFileSync(file("home"), "utf8"), "{}\n");
            const all = await inProcess(["policy-config", "--all"], root);
            assert.deepStrictEqual([all.code, all.stdout], [EXIT.clean, "wrote policy/config/home.json\nwrote policy/config/lab.json\n"]);
            assert.strictEqual((await inProcess(["policy-config", "--all", "--check"], root)).code, EXIT.clean);
        });
    });

    it("is documented once, in docs/cli.md: every command and the exit codes", () => {
        const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "cli.md"), "utf8");
        for (const command of COMMANDS) {
            // A table cell escapes its pipes.
            assert.ok(doc.includes(`homelab-network ${command.name} ${command.synopsis.replace(/\|/g, "\\|")}`), `docs/cli.md lacks ${command.name}'s synopsis`);
        }
        for (const [code, meaning] of EXIT_MEANINGS) {
            assert.ok(doc.includes(`| ${code} | ${meaning} |`), `docs/cli.md lacks exit code ${code}: ${meaning}`);
        }
    });
});

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseApplications } from "../config/applications";
import { formatConfigIssues } from "../config/issues";
import { plan } from "../scripts/plan";
import { readProjectFile } from "../scripts/stackFiles";
import { REPO_ROOT, runProgram } from "./harness";

function referenceRows(): Map<string, { type: string; default: string }> {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "config-reference.md"), "utf8");
    const rows = new Map<string, { type: string; default: string }>();
    for (const match of text.matchAll(/^\| `([A-Za-z0-9]+)` \| ([^|]+) \| ([^|]+) \|/gm)) {
        rows.set(match[1], { type: match[2].trim(), default: match[3].trim() });
    }
    return rows;
}

describe("the config reference", () => {
    const project = readProjectFile(REPO_ROOT);
    const rows = referenceRows();

    it("lists exactly the keys Pulumi.yaml declares", () => {
        assert.deepStrictEqual([...rows.keys()].sort(), Object.keys(project.config).sort());
    });

    it("gives each key the type and default Pulumi.yaml declares", () => {
        for (const [key, declared] of Object.entries(project.config)) {
            const row = rows.get(key);
            assert.ok(row, key);
            assert.strictEqual(row.type, declared.type ?? (Array.isArray(declared.default) ? "list of objects" : "object"), `type of ${key}`);
            assert.strictEqual(row.default, declared.default === undefined ? "(required)" : `\`${JSON.stringify(declared.default)}\``, `default of ${key}`);
        }
    });

    it("documents every key in Pulumi.yaml with a description", () => {
        for (const [key, declared] of Object.entries(project.config)) {
            assert.ok((declared.description ?? "").length > 20, `${key} needs a description`);
        }
    });
});

describe("the README", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    it("opens with the offline plan, the test command and pulumi up", () => {
        const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
        assert.match(firstBlock, /^npm ci && npm run plan -- --stack home/m);
        assert.match(firstBlock, /^npm test/m);
        assert.match(firstBlock, /^pulumi up --stack home/m);
    });

    it("names scripts that package.json defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        for (const match of readme.matchAll(/npm run ([a-z:-]+)/g)) {
            assert.ok(match[1] in scripts, `npm run ${match[1]} is not a script`);
        }
    });
});

/** The README's section under a heading, up to the next heading of the same or a higher level. */
function section(readme: string, heading: string): string {
    const level = /^#+/.exec(heading)![0].length;
    const start = readme.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `the README has no section ${heading}`);
    const rest = readme.slice(start + heading.length + 2);
    const next = new RegExp(`^#{1,${level}} `, "m").exec(rest);
    return next === null ? rest : rest.slice(0, next.index);
}

/** The fenced blocks of a section, with their info string. */
function fencedBlocks(text: string): Array<{ lang: string; body: string }> {
    return [...text.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], body: m[2] }));
}

// The README's Applications examples are config a reader pastes into a stack:
// each must parse and plan clean as it stands (the old one called an app it did
// not declare), and what the section shows the plan printing, the plan prints.
describe("the README's Applications section", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const applications = section(readme, "### Applications");
    const examples = fencedBlocks(applications)
        .filter(b => b.lang === "yaml" && b.body.startsWith("homelab-network:applications:"))
        .map(b => ({ text: b.body, value: (YAML.parse(b.body) as Record<string, unknown>)["homelab-network:applications"] }));
    const ENTRYPOINTS = { entrypoints: ["web", "websecure", "web239", "websecure239"] };

    it("has an example of the applications config", () => {
        assert.ok(examples.length > 0, "no ```yaml block starting with homelab-network:applications: under ### Applications");
    });

    it("shows examples the program accepts as they stand: every Application they call is declared in them", () => {
        for (const example of examples) {
            const { issues } = parseApplications(example.value, ENTRYPOINTS);
            assert.deepStrictEqual(issues, [], formatConfigIssues(issues, "homelab-network"));
        }
    });

    it("shows examples that, pasted into the home stack, plan clean", async function () {
        this.timeout(60000);
        for (const example of examples) {
            const result = await plan("home", { applications: example.value });
            assert.strictEqual(result.exitCode, 0, result.report);
            assert.deepStrictEqual(result.violations, []);
        }
    });

    it("uses every peer kind in its examples, and every form of connections the program reads", () => {
        const text = examples.map(e => e.text).join("\n");
        for (const kind of ["app", "entity", "cidr", "fqdn", "platform", "ingress", "pods"]) {
            assert.match(text, new RegExp(`- ${kind}: `), `no example of a ${kind} peer`);
        }
        for (const field of ["workloads:", "selector:", "workload:", "from:", "to:", "icmp:", "loadBalancerAddresses:", "namespace:"]) {
            assert.ok(text.includes(field), `no example of ${field}`);
        }
    });

    it("shows the home stack's address plan exactly as the offline plan prints it", async function () {
        this.timeout(60000);
        const shown = fencedBlocks(applications).find(b => b.body.startsWith("Address plan\n"));
        assert.ok(shown, "the README shows no address plan under ### Applications");
        const printed = /^Address plan\n[\s\S]*?\n\n/m.exec((await plan("home")).report);
        assert.ok(printed);
        assert.strictEqual(shown.body, printed[0].slice(0, -1));
    });

    it("shows the refusal the offline plan prints for its example with three mistakes", async function () {
        this.timeout(60000);
        const shown = fencedBlocks(applications).find(b => b.body.startsWith("The network configuration of stack"));
        assert.ok(shown, "the README shows no refusal under ### Applications");
        const mistakes: Array<[string, string]> = [
            ["- entity: nodes ", "- entity: node  "],
            ["workload: mariadb\n              ports: [3306]", "workload: maria\n              ports: [3306]"],
            // Pi-hole moved to Traefik's address in both places: declared and pinned in its helmValues.
            ["- address: 192.168.1.232", "- address: 192.168.1.231"],
            ["kube-vip.io/loadbalancerIPs: 192.168.1.232", "kube-vip.io/loadbalancerIPs: 192.168.1.231"],
        ];
        const broken = mistakes.reduce((text, [line, mistake]) => {
            assert.ok(text.includes(line), `the example no longer has ${JSON.stringify(line)}`);
            return text.replace(line, mistake);
        }, examples[0].text);
        const result = await plan("home", { applications: (YAML.parse(broken) as Record<string, unknown>)["homelab-network:applications"] });
        assert.strictEqual(result.exitCode, 2);
        assert.strictEqual(shown.body.trimEnd(), result.report.trimEnd());
    });

    it("shows the home stack's loadBalancerAddresses output as the program computes it", async function () {
        this.timeout(60000);
        const shown = fencedBlocks(applications).find(b => b.lang === "json");
        assert.ok(shown, "the README shows no loadBalancerAddresses output");
        const output = (await runProgram("home", {}, REPO_ROOT)).outputs.loadBalancerAddresses as Record<string, unknown>;
        for (const [address, instructions] of Object.entries(JSON.parse(shown.body) as Record<string, unknown>)) {
            assert.deepStrictEqual(instructions, output[address], address);
        }
    });
});

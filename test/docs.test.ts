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

    it("shows the refusal the offline plan prints for a typo in an address", async function () {
        this.timeout(60000);
        const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "config-reference.md"), "utf8");
        const shown = fencedBlocks(text).find(b => b.body.startsWith("The network configuration of stack"));
        assert.ok(shown, "docs/config-reference.md shows no refusal");
        const result = await plan("home", { controlPlaneVip: "192.168.1.300" });
        assert.strictEqual(result.exitCode, 2);
        assert.strictEqual(shown.body.trimEnd(), result.report.trimEnd());
    });

    it("documents every key in Pulumi.yaml with a description", () => {
        for (const [key, declared] of Object.entries(project.config)) {
            assert.ok((declared.description ?? "").length > 20, `${key} needs a description`);
        }
    });
});

/** Every Markdown file a reader is pointed at: the README and docs/. */
const MARKDOWN = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).filter(f => f.endsWith(".md")).map(f => `docs/${f}`)];

/** The fenced blocks of a text, with their info string. */
function fencedBlocks(text: string): Array<{ lang: string; body: string }> {
    return [...text.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], body: m[2] }));
}

/** The `homelab-network:applications:` examples of a text, as written and as parsed. */
function applicationExamples(text: string): Array<{ text: string; value: unknown }> {
    return fencedBlocks(text)
        .filter(b => b.lang === "yaml" && b.body.startsWith("homelab-network:applications:"))
        .map(b => ({ text: b.body, value: (YAML.parse(b.body) as Record<string, unknown>)["homelab-network:applications"] }));
}

const ENTRYPOINTS = { entrypoints: ["web", "websecure", "web239", "websecure239"] };

// The README is where a new user starts: what it is and the commands first, the
// quick start right after, the reference material in docs/. Its first block is
// also what .ci/run runs (npm ci, then npm test).
describe("the README", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const lines = readme.split("\n");

    it("opens with the offline plan, the test command and pulumi up with the policy pack", () => {
        const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
        assert.match(firstBlock, /^npm ci && npm run plan -- --stack home /m);
        assert.match(firstBlock, /^npm test /m);
        assert.match(firstBlock, /^pulumi up --stack home --policy-pack policy --policy-pack-config policy\/config\/home\.json /m);
        const ci = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /^npm ci( |$)[\s\S]*^npm test$/m, ".ci/run no longer runs npm ci, then npm test");
    });

    it("starts the quick start before line 60, and stays under 220 lines", () => {
        const quickStart = lines.indexOf("## Quick start") + 1;
        assert.ok(quickStart > 0, "the README has no ## Quick start");
        assert.ok(quickStart < 60, `the quick start starts at line ${quickStart}`);
        assert.ok(lines.length <= 220, `the README has ${lines.length} lines: move reference material into docs/`);
    });

    it("keeps every paragraph and list item under 1,000 characters", () => {
        const prose = readme.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, "");
        const paragraphs = prose.split(/\n\n+/).flatMap(block => /^(- |\d+\. )/.test(block) ? block.split("\n") : [block]);
        for (const paragraph of paragraphs) {
            assert.ok(paragraph.length <= 1000, `a paragraph of ${paragraph.length} characters: ${paragraph.slice(0, 80)}...`);
        }
    });

    it("lists the quick start's commands in the order they work, with the pack on preview and up", () => {
        const quickStart = readme.slice(readme.indexOf("## Quick start"));
        const steps = fencedBlocks(quickStart).filter(b => b.lang === "sh").map(b => b.body).join("");
        const order = [
            /^curl -sfL https:\/\/get\.k3s\.io \| INSTALL_K3S_CHANNEL=v1\.35 sh -s - server/m,
            /^export KUBECONFIG=/m,
            /^npm ci$/m,
            /^npm run policy-config -- --stack home /m,
            /^npm run plan -- --stack home /m,
            /^pulumi login /m,
            /^pulumi stack select home /m,
            /^npm run preflight -- --stack home /m,
            /^pulumi preview --stack home --policy-pack policy --policy-pack-config policy\/config\/home\.json$/m,
            /^pulumi up --stack home --policy-pack policy --policy-pack-config policy\/config\/home\.json$/m,
        ];
        let at = 0;
        for (const step of order) {
            const found = step.exec(steps.slice(at));
            assert.ok(found, `the quick start lacks ${step} after what comes before it`);
            at += found.index + found[0].length;
        }
    });

    it("shows Applications examples that parse and, pasted into the home stack, plan clean", async function () {
        this.timeout(60000);
        const examples = applicationExamples(readme);
        assert.ok(examples.length > 0, "the README shows no applications example");
        for (const example of examples) {
            const { issues } = parseApplications(example.value, ENTRYPOINTS);
            assert.deepStrictEqual(issues, [], formatConfigIssues(issues, "homelab-network"));
            const result = await plan("home", { applications: example.value });
            assert.strictEqual(result.exitCode, 0, result.report);
        }
    });
});

describe("the README and docs/", () => {
    it("name scripts that package.json defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        for (const file of MARKDOWN) {
            for (const match of fs.readFileSync(path.join(REPO_ROOT, file), "utf8").matchAll(/npm run ([a-z:-]+)/g)) {
                assert.ok(match[1] in scripts, `${file}: npm run ${match[1]} is not a script`);
            }
        }
    });

    it("link to files that exist, and to headings they have", () => {
        const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-");
        for (const file of MARKDOWN) {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [relative, anchor] = target.split("#");
                const linked = relative === "" ? path.join(REPO_ROOT, file) : path.join(REPO_ROOT, path.dirname(file), relative);
                assert.ok(fs.existsSync(linked), `${file} links to ${target}, which does not exist`);
                if (anchor !== undefined) {
                    const headings = [...fs.readFileSync(linked, "utf8").matchAll(/^#+ (.*)$/gm)].map(m => slug(m[1]));
                    assert.ok(headings.includes(anchor), `${file} links to ${target}: no such heading`);
                }
            }
        }
    });
});

// docs/applications.md's examples are config a reader pastes into a stack:
// each must parse and plan clean as it stands (an old one called an app it did
// not declare), and what the page shows the plan printing, the plan prints.
describe("docs/applications.md", () => {
    const applications = fs.readFileSync(path.join(REPO_ROOT, "docs", "applications.md"), "utf8");
    const examples = applicationExamples(applications);

    it("has an example of the applications config", () => {
        assert.ok(examples.length > 0, "no ```yaml block starting with homelab-network:applications: in docs/applications.md");
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
        assert.ok(shown, "docs/applications.md shows no address plan");
        const printed = /^Address plan\n[\s\S]*?\n\n/m.exec((await plan("home")).report);
        assert.ok(printed);
        assert.strictEqual(shown.body, printed[0].slice(0, -1));
    });

    it("shows the refusal the offline plan prints for its example with three mistakes", async function () {
        this.timeout(60000);
        const shown = fencedBlocks(applications).find(b => b.body.startsWith("The network configuration of stack"));
        assert.ok(shown, "docs/applications.md shows no refusal");
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
        assert.ok(shown, "docs/applications.md shows no loadBalancerAddresses output");
        const output = (await runProgram("home", {}, REPO_ROOT)).outputs.loadBalancerAddresses as Record<string, unknown>;
        for (const [address, instructions] of Object.entries(JSON.parse(shown.body) as Record<string, unknown>)) {
            assert.deepStrictEqual(instructions, output[address], address);
        }
    });
});

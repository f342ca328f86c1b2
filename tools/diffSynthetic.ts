// `policy-diff` of the home network with N generated Applications
// (tools/syntheticStack.ts) against its own policies, for `npm run bench`:
//
//   node -r ts-node/register/transpile-only tools/diffSynthetic.ts prepare <N> <dir>
//       untimed: writes <dir>/stack, a stack folder whose Pulumi.home.yaml is
//       the home stack's with the generated Applications, and <dir>/gitops,
//       the program's own policies (one YAML file each, as a GitOps repository
//       holds them) beside a Deployment per generated workload
//   node --max-semi-space-size=64 -r ts-node/register/transpile-only tools/diffSynthetic.ts run <dir>
//       timed, in a fresh process (as the plan's figure is, tools/planSynthetic.ts):
//       the command as a user runs it, everything after its arguments are
//       parsed (scripts/cli/policyDiff.ts's run: reading the folder and its
//       manifests, the program's offline run, preparing the original's side,
//       the diff, the listing); the modules it loads are loaded before the
//       clock starts, as the plan's are. Prints one JSON line: the time, the exit code,
//       and what the listing counts (nothing should be lost or gained).

import * as fs from "fs";
import * as path from "path";
import { parseDocument, stringify } from "yaml";
import { TYPES } from "../policy/definitions";
import { command } from "../scripts/cli/policyDiff";
// The modules the command loads when it runs, loaded before the clock starts,
// as tools/planSynthetic.ts loads the plan's: both figures leave out loading
// the command's own code and keep the program's (index.ts, in the offline run).
import "../scripts/policyDiff/report";
import "../scripts/policyDiff/run";
import { REPO_ROOT, runProgram } from "../scripts/offlineRun";
import { SyntheticSize, syntheticApplications, syntheticSize } from "./syntheticStack";

const POLICY_TYPES: readonly string[] = [TYPES.ciliumNetworkPolicy, TYPES.ciliumClusterwideNetworkPolicy, TYPES.networkPolicy];

/** A stack folder (Pulumi.yaml, Pulumi.home.yaml) with `applications` in place of the home stack's. */
function syntheticStackRoot(dir: string, applications: unknown[]): string {
    const root = path.join(dir, "stack");
    fs.mkdirSync(root, { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    const home = parseDocument(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.home.yaml"), "utf8"));
    const project = parseDocument(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")).get("name") as string;
    home.setIn(["config", `${project}:applications`], applications);
    fs.writeFileSync(path.join(root, "Pulumi.home.yaml"), home.toString());
    return root;
}

/** The program's own policies, one file each, and a Deployment per generated workload. */
async function ownPoliciesFolder(dir: string, root: string, applications: Array<Record<string, any>>): Promise<string> {
    const folder = path.join(dir, "gitops");
    fs.mkdirSync(path.join(folder, "policies"), { recursive: true });
    fs.mkdirSync(path.join(folder, "apps"), { recursive: true });
    const run = await runProgram("home", {}, root);
    run.resources.filter(r => POLICY_TYPES.includes(r.type)).forEach((r, i) => {
        const object = { ...r.inputs, metadata: { ...r.inputs.metadata, name: r.inputs.metadata?.name ?? r.name } };
        fs.writeFileSync(path.join(folder, "policies", `${String(i).padStart(4, "0")}-${r.name}.yaml`), stringify(object));
    });
    for (const app of applications) {
        const deployments = (app.workloads as Array<{ name: string; selector: Record<string, string> }>).map(w => ({
            apiVersion: "apps/v1", kind: "Deployment",
            metadata: { name: `${app.name}-${w.name}`, namespace: app.namespace },
            spec: { selector: { matchLabels: w.selector }, template: { metadata: { labels: w.selector }, spec: { containers: [{ name: w.name, image: "registry.example.org/app:1.0.0" }] } } },
        }));
        fs.writeFileSync(path.join(folder, "apps", `${app.name}.yaml`), deployments.map(d => stringify(d)).join("---\n"));
    }
    return folder;
}

async function prepare(count: number, dir: string): Promise<void> {
    const applications = syntheticApplications(count);
    const root = syntheticStackRoot(dir, applications);
    await ownPoliciesFolder(dir, root, applications);
    fs.writeFileSync(path.join(dir, "size.json"), JSON.stringify(syntheticSize(count)));
}

async function run(dir: string): Promise<void> {
    let listing = "";
    const start = process.hrtime.bigint();
    const exitCode = await command.run({ values: { stack: "home" }, positionals: [path.join(dir, "gitops")] },
        { root: path.join(dir, "stack"), out: text => { listing += text; }, err: text => process.stderr.write(text) });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const counted = (title: string) => Number(new RegExp(`^${title}[^:]*: (\\d+|none)$`, "m").exec(listing)?.[1].replace("none", "0") ?? NaN);
    const compared = Number(/^Compared (\d+) workloads/m.exec(listing)?.[1] ?? NaN);
    const size = JSON.parse(fs.readFileSync(path.join(dir, "size.json"), "utf8")) as SyntheticSize;
    console.log(JSON.stringify({ ...size, ms, exitCode, compared, lost: counted("Lost"), gained: counted("Gained") }));
}

if (require.main === module) {
    const [mode, ...args] = process.argv.slice(2);
    (mode === "prepare" ? prepare(Number(args[0]), args[1]) : run(args[0])).then(() => process.exit(0), error => {
        console.error(error);
        process.exit(1);
    });
}

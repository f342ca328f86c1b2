// `npm run bench`: how long the program and the pack take, against a floor.
//
//   floor          a fresh Node.js process that only loads @pulumi/pulumi and
//                  @pulumi/kubernetes: what any run of this program pays first
//   start-up       two fresh processes started the way `pulumi preview` starts
//                  the program (Pulumi's own cmd/run with the tsconfig that
//                  Pulumi.yaml names), both under mocks: a one-resource program
//                  that loads every package file the home stack loads, and the
//                  home stack itself. Their ratio is the program's own start-up
//                  cost: transpiling and running this project's code. Printed
//                  twice: as configured (ts-node's swc transpiler), and with
//                  ts-node's TypeScript transpiler for comparison.
//   offline plan   `npm run plan -- --stack home` end to end, ts-node included
//   policy-diff    the command's run (tools/diffSynthetic.ts) on a generated
//                  stack of 200 Applications against a folder of its own
//                  policies, as a ratio to a plan of that stack run just before
//   policy pack    the pack's policies in-process over N synthetic resources
//   live audit     `npm run audit` in-process over a generated cluster of about
//                  2,000 objects, kubectl answered from memory (JSON text, as
//                  kubectl prints it): the audit's own reading and checking
//
// Each figure is the median of several runs; the machine, Node.js version and
// run count are printed with them. Timing lives here, never in the tests.

import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { LOADBALANCER_IPS_ANNOTATION, TYPES } from "../policy/definitions";
import { auditStack } from "../scripts/audit";
import { auditPlanOf } from "../scripts/audit/plan";
import { policyPackConfigOf, stackSettingsOf } from "../scripts/policyConfig";
import { PolicyInput, runPolicies } from "../scripts/policyRunner";
import { SECRET_PLACEHOLDER, loadStackConfig } from "../scripts/stackFiles";
import { clusterKubectl, plannedCluster } from "./syntheticCluster";

const ROOT = path.resolve(__dirname, "..");
const BENCH_DIR = path.join(ROOT, "out", "bench");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

interface Run {
    wall: number;
    /** CPU milliseconds the process reported (BENCH_CPU_MS), else NaN. */
    cpu: number;
    /** Resources it registered (BENCH_REGISTRATIONS), else NaN. */
    registrations: number;
}

/** Wall-clock milliseconds of one fresh process, and what it reported of itself. */
function runOnce(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
    const start = process.hrtime.bigint();
    let stdout: string;
    try {
        stdout = execFileSync(process.execPath, args, { cwd: ROOT, stdio: "pipe", env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    } catch (error) {
        process.stderr.write(String((error as { stderr?: unknown }).stderr ?? ""));
        throw error;
    }
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const reported = (name: string) => {
        const last = [...stdout.matchAll(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, "gm"))].pop();
        return last === undefined ? NaN : Number(last[1]);
    };
    return { wall, cpu: reported("BENCH_CPU_MS"), registrations: reported("BENCH_REGISTRATIONS") };
}

/**
 * Instructions one fresh process executes, counted by valgrind's callgrind: the
 * same count whatever else the machine runs (BENCH_INSTRUCTIONS=1; slow, about
 * two minutes a process).
 */
function countInstructions(args: string[], env: NodeJS.ProcessEnv): number {
    const result = spawnSync("valgrind", ["--tool=callgrind", "--smc-check=all-non-file", "--callgrind-out-file=/dev/null", process.execPath, ...args],
        { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    const refs = /I\s+refs:\s+([\d,]+)/.exec(result.stderr ?? "");
    if (result.status !== 0 || refs === null) {
        throw new Error(`valgrind failed (${result.error?.message ?? `exit ${result.status}`}): ${String(result.stderr).slice(-2000)}`);
    }
    return Number(refs[1].replace(/,/g, ""));
}

function timeProcess(args: string[], runs: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        samples.push(runOnce(args).wall);
    }
    return median(samples);
}

// What the Node.js language host does for `pulumi preview`, less the engine:
// it sets PULUMI_NODEJS_TYPESCRIPT and PULUMI_NODEJS_TSCONFIG_PATH (from
// Pulumi.yaml's runtime options) and PULUMI_CONFIG, then starts
// `node @pulumi/pulumi/cmd/run --monitor=... --dry-run <program>`, whose run()
// registers ts-node with that tsconfig and requires the program inside the
// root Stack resource. Here the same entry point runs, unchanged, with Pulumi's
// mocks in place of the engine's resource monitor. The process reports its CPU
// time and how many resources it registered (the root Stack included);
// BENCH_MODULES, when set, receives every package file it loaded.
const START_HARNESS = `
const pulumi = require("@pulumi/pulumi");
function state(args) {
    const s = { ...args.inputs };
    if (args.type.startsWith("kubernetes:") && s.metadata !== undefined && s.metadata.name === undefined) {
        s.metadata = { ...s.metadata, name: args.name + "-auto1234" };
    }
    if (args.type === ${JSON.stringify(TYPES.release)}) {
        s.status = { name: s.name ?? args.name, namespace: s.namespace ?? "default", status: "deployed" };
    }
    return s;
}
const env = process.env;
let registrations = 0;
pulumi.runtime.setMocks({ newResource: a => { registrations++; return { id: a.name + "-id", state: state(a) }; }, call: a => a.inputs },
    env.PULUMI_NODEJS_PROJECT, env.PULUMI_NODEJS_STACK, true);
// The engine's monitor answers this at exit; Pulumi's mock monitor has no such method.
pulumi.runtime.getMonitor().signalAndWaitForShutdown = (_req, callback) => callback(null, {});
// CPU time of this process (all its threads), which load from other processes on the machine barely moves.
process.on("exit", () => {
    const usage = process.cpuUsage();
    process.stdout.write("\\nBENCH_CPU_MS " + ((usage.user + usage.system) / 1000).toFixed(1) + "\\nBENCH_REGISTRATIONS " + registrations + "\\n");
});
if (env.BENCH_MODULES) {
    process.on("exit", () => require("fs").writeFileSync(env.BENCH_MODULES,
        JSON.stringify(Object.keys(require.cache).filter(file => file.includes("/node_modules/")))));
}
const entry = require.resolve("@pulumi/pulumi/cmd/run");
process.argv = [process.execPath, entry, "--monitor=mock", "--project=" + env.PULUMI_NODEJS_PROJECT,
    "--stack=" + env.PULUMI_NODEJS_STACK, "--dry-run", "--pwd=" + process.cwd(), env.BENCH_PROGRAM];
require(entry);
`;

// The baseline and the resource floor are one program: it requires every
// package file the home stack loaded (the list its discovery run wrote),
// installs the stack-trace rules as index.ts does, and declares
// BENCH_NAMESPACES bare Namespaces. With one, it is the baseline, which
// differs from the home stack only by this project's own code. With as many
// as the home stack registers resources, it is the resource floor: what any
// program with that many resources pays to the SDK, whatever its code.
const NAMESPACES_PROGRAM = `// Written by tools/bench.ts: the one-resource baseline and the resource floor of the start-up ratio.
import * as k8s from "@pulumi/kubernetes";
import { installStackTraceRules } from ${JSON.stringify(path.join(ROOT, "components", "stackTraces"))};

installStackTraceRules();
for (const file of require(process.env.BENCH_MODULE_LIST as string) as string[]) {
    require(file);
}

const count = Number(process.env.BENCH_NAMESPACES);
export const namespaces = Array.from({ length: count }, (_, i) => new k8s.core.v1.Namespace(\`bench-\${i}\`).metadata.name);
`;

function projectTsconfig(): string {
    const projectFile = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    return projectFile.runtime?.options?.tsconfig ?? "tsconfig.json";
}

function startEnv(stack: string, tsconfig: string, program: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const { project, values } = loadStackConfig(ROOT, stack);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        if (value !== undefined) {
            config[`${project}:${key}`] = typeof value === "object" ? JSON.stringify(value) : String(value);
        }
    }
    return {
        ...process.env,
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_NODEJS_TSCONFIG_PATH: tsconfig,
        PULUMI_NODEJS_PROJECT: project,
        PULUMI_NODEJS_STACK: stack,
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(Object.keys(config).filter(k => config[k] === SECRET_PLACEHOLDER)),
        BENCH_PROGRAM: program,
        ...extra,
    };
}

/**
 * A copy of the project's tsconfig with ts-node's swc transpiler off, for the
 * comparison row. Pulumi reads only the named file's own compilerOptions
 * (noCheck among them), so they are copied, not inherited.
 */
function typescriptTranspilerTsconfig(): string {
    const configured = projectTsconfig();
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, configured), "utf8"));
    const file = path.join(BENCH_DIR, "tsconfig.typescript-transpiler.json");
    fs.writeFileSync(file, JSON.stringify({
        extends: path.relative(BENCH_DIR, path.join(ROOT, configured)),
        compilerOptions: own.compilerOptions ?? {},
        "ts-node": { ...own["ts-node"], swc: false },
    }, null, 2));
    return path.relative(ROOT, file);
}

interface StartUp {
    /** Median wall-clock milliseconds. */
    one: number;
    stack: number;
    /** Median CPU milliseconds. */
    oneCpu: number;
    stackCpu: number;
    /** The ratio stack / one within each round of runs, in wall-clock and CPU time. */
    ratios: number[];
    cpuRatios: number[];
    /** Resources the home stack registers, the root Stack included. */
    registrations: number;
    /** The resource floor (NAMESPACES_PROGRAM with as many resources as the home stack), run in each round: its ratios to the one-resource program, and the home stack's to it. */
    floor?: { wall: number; ratios: number[]; cpuRatios: number[]; stackRatios: number[] };
    /** Instructions, when BENCH_INSTRUCTIONS=1. */
    oneInstructions?: number;
    stackInstructions?: number;
    floorInstructions?: number;
}

/**
 * Medians of the one-resource program and of the stack started through
 * `tsconfig`, run in alternation so that load on the machine hits both.
 */
function timeStartUp(stack: string, tsconfig: string, runs: number, withFloor: boolean): StartUp {
    fs.mkdirSync(BENCH_DIR, { recursive: true });
    const modules = path.join(BENCH_DIR, `modules-${path.basename(tsconfig, ".json")}.json`);
    const namespacesProgram = path.join(BENCH_DIR, "namespaces.ts");
    const stackProgram = path.join(ROOT, "index.ts");
    const harness = ["-e", START_HARNESS];
    // Discovery, untimed: which package files does the stack load this way, and how many resources does it register?
    const { registrations } = runOnce(harness, startEnv(stack, tsconfig, stackProgram, { BENCH_MODULES: modules }));
    fs.writeFileSync(namespacesProgram, NAMESPACES_PROGRAM);
    const envs = {
        one: startEnv(stack, tsconfig, namespacesProgram, { BENCH_MODULE_LIST: modules, BENCH_NAMESPACES: "1" }),
        // The root Stack is registered by Pulumi's entry point in every program.
        floor: startEnv(stack, tsconfig, namespacesProgram, { BENCH_MODULE_LIST: modules, BENCH_NAMESPACES: String(registrations - 1) }),
        stack: startEnv(stack, tsconfig, stackProgram),
    };
    // A round runs the home stack between the others, right after or before
    // each, and every other round reverses the order, so that no program
    // always follows another.
    const programs: Array<keyof typeof envs> = withFloor ? ["one", "stack", "floor"] : ["one", "stack"];
    for (const program of programs) {
        runOnce(harness, envs[program]);
    }
    const runsOf: Record<keyof typeof envs, Run[]> = { one: [], floor: [], stack: [] };
    for (let i = 0; i < runs; i++) {
        for (const program of i % 2 === 0 ? programs : [...programs].reverse()) {
            runsOf[program].push(runOnce(harness, envs[program]));
        }
    }
    const { one, floor, stack: full } = runsOf;
    const counted = process.env.BENCH_INSTRUCTIONS === "1"
        ? {
            oneInstructions: countInstructions(harness, envs.one),
            stackInstructions: countInstructions(harness, envs.stack),
            floorInstructions: withFloor ? countInstructions(harness, envs.floor) : undefined,
        }
        : {};
    return {
        one: median(one.map(r => r.wall)),
        stack: median(full.map(r => r.wall)),
        oneCpu: median(one.map(r => r.cpu)),
        stackCpu: median(full.map(r => r.cpu)),
        ratios: full.map((r, i) => r.wall / one[i].wall),
        cpuRatios: full.map((r, i) => r.cpu / one[i].cpu),
        registrations,
        floor: withFloor
            ? {
                wall: median(floor.map(r => r.wall)),
                ratios: floor.map((r, i) => r.wall / one[i].wall),
                cpuRatios: floor.map((r, i) => r.cpu / one[i].cpu),
                stackRatios: full.map((r, i) => r.wall / floor[i].wall),
            }
            : undefined,
        ...counted,
    };
}

/**
 * The median of the ratios within each round, and their range. The programs
 * of a round run one after another, so load from elsewhere on the machine,
 * which comes and goes over seconds, falls on all of them; a ratio of two
 * medians would compare runs made at different moments.
 */
function ratioText(ratios: number[]): string {
    return `${median(ratios).toFixed(2)} (median of ${ratios.length} rounds; ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)})`;
}

function startUpRows(label: string, start: StartUp, target = ""): Array<[string, string]> {
    return [
        [`${label}: one-resource program`, `${start.one.toFixed(0)} ms`],
        [`${label}: home stack`, `${start.stack.toFixed(0)} ms (one-resource + ${(start.stack - start.one).toFixed(0)} ms)`],
        [`${label}: start-up ratio, home / one-resource`, `${ratioText(start.ratios)}${target}`],
        [`${label}: the same ratio in CPU time`, `${ratioText(start.cpuRatios)} (medians ${start.stackCpu.toFixed(0)} / ${start.oneCpu.toFixed(0)} ms)`],
        ...(start.oneInstructions === undefined || start.stackInstructions === undefined ? [] : [[
            `${label}: the same ratio in instructions`,
            `${(start.stackInstructions / start.oneInstructions).toFixed(2)} (${(start.stackInstructions / 1e9).toFixed(2)} / ${(start.oneInstructions / 1e9).toFixed(2)} G)`,
        ] as [string, string]]),
        ...(start.floor === undefined ? [] : [
            [`${label}: resource floor, ${start.registrations - 1} bare Namespaces`, `${start.floor.wall.toFixed(0)} ms: as many resources as the home stack registers (${start.registrations}, the root Stack included)`],
            [`${label}: resource floor / one-resource`, ratioText(start.floor.ratios)],
            [`${label}: resource floor / one-resource in CPU time`, ratioText(start.floor.cpuRatios)],
            [`${label}: home stack / resource floor`, ratioText(start.floor.stackRatios)],
        ] as Array<[string, string]>),
        ...(start.oneInstructions === undefined || start.floorInstructions === undefined ? [] : [[
            `${label}: resource floor / one-resource in instructions`,
            `${(start.floorInstructions / start.oneInstructions).toFixed(2)} (${(start.floorInstructions / 1e9).toFixed(2)} / ${(start.oneInstructions / 1e9).toFixed(2)} G)`,
        ] as [string, string]]),
    ];
}

/** N resources shaped like a large cluster's: LoadBalancer Services, ConfigMaps, Applications and their policies. */
export function syntheticResources(count: number): PolicyInput[] {
    const resources: PolicyInput[] = [];
    for (let i = 0; resources.length < count; i++) {
        const ns = `app-${i}`;
        resources.push({
            type: TYPES.service, name: `svc-${i}`, urn: `urn:svc:${i}`,
            // Most pick from the pool; one in fifty pins, within 192.168.1.231-239 there is room for 9.
            props: { metadata: { name: `svc-${i}`, namespace: ns, annotations: i % 50 === 0 && i < 450 ? { [LOADBALANCER_IPS_ANNOTATION]: `192.168.1.${231 + i / 50}` } : {} }, spec: { type: i % 5 === 0 ? "LoadBalancer" : "ClusterIP" } },
        });
        resources.push({ type: TYPES.configMap, name: `cm-${i}`, urn: `urn:cm:${i}`, props: { metadata: { name: `cm-${i}`, namespace: ns }, data: { a: "b" } } });
        resources.push({ type: TYPES.application, name: `app-${i}`, urn: `urn:app:${i}`, props: { metadata: { name: ns }, spec: { destination: { namespace: ns } } } });
        resources.push({ type: TYPES.ciliumNetworkPolicy, name: `cnp-${i}`, urn: `urn:cnp:${i}`, props: { metadata: { name: "default-deny", namespace: ns }, spec: { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] } } });
    }
    return resources.slice(0, count);
}

async function timePolicies(count: number, runs: number): Promise<{ ms: number; violations: number }> {
    const resources = syntheticResources(count);
    const samples: number[] = [];
    let violations = 0;
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        violations = (await runPolicies(resources, policyPackConfigOf(ROOT, "home"))).length;
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return { ms: median(samples), violations };
}

/** The live audit over a generated cluster that keeps the home plan: objects listed, kubectl calls made, median time. */
function timeAudit(objects: number, runs: number): { ms: number; objects: number; calls: number; code: number } {
    const lists = plannedCluster(auditPlanOf("home", stackSettingsOf(ROOT, "home")), objects);
    const answer = clusterKubectl(lists);
    const total = Object.values(lists).reduce((sum, value) => sum + (Array.isArray(value) ? value.length : value === undefined ? 0 : 1), 0);
    const samples: number[] = [];
    let calls = 0;
    let code = 0;
    for (let i = 0; i < runs; i++) {
        calls = 0;
        const start = process.hrtime.bigint();
        code = auditStack("home", { run: (args: string[]) => { calls++; return answer(args); }, out: () => undefined, err: () => undefined });
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return { ms: median(samples), objects: total, calls, code };
}

/** The offline plan of a generated stack, in a fresh process per run (with the node flags of the plan command, scripts/homelab-network.js). */
function timeSyntheticPlan(count: number, runs: number, stackFolder?: string): { ms: number; workloads: number; connections: number; resources: number } {
    const samples: Array<{ ms: number; workloads: number; connections: number; resources: number }> = [];
    for (let i = 0; i < runs; i++) {
        const out = execFileSync(process.execPath, ["--max-semi-space-size=64", "-r", "ts-node/register/transpile-only", "tools/planSynthetic.ts", String(count), ...(stackFolder === undefined ? [] : [stackFolder])], { cwd: ROOT, encoding: "utf8" });
        samples.push(JSON.parse(out.trim().split("\n").pop()!));
    }
    const ms = median(samples.map(s => s.ms));
    return { ...samples[0], ms };
}

/**
 * `policy-diff` of a generated stack against its own policies
 * (tools/diffSynthetic.ts): the folder and the stack written once, then the
 * command's run timed in a fresh process per run, each right after a plan of
 * the same stack file, so that load on the machine falls on both of a round.
 */
function timeSyntheticDiff(count: number, runs: number): { ms: number; ratios: number[]; compared: number; lost: number; gained: number; exitCode: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-policy-diff-"));
    try {
        execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/diffSynthetic.ts", "prepare", String(count), dir], { cwd: ROOT, encoding: "utf8" });
        const samples: Array<{ ms: number; compared: number; lost: number; gained: number; exitCode: number }> = [];
        const ratios: number[] = [];
        for (let i = 0; i < runs; i++) {
            // The plan of the same stack file the diff reads.
            const planned = timeSyntheticPlan(count, 1, path.join(dir, "stack"));
            const out = execFileSync(process.execPath, ["--max-semi-space-size=64", "-r", "ts-node/register/transpile-only", "tools/diffSynthetic.ts", "run", dir], { cwd: ROOT, encoding: "utf8" });
            samples.push(JSON.parse(out.trim().split("\n").pop()!));
            ratios.push(samples[i].ms / planned.ms);
        }
        return { ...samples[0], ms: median(samples.map(s => s.ms)), ratios };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const runs = Number(process.env.BENCH_RUNS ?? "5");
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; median of ${runs} runs\n`);
    const floor = timeProcess(["-e", "require('@pulumi/pulumi'); require('@pulumi/kubernetes')"], runs);
    fs.mkdirSync(BENCH_DIR, { recursive: true });
    const configured = projectTsconfig();
    const start = timeStartUp("home", configured, runs, true);
    const typescriptTranspiler = timeStartUp("home", typescriptTranspilerTsconfig(), runs, false);
    // As a user runs it: the command, which starts Node again with the plan's flags.
    const planMs = timeProcess(["scripts/homelab-network.js", "plan", "--stack", "home", "--diagram", "out/bench-topology.md"], runs);
    const rows: Array<[string, string]> = [
        ["floor: load @pulumi/pulumi + @pulumi/kubernetes", `${floor.toFixed(0)} ms`],
        ...startUpRows(`preview start (${configured})`, start, " (target: at most 1.20)"),
        ...startUpRows("the same with ts-node's TypeScript transpiler", typescriptTranspiler),
        ["offline plan end to end (home)", `${planMs.toFixed(0)} ms`],
    ];
    // Generated stacks: the plan's own time in a fresh process per run, so
    // the 50- and 200-Application figures are measured alike, side by side.
    const generated = [50, 200].map(count => ({ count, ...timeSyntheticPlan(count, runs) }));
    for (const g of generated) {
        rows.push([`offline plan, ${g.count} Applications (${g.workloads} workloads, ${g.connections} connections, ${g.resources} resources)`, `${g.ms.toFixed(0)} ms (${(g.ms / g.count).toFixed(1)} ms per Application)`]);
    }
    const diff = timeSyntheticDiff(200, runs);
    rows.push([`policy-diff, 200 Applications against their own policies (${diff.compared} workloads compared)`, `${diff.ms.toFixed(0)} ms; ${ratioText(diff.ratios)} times the plan run just before it (target: at most 1.00); lost ${diff.lost}, gained ${diff.gained}, exit ${diff.exitCode}`]);
    rows.push(["growth, 200 against 50 Applications", `${(generated[1].ms / generated[0].ms).toFixed(2)} times the time for 4 times the Applications`]);
    for (const count of [1000, 10000]) {
        const result = await timePolicies(count, runs);
        rows.push([`policy pack over ${count} resources`, `${result.ms.toFixed(1)} ms (${result.violations} violations)`]);
    }
    const audited = timeAudit(2000, runs);
    rows.push([`live audit over ${audited.objects} cluster objects (${audited.calls} kubectl calls, exit ${audited.code})`, `${audited.ms.toFixed(1)} ms`]);
    const width = Math.max(...rows.map(r => r[0].length));
    for (const [what, value] of rows) {
        console.log(`${what.padEnd(width)}  ${value}`);
    }
}

if (require.main === module) {
    main().catch(error => {
        console.error(error);
        process.exit(1);
    });
}

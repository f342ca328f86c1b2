// `npm run bench`: how long the program and the pack take, against a floor.
//
//   floor          a fresh Node.js process that only loads @pulumi/pulumi and
//                  @pulumi/kubernetes: what any run of this program pays first
//   program        a fresh process that runs index.ts under mocks (home stack)
//   offline plan   `npm run plan -- --stack home` end to end, ts-node included
//   policy pack    the pack's policies in-process over N synthetic resources
//
// Each figure is the median of several runs; the machine, Node.js version and
// run count are printed with them. Timing lives here, never in the tests.

import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { LOADBALANCER_IPS_ANNOTATION, TYPES } from "../policy/definitions";
import { policyPackConfigOf } from "./policyConfig";
import { PolicyInput, runPolicies } from "./policyRunner";

const ROOT = path.resolve(__dirname, "..");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function timeProcess(args: string[], runs: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        execFileSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(samples);
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

async function main(): Promise<void> {
    const runs = Number(process.env.BENCH_RUNS ?? "5");
    const tsNode = require.resolve("ts-node/dist/bin.js");
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; median of ${runs} runs\n`);
    const floor = timeProcess(["-e", "require('@pulumi/pulumi'); require('@pulumi/kubernetes')"], runs);
    const program = timeProcess([tsNode, "--transpile-only", "-e", "require('./scripts/offlineRun').runProgram('home').then(() => process.exit(0))"], runs);
    const planMs = timeProcess([tsNode, "--transpile-only", "scripts/plan.ts", "--stack", "home", "--diagram", "out/bench-topology.md"], runs);
    const rows: Array<[string, string]> = [
        ["floor: load @pulumi/pulumi + @pulumi/kubernetes", `${floor.toFixed(0)} ms`],
        ["program under mocks, fresh process (home)", `${program.toFixed(0)} ms (floor + ${(program - floor).toFixed(0)} ms)`],
        ["offline plan end to end (home)", `${planMs.toFixed(0)} ms`],
    ];
    for (const count of [1000, 10000]) {
        const result = await timePolicies(count, runs);
        rows.push([`policy pack over ${count} resources`, `${result.ms.toFixed(1)} ms (${result.violations} violations)`]);
    }
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

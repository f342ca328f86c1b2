// The policy pack as the Pulumi CLI runs it: its own process, started through
// @pulumi/pulumi's run-policy-pack with the pack folder as working directory
// (ts-node with type checking, as the CLI registers it), printing its port on
// stdout; the test then speaks the Analyzer gRPC protocol to 127.0.0.1:<port>:
// GetAnalyzerInfo, Configure, Analyze per resource, AnalyzeStack once.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { startEarly } from "./early";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "./harness";

const grpc = require("@grpc/grpc-js");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb.js");
const structProto = require("google-protobuf/google/protobuf/struct_pb.js");
const emptyProto = require("google-protobuf/google/protobuf/empty_pb.js");

export interface PackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
    /** The parent's URN, as the engine sends it with AnalyzeStack. */
    readonly parent?: string;
}

export interface PackDiagnostic {
    readonly policy: string;
    readonly enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
    readonly urn?: string;
    readonly message: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

let shared: Promise<PackProcess> | undefined;

/** A running pack and a client of its Analyzer service. */
export class PackProcess {
    /** The config the pack holds, as JSON: configure sends only a change. */
    private configured: string | undefined;
    /** Analyze verdicts by config, then by resource, for analyzeAll's reuse. */
    private readonly verdicts = new Map<string, Map<string, PackDiagnostic[]>>();

    private constructor(private readonly child: ChildProcess, private readonly client: any) {}

    /**
     * The one served pack of the home stack that test files share: each start
     * type-checks the whole pack, seconds of CPU. A caller configures it
     * before it analyzes; test/rootHooks.ts stops it when mocha is done.
     */
    static shared(): Promise<PackProcess> {
        shared ??= PackProcess.start();
        return shared;
    }

    /**
     * Starts the shared pack as an early run (test/early.ts), called as a
     * test file that needs it loads: its start is seconds of a process of its
     * own, done by the time that file runs. A failed start is the error of
     * the tests that ask for it.
     */
    static startSharedEarly(): void {
        void startEarly(() => PackProcess.shared());
    }

    static async stopShared(): Promise<void> {
        const running = shared;
        shared = undefined;
        (await running?.catch(() => undefined))?.stop();
    }

    /** Starts policy/ as `pulumi preview --policy-pack policy` would. */
    static async start(stack = "home"): Promise<PackProcess> {
        const packDir = path.join(REPO_ROOT, "policy");
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [REPO_ROOT] });
        const child = spawn(process.execPath, [runner, "127.0.0.1:0", packDir], {
            cwd: packDir,
            stdio: ["ignore", "pipe", "pipe"],
            env: {
                ...process.env,
                PULUMI_CONFIG: "{}",
                PULUMI_NODEJS_PROJECT: "homelab-network",
                PULUMI_NODEJS_STACK: stack,
                PULUMI_NODEJS_DRY_RUN: "true",
            },
        });
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            let stderr = "";
            child.stderr!.on("data", chunk => (stderr += chunk));
            child.stdout!.on("data", chunk => {
                stdout += chunk;
                const match = /^(\d+)\s/.exec(stdout);
                if (match !== null) {
                    resolve(Number(match[1]));
                }
            });
            child.on("exit", code => reject(new Error(`the pack exited with ${code} before printing its port: ${stderr}`)));
        });
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PackProcess(child, client);
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))));
    }

    async info(): Promise<{ name: string; policies: Array<{ name: string; properties: Record<string, unknown>; required: string[] }> }> {
        const response: any = await this.call("getAnalyzerInfo", new emptyProto.Empty());
        return {
            name: response.getName(),
            policies: response.getPoliciesList().map((p: any) => ({
                name: p.getName(),
                properties: p.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
                required: p.getConfigschema()?.getRequiredList() ?? [],
            })),
        };
    }

    /** Configure as the CLI does: per policy, its enforcement level and properties. */
    async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
        const key = JSON.stringify(config);
        if (key === this.configured) {
            return;
        }
        this.configured = undefined;
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        for (const [policy, entry] of Object.entries(config)) {
            const { enforcementLevel, ...props } = entry;
            const policyConfig = new analyzerProto.PolicyConfig();
            policyConfig.setEnforcementlevel(LEVELS.indexOf((enforcementLevel as typeof LEVELS[number] | undefined) ?? "mandatory"));
            policyConfig.setProperties(structProto.Struct.fromJavaScript(props));
            request.getPolicyconfigMap().set(policy, policyConfig);
        }
        await this.call("configure", request);
        this.configured = key;
    }

    private static diagnostics(response: any): PackDiagnostic[] {
        return response.getDiagnosticsList().map((d: any) => ({
            policy: d.getPolicyname(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            urn: d.getUrn() === "" ? undefined : d.getUrn(),
            // The policy SDK puts the description before the message.
            message: d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage(),
        }));
    }

    /**
     * Analyze for each resource, then AnalyzeStack over all of them. The
     * Analyze calls are in flight together, as the engine sends them while
     * a preview's steps run in parallel. With `reuse`, a resource already
     * analyzed under the same config is not sent again: resource policies
     * are pure, and the catalogues send the same stack's resources case
     * after case, so only what a case adds or edits crosses the wire (and
     * AnalyzeStack, always).
     */
    async analyzeAll(resources: readonly PackResource[], options: { reuse?: boolean } = {}): Promise<PackDiagnostic[]> {
        const configured = this.configured;
        let kept: Map<string, PackDiagnostic[]> | undefined;
        if (options.reuse === true && configured !== undefined) {
            kept = this.verdicts.get(configured) ?? new Map();
            this.verdicts.set(configured, kept);
        }
        const perResource = await Promise.all(resources.map(async resource => {
            if (kept === undefined) {
                return this.analyze(resource);
            }
            const key = JSON.stringify(resource);
            const verdict = kept.get(key) ?? await this.analyze(resource);
            kept.set(key, verdict);
            return verdict;
        }));
        return [...perResource.flat(), ...await this.analyzeStack(resources)];
    }

    /**
     * The resources with their props in wire form, as analyze and
     * analyzeStack send them: taken now, so that a request queued for later
     * sends what the resources held now, whatever the SDK's runtime (which
     * serializes them) is set to by then.
     */
    static async wire(resources: readonly PackResource[]): Promise<PackResource[]> {
        return Promise.all(resources.map(async resource => {
            const props = await wireOf(resource.props);
            inWireForm.add(props);
            return { ...resource, props };
        }));
    }

    /** Analyze: the resource policies over one resource's inputs. */
    async analyze(resource: PackResource): Promise<PackDiagnostic[]> {
        const request = new analyzerProto.AnalyzeRequest();
        request.setType(resource.type);
        request.setName(resource.name);
        request.setUrn(resource.urn);
        request.setProperties(structOf(await wireOf(resource.props)));
        request.setOptions(new analyzerProto.AnalyzerResourceOptions());
        return PackProcess.diagnostics(await this.call("analyze", request));
    }

    /** AnalyzeStack: the stack policies over every resource. */
    async analyzeStack(resources: readonly PackResource[]): Promise<PackDiagnostic[]> {
        const stackRequest = new analyzerProto.AnalyzeStackRequest();
        const wired = await Promise.all(resources.map(resource => wireOf(resource.props)));
        stackRequest.setResourcesList(resources.map((resource, index) => {
            const r = new analyzerProto.AnalyzerResource();
            r.setType(resource.type);
            r.setName(resource.name);
            r.setUrn(resource.urn);
            r.setProperties(structOf(wired[index]));
            r.setOptions(new analyzerProto.AnalyzerResourceOptions());
            if (resource.parent !== undefined) {
                r.setParent(resource.parent);
            }
            return r;
        }));
        return PackProcess.diagnostics(await this.call("analyzeStack", stackRequest));
    }
}

const structs = new Map<string, unknown>();

/**
 * Wire props as a Struct message, kept by their JSON text: the catalogues
 * send the same stack's resources case after case, and building the message
 * is most of a request.
 */
function structOf(wired: Record<string, unknown>): unknown {
    const json = JSON.stringify(wired);
    let struct = structs.get(json);
    if (struct === undefined) {
        struct = structProto.Struct.fromJavaScript(wired);
        structs.set(json, struct);
    }
    return struct;
}

/** Props PackProcess.wire gave, already in wire form. */
const inWireForm = new WeakSet<Record<string, unknown>>();

/** Props as they cross the wire: JSON values only (no undefined), assets in Pulumi's wire form (a signature key, path or text), as the engine sends them. */
async function wireOf(props: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (inWireForm.has(props)) {
        return props;
    }
    return JSON.parse(JSON.stringify(await pulumi.runtime.serializeProperties("analyze", props)));
}

/** A case queued for the served pack, with the verdict it must give. */
interface QueuedCase {
    readonly what: string;
    readonly expected: readonly string[];
    readonly verdict: Promise<PackDiagnostic[]>;
}

/**
 * The served pack's verdicts on a catalogue's sample, asked for while the
 * tests go on: each sampled case queues its resources, its config and the
 * in-process runner's verdict as its test runs, and a test at the end
 * compares them all. The pack holds one config at a time, so the queued
 * cases go one after another; its process works through them on the other
 * core while this one runs the next cases in-process.
 */
export class ServedQueue {
    private tail: Promise<unknown> = Promise.resolve();
    private readonly queued: QueuedCase[] = [];

    constructor(private readonly line: (d: PackDiagnostic) => string) {}

    /** Queues a case; `expected` is the in-process verdict, as `line` writes each violation. */
    async queue(what: string, resources: readonly PackResource[], config: Record<string, Record<string, unknown>>, expected: readonly string[]): Promise<void> {
        const wired = await PackProcess.wire(resources);
        const frozen = structuredClone(config);
        const verdict = this.tail.then(async () => {
            const pack = await PackProcess.shared();
            await pack.configure(frozen);
            return pack.analyzeAll(wired, { reuse: true });
        });
        this.tail = verdict.catch(() => undefined);
        this.queued.push({ what, expected: [...expected].sort(), verdict });
    }

    get size(): number {
        return this.queued.length;
    }

    /** Every queued case whose served verdict is not the in-process one, with both (or the served error). */
    async disagreements(): Promise<string[]> {
        const found: string[] = [];
        for (const c of this.queued) {
            try {
                const served = (await c.verdict).map(this.line).sort();
                if (JSON.stringify(served) !== JSON.stringify(c.expected)) {
                    found.push(`${c.what}:\n  served:     ${served.join("\n              ") || "(nothing)"}\n  in-process: ${c.expected.join("\n              ") || "(nothing)"}`);
                }
            } catch (error) {
                found.push(`${c.what}: the served pack failed: ${(error as Error).message}`);
            }
        }
        return found;
    }
}

// Runs the real program (index.ts) under Pulumi's mocks with a stack's config,
// and records every resource it registers: type, name, inputs, parent and
// dependencies. The offline plan reports on it and runs the policy pack over
// it; the tests assert on it. No Pulumi CLI, no cluster.

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { TYPES } from "../policy/definitions";
import { SecretValue, StackConfigValues, configText, loadStackConfig } from "./stackFiles";

export const REPO_ROOT = path.resolve(__dirname, "..");

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
    readonly parent: string;
    /** URNs this resource waits for: dependsOn plus the resources its inputs came from. */
    readonly dependencies: readonly string[];
    readonly protect: boolean;
    /** Top-level inputs that travel as secrets. */
    readonly secretPaths: readonly string[];
    /** Former names and parents this resource adopts (`aliases`), as `name@parentUrn`. */
    readonly aliases: readonly string[];
}

export interface ProgramRun {
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    readonly warnings: string[];
}

// The Kubernetes provider fills in metadata.name when a name is left to
// auto-naming; the mock does the same so that tests see the difference.
function mockState(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
    const state = { ...args.inputs };
    if (args.type.startsWith("kubernetes:") && state.metadata !== undefined && state.metadata.name === undefined) {
        state.metadata = { ...state.metadata, name: `${args.name}-auto1234` };
    }
    if (args.type === TYPES.release) {
        state.status = { name: state.name ?? args.name, namespace: state.namespace ?? "default", status: "deployed" };
    }
    return state;
}

/**
 * Runs index.ts for a stack. `stack` names a Pulumi.<stack>.yaml; `overrides`
 * replaces keys (without the project prefix) to test one change at a time:
 * `undefined` unsets a key, `secretValue(...)` sets it as a secret. `root`
 * is where Pulumi.<stack>.yaml is read (the program is always this one).
 */
export async function runProgram(stack: string, overrides: StackConfigValues = {}, root: string = REPO_ROOT): Promise<ProgramRun> {
    const { project, values } = loadStackConfig(root, stack);
    const merged = { ...values, ...overrides };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(merged)) {
        if (value !== undefined) {
            config[`${project}:${key}`] = configText(value);
            if (value instanceof SecretValue) {
                secretKeys.push(`${project}:${key}`);
            }
        }
    }
    // The SDK marks these as secrets, as the CLI does with PULUMI_CONFIG_SECRET_KEYS.
    pulumi.runtime.setAllConfig(config, secretKeys);

    const byUrn = new Map<string, RecordedResource>();
    const duplicateUrns: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: args => {
                return { id: `${args.name}-id`, state: mockState(args) };
            },
            call: args => args.inputs,
        },
        project,
        stack,
        false,
    );
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        register(req, (err: unknown, resp: any) => {
            if (!err) {
                const urn = resp.getUrn();
                const properties = pulumi.runtime.deserializeProperties(req.getObject());
                if (byUrn.has(urn)) {
                    // The engine refuses a program that registers one URN twice.
                    duplicateUrns.push(urn);
                }
                byUrn.set(urn, {
                    type: req.getType(),
                    name: req.getName(),
                    urn,
                    custom: req.getCustom(),
                    inputs: unwrapSecrets(properties),
                    secretPaths: secretPaths(properties),
                    parent: req.getParent(),
                    dependencies: req.getDependenciesList(),
                    protect: req.getProtect() === true,
                    aliases: req.getAliasesList().map((a: any) => {
                        const spec = a.getSpec();
                        return spec === undefined ? a.getUrn() : `${spec.getName()}@${spec.getParenturn()}`;
                    }),
                });
            }
            callback(err, resp);
        });
    };

    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    (pulumi.log as any).warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    try {
        return await withoutStackTraces(async () => {
            const programPath = require.resolve(path.join(REPO_ROOT, "index.ts"));
            delete require.cache[programPath];
            const exported = require(programPath) as Record<string, unknown>;
            const outputs: Record<string, unknown> = {};
            for (const [name, value] of Object.entries(exported)) {
                outputs[name] = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
            }
            await waitForRPCs();
            if (duplicateUrns.length > 0) {
                throw new Error(`Duplicate resource URN ${duplicateUrns.join(", ")}: pulumi preview would refuse this program`);
            }
            return { resources: [...byUrn.values()], outputs, warnings };
        });
    } finally {
        (pulumi.log as any).warn = warn;
    }
}

/** Resolves once every resource registration under the mocks has been answered. */
export function waitForRPCs(): Promise<void> {
    return (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }).waitForRPCs();
}

/**
 * Runs `body` (resources declared under Pulumi's mocks) without stack traces.
 * The SDK records a stack trace for every promise it tracks (for its leak
 * report) and a whole one for every resource (for source positions the
 * engine shows); formatted through ts-node's source maps, that is most of an
 * offline run's time on a large stack. Under mocks neither is shown: promise
 * traces are left out and resource traces use V8's own formatting. The
 * program's own errors keep their message, which is what the offline plan
 * reports.
 */
export async function withoutStackTraces<T>(body: () => Promise<T>): Promise<T> {
    const errors = Error as { prepareStackTrace?: unknown };
    // Runs may overlap (a test awaiting two at once): the first to start keeps the settings, the last to end puts them back.
    if (runsWithoutTraces++ === 0) {
        savedTraceSettings = { stackTraceLimit: Error.stackTraceLimit, prepareStackTrace: errors.prepareStackTrace };
        Error.stackTraceLimit = 0;
        errors.prepareStackTrace = undefined;
    }
    try {
        return await body();
    } finally {
        if (--runsWithoutTraces === 0) {
            Error.stackTraceLimit = savedTraceSettings.stackTraceLimit;
            errors.prepareStackTrace = savedTraceSettings.prepareStackTrace;
        }
    }
}

let runsWithoutTraces = 0;
let savedTraceSettings: { stackTraceLimit: number; prepareStackTrace: unknown } = { stackTraceLimit: Error.stackTraceLimit, prepareStackTrace: undefined };

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise(resolve => output.apply(value => {
        resolve(value);
        return value;
    }));
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** Replaces the wire form of secrets with their values, for assertions. */
function unwrapSecrets(value: any): any {
    if (isSecretWrapper(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

function secretPaths(inputs: Record<string, unknown>): string[] {
    return Object.entries(inputs).filter(([, v]) => isSecretWrapper(v)).map(([k]) => k);
}

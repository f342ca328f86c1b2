import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    PROMISE_TRACE_NOT_RECORDED, StackFormatter, WRAPPED_FORMATTER, installStackTraceRules, isProjectFrame, withStackTraceRules,
} from "../../components/stackTraces";

const ROOT = path.resolve(__dirname, "..", "..");
const SDK = path.join(ROOT, "node_modules", "@pulumi", "pulumi");

// A frame as V8 hands it to Error.prepareStackTrace, reduced to what the rules read.
function frame(file: string | undefined, fn = "f", line = 1): NodeJS.CallSite {
    return {
        getFileName: () => file,
        getFunctionName: () => fn,
        toString: () => `${fn} (${file ?? "<anonymous>"}:${line}:1)`,
    } as unknown as NodeJS.CallSite;
}

// A stand-in for the source-map formatter: it marks the frames it was given.
function recordingFormatter(calls: NodeJS.CallSite[][]): StackFormatter {
    return (error, frames) => {
        calls.push(frames);
        return `${error.name}: ${error.message}` + frames.map(f => `\n    at mapped ${String(f)}`).join("");
    };
}

type Formatter = StackFormatter & { [WRAPPED_FORMATTER]?: StackFormatter };

/** ts-node's own formatter in this process, whether or not the program (index.ts) already put the rules in front of it. */
function sourceMapFormatter(): StackFormatter {
    const current = (Error as { prepareStackTrace?: Formatter }).prepareStackTrace;
    assert.ok(current, "mocha runs under ts-node, which installs a source-map formatter");
    return current[WRAPPED_FORMATTER] ?? current;
}

/** Runs `body` with `formatter` as Error.prepareStackTrace. */
function formattingWith<T>(formatter: StackFormatter | undefined, body: () => T): T {
    const errors = Error as { prepareStackTrace?: StackFormatter };
    const saved = errors.prepareStackTrace;
    errors.prepareStackTrace = formatter;
    try {
        return body();
    } finally {
        errors.prepareStackTrace = saved;
    }
}

// A module compiled as `pulumi preview` compiles the program (swc, whose source
// maps name functions, unlike TypeScript's), written under the project root.
const SWC_FIXTURE_SOURCE = `// Written by test/components/stackTraces.test.ts.
interface Unused { readonly a: number }
type Capture = () => unknown;

export function viaMap(capture: Capture): unknown[] {
    return [0].map(() => capture());
}

export function viaEval(capture: Capture): unknown {
    return eval("capture()");
}
`;

function swcFixture(): { file: string; viaMap(capture: () => unknown): unknown[]; viaEval(capture: () => unknown): unknown } {
    const file = path.join(ROOT, "out", "test", "stackTracesFixture.js");
    const swc = require("@swc/core") as typeof import("@swc/core");
    const { code } = swc.transformSync(SWC_FIXTURE_SOURCE, {
        filename: file.replace(/\.js$/, ".ts"), sourceMaps: "inline", swcrc: false,
        jsc: { parser: { syntax: "typescript" }, target: "es2020" }, module: { type: "commonjs" },
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, code);
    delete require.cache[file];
    return { file, ...require(file) };
}

interface Position { file?: string; line?: number; column?: number }
// The SDK's own way of finding the line that declared a resource (Resource.callsites, private).
const sdkCallsites = (): Position[] => (Reflect.get(pulumi.Resource, "callsites") as () => Position[]).call(pulumi.Resource);

describe("stack traces under pulumi (components/stackTraces.ts)", () => {
    it("sends each run of the project's own frames (with built-ins among them) to the source-map formatter and prints every other frame as V8 does", () => {
        const calls: NodeJS.CallSite[][] = [];
        const frames = [
            frame(path.join(SDK, "resource.js"), "Resource", 10),
            frame(path.join(ROOT, "components", "component.ts"), "NetworkComponent", 20),
            frame(undefined, "Array.map", 25),
            frame(path.join(ROOT, "index.ts"), "main", 30),
            frame("node:internal/modules/cjs/loader", "Module._compile", 40),
            frame(path.join(ROOT, "config", "load.ts"), "loadStackSettings", 50),
            frame(undefined, "eval", 60),
            frame(path.join(SDK, "cmd", "run", "run.js"), "runProgram", 70),
            frame(undefined, "new Promise", 80),
        ];
        const text = String(withStackTraceRules(recordingFormatter(calls), { root: ROOT, recordPromiseTraces: false })(new Error("boom"), frames));
        assert.deepStrictEqual(text.split("\n"), [
            "Error: boom",
            `    at Resource (${path.join(SDK, "resource.js")}:10:1)`,
            `    at mapped NetworkComponent (${path.join(ROOT, "components", "component.ts")}:20:1)`,
            "    at mapped Array.map (<anonymous>:25:1)",
            `    at mapped main (${path.join(ROOT, "index.ts")}:30:1)`,
            "    at Module._compile (node:internal/modules/cjs/loader:40:1)",
            `    at mapped loadStackSettings (${path.join(ROOT, "config", "load.ts")}:50:1)`,
            "    at mapped eval (<anonymous>:60:1)",
            `    at runProgram (${path.join(SDK, "cmd", "run", "run.js")}:70:1)`,
            "    at mapped new Promise (<anonymous>:80:1)",
        ]);
        // The error's header once, the blank stand-in's, then each run whole and in order.
        assert.deepStrictEqual(calls.map(c => c.map(f => f.getFunctionName())),
            [[], [], ["NetworkComponent", "Array.map", "main"], ["loadStackSettings", "eval"], ["new Promise"]]);
    });

    it("reads the error's name and message once, however often they change", () => {
        let reads = 0;
        let nameReads = 0;
        const error = Object.defineProperties(new Error(), {
            message: { get: () => "x".repeat(++reads) },
            name: { get: () => `E${"r".repeat(++nameReads)}` },
        });
        const frames = [frame(path.join(ROOT, "index.ts"), "a"), frame(path.join(SDK, "resource.js"), "b"), frame(path.join(ROOT, "index.ts"), "c")];
        const text = String(withStackTraceRules(recordingFormatter([]), { root: ROOT, recordPromiseTraces: false })(error, frames));
        assert.deepStrictEqual(text.split("\n"), [
            "Er: x",
            `    at mapped a (${path.join(ROOT, "index.ts")}:1:1)`,
            `    at b (${path.join(SDK, "resource.js")}:1:1)`,
            `    at mapped c (${path.join(ROOT, "index.ts")}:1:1)`,
        ]);
        assert.deepStrictEqual({ reads, nameReads }, { reads: 1, nameReads: 1 });
    });

    it("counts only files under the project root and outside node_modules as the project's own", () => {
        assert.strictEqual(isProjectFrame(frame(path.join(ROOT, "index.ts")), ROOT), true);
        assert.strictEqual(isProjectFrame(frame(path.join(ROOT, "node_modules", "netmask", "lib", "netmask.js")), ROOT), false);
        assert.strictEqual(isProjectFrame(frame(`${ROOT}-other${path.sep}index.ts`), ROOT), false, "a sibling folder whose name starts with the root's");
        assert.strictEqual(isProjectFrame(frame("node:internal/process/task_queues"), ROOT), false);
        assert.strictEqual(isProjectFrame(frame(undefined), ROOT), false);
    });

    it("does not format the SDK's promise traces unless PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
        const frames = [frame(path.join(SDK, "runtime", "debuggable.js"), "debuggablePromise"), frame(path.join(ROOT, "index.ts"), "main")];
        const calls: NodeJS.CallSite[][] = [];
        const skipped = withStackTraceRules(recordingFormatter(calls), { root: ROOT, recordPromiseTraces: false })(new Error(), frames);
        assert.strictEqual(skipped, PROMISE_TRACE_NOT_RECORDED);
        assert.deepStrictEqual(calls, [], "the source-map formatter is not called at all");
        const recorded = String(withStackTraceRules(recordingFormatter(calls), { root: ROOT, recordPromiseTraces: true })(new Error(), frames));
        assert.deepStrictEqual(recorded.split("\n").slice(1), [
            `    at debuggablePromise (${path.join(SDK, "runtime", "debuggable.js")}:1:1)`,
            `    at mapped main (${path.join(ROOT, "index.ts")}:1:1)`,
        ]);
        // A function of that name elsewhere is an ordinary frame.
        const elsewhere = withStackTraceRules(recordingFormatter([]), { root: ROOT, recordPromiseTraces: false })(new Error(), [frame(path.join(ROOT, "index.ts"), "debuggablePromise")]);
        assert.notStrictEqual(elsewhere, PROMISE_TRACE_NOT_RECORDED);
    });

    it("keeps the SDK's source positions of the project's lines, and gives the packages' frames as the JavaScript on disk", () => {
        const mapped = sourceMapFormatter();
        const ruled = withStackTraceRules(mapped, { root: ROOT, recordPromiseTraces: false });
        const unmapped = formattingWith(undefined, sdkCallsites);
        const before = formattingWith(mapped, sdkCallsites);
        const after = formattingWith(ruled, sdkCallsites);
        assert.strictEqual(after.length, before.length, "one position per frame, as before");
        const here = (positions: Position[]) => positions.find(p => p.file === __filename)?.line;
        assert.ok(here(before) !== undefined && here(before) === here(after), `this file's line: ${here(before)} before, ${here(after)} with the rules`);
        assert.notStrictEqual(here(unmapped), here(after), "the line is the TypeScript source's, not the transpiled one's (else this test proves nothing)");
        // The SDK's own frame: its source map points at a TypeScript file the package does not ship.
        assert.ok(before[0].file?.endsWith(path.join("@pulumi", "resource.ts")) && !fs.existsSync(before[0].file), `before: ${before[0].file}`);
        assert.strictEqual(after[0].file, path.join(SDK, "resource.js"));
        assert.ok(fs.existsSync(after[0].file));
    });

    it("names and places swc-compiled frames called through built-ins and eval as ts-node's formatter does", () => {
        const fixture = swcFixture();
        const mapped = sourceMapFormatter();
        const ruled = withStackTraceRules(mapped, { root: ROOT, recordPromiseTraces: false });
        const probe = () => new Error("probe").stack;
        // The lines of a trace that are the fixture's or in no file (the built-in map, the eval).
        const own = (text: unknown) => String(text).split("\n").slice(1).filter(l => l.includes("stackTracesFixture") || /\(<anonymous>\)|<anonymous>:\d/.test(l));
        for (const call of [() => fixture.viaMap(probe)[0], () => fixture.viaEval(probe)]) {
            const before = own(formattingWith(mapped, call));
            assert.ok(before.some(l => l.includes("stackTracesFixture.ts:")), `mapped to the TypeScript source: ${before.join("\n")}`);
            assert.notDeepStrictEqual(own(formattingWith(undefined, call)), before, "the transpiled lines differ, else this test proves nothing");
            assert.deepStrictEqual(own(formattingWith(ruled, call)), before);
        }
        // And the positions the SDK sends with a resource declared in such a callback.
        const positions = (formatter: StackFormatter) => formattingWith(formatter, () => fixture.viaMap(sdkCallsites)[0] as Position[])
            .filter(p => p.file?.includes("stackTracesFixture"));
        const expected = positions(mapped);
        assert.strictEqual(expected.length, 2, "the arrow passed to map and viaMap itself");
        assert.deepStrictEqual(positions(ruled), expected);
    });

    it("is what the pinned SDK's promises carry once installed: nothing formatted, unless asked", () => {
        // runtime/debuggable.js of the pinned @pulumi/pulumi: if it stops taking traces this way, this test says so.
        const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };
        // It marks the promise it is given (and returns another, which it removes from its leak report once settled).
        const trace = () => {
            const promise = Promise.resolve();
            void debuggablePromise(promise, "test");
            return (promise as unknown as { _debugStackTrace: unknown })._debugStackTrace;
        };
        const mapped = sourceMapFormatter();
        assert.strictEqual(formattingWith(withStackTraceRules(mapped, { root: ROOT, recordPromiseTraces: false }), trace), PROMISE_TRACE_NOT_RECORDED);
        const recorded = String(formattingWith(withStackTraceRules(mapped, { root: ROOT, recordPromiseTraces: true }), trace));
        assert.match(recorded, /at debuggablePromise \(.*runtime\/debuggable\.js:\d+:\d+\)/);
        assert.ok(recorded.includes(`(${__filename}:`), recorded);
    });

    it("installs once, in front of the formatter in place, and reads PULUMI_DEBUG_PROMISE_LEAKS as the SDK does", () => {
        const mapped = sourceMapFormatter();
        const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        const errors = Error as { prepareStackTrace?: Formatter };
        try {
            for (const [value, recorded] of [[undefined, false], ["1", true], ["0", true]] as const) {
                if (value === undefined) {
                    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
                } else {
                    process.env.PULUMI_DEBUG_PROMISE_LEAKS = value;
                }
                formattingWith(mapped, () => {
                    installStackTraceRules(ROOT);
                    const installed = errors.prepareStackTrace;
                    assert.ok(installed !== undefined && installed !== mapped && installed[WRAPPED_FORMATTER] === mapped);
                    installStackTraceRules(ROOT);
                    assert.strictEqual(errors.prepareStackTrace, installed, "a second install changes nothing");
                    const trace = installed(new Error(), [frame(path.join(SDK, "runtime", "debuggable.js"), "debuggablePromise")]);
                    assert.strictEqual(trace === PROMISE_TRACE_NOT_RECORDED, !recorded, `PULUMI_DEBUG_PROMISE_LEAKS=${value}`);
                });
            }
        } finally {
            if (saved === undefined) {
                delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            } else {
                process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
            }
        }
        formattingWith(undefined, () => {
            installStackTraceRules(ROOT);
            assert.strictEqual(errors.prepareStackTrace, undefined, "nothing to wrap: left alone");
        });
    });
});

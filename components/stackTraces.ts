// How stack traces are formatted while the program runs under `pulumi`.
//
// `pulumi preview` and `pulumi up` run index.ts through ts-node, which installs
// a source-map formatter (Error.prepareStackTrace) that copies every frame of
// every formatted stack trace and looks it up in a source map. The Pulumi SDK
// formats far more stack traces than anyone reads: one for every promise it
// tracks (kept for its promise-leak report, printed only when
// PULUMI_DEBUG_PROMISE_LEAKS is set) and an unlimited one for every resource
// (to find the line that declared it). With the home stack's Applications that
// is thousands of traces, and formatting them was the largest part of the
// program's own start-up (docs/benchmarks.md). Two rules keep what is read and
// drop the rest:
//
// - Only frames in the project's own files go through the source-map
//   formatter (with the built-in and eval frames among them, which need no
//   lookup): those are the files ts-node compiled, whose lines differ from
//   what runs. Every other frame in a file (the packages in node_modules,
//   Node.js itself) is printed as V8 prints it, at its line in the JavaScript
//   on disk. The packages' own source maps point at TypeScript sources they do
//   not ship.
// - The SDK's per-promise trace is not formatted unless
//   PULUMI_DEBUG_PROMISE_LEAKS is set, the only case in which it is printed.
import * as path from "path";

/** The signature of Error.prepareStackTrace. */
export type StackFormatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

export interface StackTraceRules {
    /** The project's root: frames in files under it, outside node_modules, are the project's own. */
    readonly root: string;
    /** Format the SDK's per-promise traces (PULUMI_DEBUG_PROMISE_LEAKS is set). */
    readonly recordPromiseTraces: boolean;
}

/** What the SDK keeps for a promise's trace when PULUMI_DEBUG_PROMISE_LEAKS is not set. */
export const PROMISE_TRACE_NOT_RECORDED = "(not recorded: run with PULUMI_DEBUG_PROMISE_LEAKS=1 to record the stack traces of the Pulumi SDK's promises)";

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
// What each run of frames is formatted for: an error with no name and no message.
const BLANK_ERROR = Object.freeze({ name: "", message: "" }) as Error;
// The frame in which @pulumi/pulumi takes a promise's trace (runtime/debuggable.js).
const PROMISE_TRACE_FUNCTION = "debuggablePromise";
const PROMISE_TRACE_FILE = path.join("@pulumi", "pulumi", "runtime", "debuggable.js");

export function isProjectFrame(frame: NodeJS.CallSite, root: string): boolean {
    const file = frame.getFileName();
    return typeof file === "string" && file.startsWith(root + path.sep) && !file.includes(NODE_MODULES);
}

/**
 * Frames the source-map formatter gets: the project's own, and frames in no
 * file at all (built-ins such as Array.prototype.map, code run by eval). The
 * latter cost it no lookup, and it needs them: it maps an eval's origin, and
 * it names a frame's function from the position of the nearest frame below it
 * that has one, across built-ins, so a callback of the project's called by
 * `map` is named as ts-node names it (and keeps the "name (file:line:column)"
 * form the SDK parses for a resource's source position).
 */
function goesThroughSourceMaps(frame: NodeJS.CallSite, root: string): boolean {
    return isProjectFrame(frame, root) || !frame.getFileName();
}

function isPromiseTrace(frames: NodeJS.CallSite[]): boolean {
    const top = frames[0];
    return top !== undefined && top.getFunctionName() === PROMISE_TRACE_FUNCTION && (top.getFileName() ?? "").endsWith(path.sep + PROMISE_TRACE_FILE);
}

/**
 * A formatter that sends runs of the project's own frames (and of frames in
 * no file among them) through `mapped`, the source-map formatter, and prints
 * every other frame as V8 does. The
 * result has one line per frame, in order; a run's lines are those `mapped`
 * gives for them within the whole trace, except where a package's own source
 * map names functions (ts-node's formatter would then name the frame just
 * above a package's frame after it).
 */
export function withStackTraceRules(mapped: StackFormatter, rules: StackTraceRules): StackFormatter {
    return (error, frames) => {
        if (!rules.recordPromiseTraces && isPromiseTrace(frames)) {
            return PROMISE_TRACE_NOT_RECORDED;
        }
        // The error's own first line once (its name and message may be getters);
        // each run is formatted for a blank stand-in and its first line cut off.
        let text = String(mapped(error, []));
        const blankHeader = String(mapped(BLANK_ERROR, [])).length;
        for (let i = 0; i < frames.length;) {
            if (!goesThroughSourceMaps(frames[i], rules.root)) {
                text += `\n    at ${String(frames[i])}`;
                i++;
                continue;
            }
            // A whole run at once: the source-map formatter names a frame's function from the frames below it.
            let end = i + 1;
            while (end < frames.length && goesThroughSourceMaps(frames[end], rules.root)) {
                end++;
            }
            text += String(mapped(BLANK_ERROR, frames.slice(i, end))).slice(blankHeader);
            i = end;
        }
        return text;
    };
}

/** On an installed formatter: the source-map formatter it wraps. */
export const WRAPPED_FORMATTER = Symbol.for("homelab-network.stackTraceRules.wrapped");

/**
 * Puts the rules in front of the source-map formatter ts-node installed.
 * Without one (plain Node.js, or the offline plan, which turns formatting off)
 * there is nothing to wrap and nothing is changed. Installing twice is a no-op.
 */
export function installStackTraceRules(root = path.resolve(__dirname, "..")): void {
    const errors = Error as { prepareStackTrace?: StackFormatter & { [WRAPPED_FORMATTER]?: StackFormatter } };
    const current = errors.prepareStackTrace;
    if (current === undefined || current[WRAPPED_FORMATTER] !== undefined) {
        return;
    }
    // The SDK reads the variable the same way: any value turns its leak report's traces on.
    const formatter = withStackTraceRules(current, { root, recordPromiseTraces: Boolean(process.env.PULUMI_DEBUG_PROMISE_LEAKS) });
    errors.prepareStackTrace = Object.assign(formatter, { [WRAPPED_FORMATTER]: current });
}

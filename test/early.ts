// Commands the tests run as processes, started as mocha loads the test files
// instead of when their test comes. Each is a start of Node.js, ts-node and
// the files it compiles (most of a second of CPU) or of npm; started early,
// they run beside this process while it works through the tests before
// theirs, and the test then awaits what is mostly done. mocha runs one test
// at a time on one core: the commands take the other.
import { ExecFileOptions, execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** How a command ended: its exit code (null when a signal ended it) and its output. */
export interface CommandResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs a command to its end and gives its exit code and output; a command
 * that fails is a result, not a rejection (only a command that cannot start
 * rejects).
 */
export function runCommand(file: string, args: readonly string[], options: ExecFileOptions = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { ...options, encoding: "utf8" }, (error, stdout, stderr) => {
            if (error !== null && typeof error.code !== "number" && error.signal == null) {
                reject(error);
                return;
            }
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, signal: error?.signal ?? null, stdout, stderr });
        });
    });
}

/**
 * The timeout of a test that awaits an early run: the run may still be
 * waiting for its turn behind the others, which on a loaded machine is long.
 */
export const EARLY_TIMEOUT = 120000;

/** Early runs at once: more would only share the one core left and slow the tests' own. */
const AT_ONCE = 2;
let running = 0;
const waiting: Array<() => void> = [];

/**
 * Starts `run` as soon as fewer than AT_ONCE early runs are running, in the
 * order they were asked for (the order of the tests that read them), and
 * gives its promise to the test that awaits it. A failure is that test's: it
 * does not surface before.
 */
export function startEarly<T>(run: () => Promise<T>): Promise<T> {
    const started = (async () => {
        if (running >= AT_ONCE) {
            await new Promise<void>(resolve => waiting.push(resolve));
        }
        running++;
        try {
            return await run();
        } finally {
            running--;
            waiting.shift()?.();
        }
    })();
    started.catch(() => undefined);
    return started;
}

/**
 * A folder of its own for one command (its stand-in executables and what
 * they record), removed once `use` is done with it, whatever the end.
 */
export async function inTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
        return await use(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

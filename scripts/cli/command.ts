// What a homelab-network command is: its options (parsed by Node's own
// util.parseArgs, so every option its --help names is the one it reads), its
// exit codes, and a run function. runCommand turns every error into a
// message and an exit code: a user never sees a stack trace.

import * as path from "path";
import { parseArgs } from "util";
import { nearestName } from "../../config/hints";
import { EXIT, EXIT_MEANINGS, ExitCode } from "./exitCodes";
import type * as StackFiles from "../stackFiles";

// The stack files' reader loads YAML and the config's parsers: required when
// a command reads a stack or explains a typo, so that --help stays quick.
const stackFiles = (): typeof StackFiles => require("../stackFiles");

/** What a command reads and writes besides its command line; tests pass their own. */
export interface CommandDeps {
    /** stdout: the command's result. */
    readonly out?: (text: string) => void;
    /** stderr: reports and errors. */
    readonly err?: (text: string) => void;
    /** The folder whose Pulumi.yaml and Pulumi.<stack>.yaml are read; default: this repository. */
    readonly root?: string;
}

export interface OptionSpec {
    readonly type: "string" | "boolean";
    /** The value's placeholder in --help, such as `<file>`. */
    readonly value?: string;
    readonly multiple?: boolean;
    readonly description: string;
}

export interface CommandLine {
    readonly values: Record<string, string | boolean | string[] | undefined>;
    readonly positionals: readonly string[];
}

export interface Command<D extends CommandDeps = CommandDeps> {
    readonly name: string;
    /** One line, for the tool's --help. */
    readonly summary: string;
    /** The arguments after the command's name, such as `--stack <name> [--diagram <file>]`. */
    readonly synopsis: string;
    /** What the command does, a paragraph for its --help. */
    readonly description: string;
    readonly options: Readonly<Record<string, OptionSpec>>;
    /** The arguments it takes besides options, such as `<folder>` (default none); `[<folder>]` may be left out. */
    readonly positionals?: readonly string[];
    /** What each exit code means for this command; codes left out do not occur. */
    readonly exitCodes: Partial<Record<ExitCode, string>>;
    run(commandLine: CommandLine, deps: D): Promise<number>;
}

/** The command line is wrong: the message says how, and the command's usage follows it. */
export class UsageError extends Error {}

export const TOOL = "homelab-network";

/** The repository: where Pulumi.yaml and the stack files are. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const HELP_OPTION: OptionSpec = { type: "boolean", description: "print this help and exit" };

export function commandHelp(command: Command<any>): string {
    const options = Object.entries({ ...command.options, help: HELP_OPTION });
    const left = options.map(([name, spec]) => `--${name}${spec.value === undefined ? "" : ` ${spec.value}`}`);
    const width = Math.max(...left.map(l => l.length));
    return [
        `usage: ${TOOL} ${command.name} ${command.synopsis}`,
        "",
        command.description,
        "",
        "options:",
        ...options.map(([, spec], i) => `  ${left[i].padEnd(width)}  ${spec.description}${spec.multiple === true ? " (repeatable)" : ""}`),
        "",
        "exit codes:",
        ...EXIT_MEANINGS.filter(([code]) => command.exitCodes[code] !== undefined || code === EXIT.internal)
            .map(([code, meaning]) => `  ${code}  ${command.exitCodes[code] ?? meaning}`),
        "",
    ].join("\n");
}

/** The command line as the command's options read it, or "help"; throws UsageError. */
export function parseCommandLine(command: Command<any>, argv: readonly string[]): CommandLine | "help" {
    const options = Object.fromEntries(Object.entries({ ...command.options, help: HELP_OPTION })
        .map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple ?? false, ...(name === "help" ? { short: "h" } : {}) }]));
    // --help wins over anything else on the line, even a wrong option.
    if (argv.includes("--help") || argv.includes("-h")) {
        return "help";
    }
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    } catch (error) {
        throw new UsageError(optionProblem(error as Error & { code?: string }, argv, Object.keys(options)));
    }
    const names = command.positionals ?? [];
    if (parsed.positionals.length > names.length) {
        const extra = parsed.positionals[names.length];
        // `plan home`: the stack typed without its option.
        const meant = command.options.stack !== undefined && parsed.values.stack === undefined ? `: did you mean --stack ${extra}?` : "";
        throw new UsageError(`unexpected argument ${JSON.stringify(extra)}${meant}`);
    }
    // A name in brackets, such as `[<folder>]`, may be left out.
    const required = names.filter(n => !n.startsWith("[")).length;
    if (parsed.positionals.length < required) {
        throw new UsageError(`${names[parsed.positionals.length]} is missing`);
    }
    return { values: parsed.values as CommandLine["values"], positionals: parsed.positionals };
}

/** util.parseArgs' message, shortened, with "did you mean" for an unknown option. */
function optionProblem(error: Error & { code?: string }, argv: readonly string[], known: readonly string[]): string {
    if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        const typed = argv.find(arg => arg.startsWith("-") && !known.includes(arg.replace(/^--?/, "").split("=")[0])) ?? "";
        const near = nearestName(typed.replace(/^--?/, "").split("=")[0], known);
        return `unknown option ${typed}${near === undefined ? "" : `: did you mean --${near}?`}`;
    }
    if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
        const option = /'(--[a-z-]+)/.exec(error.message)?.[1] ?? "an option";
        return /does not take an argument/.test(error.message) ? `${option} takes no value` : `${option} needs a value`;
    }
    return error.message;
}

/** The stack named by --stack: required, and one that has a Pulumi.<stack>.yaml. */
export function requireStack(commandLine: CommandLine, root: string | undefined): string {
    const stack = commandLine.values.stack;
    const stacks = stackFiles().listStacks(root ?? REPO_ROOT);
    if (typeof stack !== "string") {
        throw new UsageError(`--stack is required (there is no default stack); the stacks here are: ${stacks.join(", ") || "none"}`);
    }
    if (!stacks.includes(stack)) {
        const near = nearestName(stack, stacks);
        throw new UsageError(`there is no Pulumi.${stack}.yaml${near === undefined ? "" : `: did you mean ${near}?`}; the stacks here are: ${stacks.join(", ") || "none"}`);
    }
    return stack;
}

/**
 * Runs a command on a command line and returns its exit code. Usage and
 * config errors become their message (exit 2); anything else is a bug in the
 * tool: its message, and the stack trace only with HOMELAB_NETWORK_DEBUG=1.
 */
export async function runCommand<D extends CommandDeps>(command: Command<D>, argv: readonly string[], deps: D): Promise<number> {
    const out = deps.out ?? ((text: string) => process.stdout.write(text));
    const err = deps.err ?? ((text: string) => process.stderr.write(text));
    try {
        const commandLine = parseCommandLine(command, argv);
        if (commandLine === "help") {
            out(commandHelp(command));
            return EXIT.clean;
        }
        return await command.run(commandLine, deps);
    } catch (error) {
        if (error instanceof UsageError) {
            err(`${TOOL} ${command.name}: ${error.message}\nusage: ${TOOL} ${command.name} ${command.synopsis}\n(${TOOL} ${command.name} --help for more)\n`);
            return EXIT.usage;
        }
        if (error instanceof stackFiles().StackFileError) {
            err(`${error.message}\n`);
            return EXIT.usage;
        }
        const message = error instanceof Error ? error.message : String(error);
        err(`${TOOL} ${command.name} failed unexpectedly (a bug in the tool): ${message}\n`
            + (process.env.HOMELAB_NETWORK_DEBUG === "1" && error instanceof Error ? `${error.stack}\n` : "(HOMELAB_NETWORK_DEBUG=1 prints the stack trace)\n"));
        return EXIT.internal;
    }
}

// The dispatcher of homelab-network (scripts/homelab-network.js starts it):
// the tool's --help, the subcommand by name, "did you mean" for a typo.

import { COMMANDS } from "./commands";
import { CommandDeps, TOOL, runCommand } from "./command";
import { nearestName } from "../../config/hints";
import { EXIT, EXIT_MEANINGS } from "./exitCodes";

export function toolHelp(): string {
    const width = Math.max(...COMMANDS.map(c => c.name.length));
    return [
        `usage: ${TOOL} <command> [options]`,
        `       ${TOOL} <command> --help`,
        "",
        "The homelab network stack's commands. None needs the Pulumi CLI; only preflight and audit read a cluster.",
        "",
        "commands:",
        ...COMMANDS.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
        "",
        "exit codes (every command; docs/cli.md):",
        ...EXIT_MEANINGS.map(([code, meaning]) => `  ${code}  ${meaning}`),
        "",
    ].join("\n");
}

export async function cli(argv: readonly string[], io: CommandDeps = {}): Promise<number> {
    const out = io.out ?? ((text: string) => process.stdout.write(text));
    const err = io.err ?? ((text: string) => process.stderr.write(text));
    const [name, ...rest] = argv;
    if (name === "--help" || name === "-h" || name === "help" && rest.length === 0) {
        out(toolHelp());
        return EXIT.clean;
    }
    if (name === undefined) {
        err(toolHelp());
        return EXIT.usage;
    }
    // `help <command>` is `<command> --help`.
    const [wanted, args] = name === "help" ? [rest[0], ["--help"]] : [name, rest];
    const command = COMMANDS.find(c => c.name === wanted);
    if (command === undefined) {
        const near = nearestName(wanted, COMMANDS.map(c => c.name));
        err(`${TOOL}: there is no command ${JSON.stringify(wanted)}${near === undefined ? "" : `: did you mean ${near}?`}\n`
            + `the commands are: ${COMMANDS.map(c => c.name).join(", ")} (${TOOL} --help says more)\n`);
        return EXIT.usage;
    }
    return runCommand(command, args, io);
}

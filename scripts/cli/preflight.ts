// `homelab-network preflight --stack <name> [--skip-vip-probe]`: the K3s
// preflight (scripts/preflight.ts) from the command line.

import { Command, requireStack, runCommand } from "./command";
import { EXIT } from "./exitCodes";
import type { PreflightDeps } from "../preflight";

export const command: Command<PreflightDeps> = {
    name: "preflight",
    summary: "check the cluster of kubectl's current context against a stack before the first deploy",
    synopsis: "--stack <name> [--skip-vip-probe]",
    description: [
        "Reads each node's K3s flags and Kubernetes version through kubectl and reports every mismatch with the",
        "stack at once, each with the flag that fixes it; before the first deploy it also checks that no VIP of the",
        "stack already answers on the LAN. The same check `pulumi up` runs first.",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "<name>", description: "the stack: reads Pulumi.<name>.yaml" },
        "skip-vip-probe": { type: "boolean", description: "do not probe the stack's VIPs (once the stack runs, they answer)" },
    },
    exitCodes: {
        [EXIT.clean]: "the cluster matches the stack",
        [EXIT.findings]: "mismatches, each with its fix",
        [EXIT.usage]: "a usage or config error",
        [EXIT.cluster]: "the cluster could not be read: kubectl missing, the API unreachable or refusing",
    },
    async run(commandLine, deps) {
        const stack = requireStack(commandLine, deps.root);
        const { preflightStack } = await import("../preflight");
        // The check writes whole reports without their line end, as to console.log.
        const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
        return preflightStack(stack, commandLine.values["skip-vip-probe"] === true, {
            ...deps,
            out: deps.out ?? line(process.stdout),
            err: deps.err ?? line(process.stderr),
        });
    },
};

/** The command on a command line (tests; the tool goes through scripts/cli/main.ts). */
export function main(argv: readonly string[], deps: PreflightDeps = {}): Promise<number> {
    return runCommand(command, argv, deps);
}

// `homelab-network audit --stack <name>`: the live audit (scripts/audit.ts)
// from the command line; `pulumi up` runs it after the post-deploy checks.

import { Command, requireStack, runCommand } from "./command";
import { EXIT } from "./exitCodes";
import type { AuditDeps } from "../audit";

export const command: Command<AuditDeps> = {
    name: "audit",
    summary: "check the cluster of kubectl's current context against a stack's promises, as it runs",
    synopsis: "--stack <name>",
    description: [
        "Reads the cluster once per kind (Services, network policies of every kind, CIDR groups, Argo CD Applications and ApplicationSets,",
        "the kubevip ConfigMap, host-network pods) and reports every breach of the plan, each with the object and the fix:",
        "an owned address held by another Service, a LoadBalancer address outside the pool or pinned by nobody's",
        "declaration, range-global not as planned, a policy admitting the LAN on a port nobody owns, an Application",
        "(or an ApplicationSet's template) outside its namespace or cluster or not pinned, a host-network pod outside the platform.",
        "See docs/audit.md.",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "<name>", description: "the stack: reads Pulumi.<name>.yaml" },
    },
    exitCodes: {
        [EXIT.clean]: "the cluster keeps the plan's promises (notes allowed)",
        [EXIT.findings]: "breaches, each with its object and fix",
        [EXIT.usage]: "a usage or config error",
        [EXIT.cluster]: "the cluster could not be read: kubectl missing, the API unreachable or refusing",
    },
    async run(commandLine, deps) {
        const stack = requireStack(commandLine, deps.root);
        const { auditStack } = await import("../audit");
        const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
        return auditStack(stack, { ...deps, out: deps.out ?? line(process.stdout), err: deps.err ?? line(process.stderr) });
    },
};

/** The command on a command line (tests; the tool goes through scripts/cli/main.ts). */
export function main(argv: readonly string[], deps: AuditDeps = {}): Promise<number> {
    return runCommand(command, argv, deps);
}

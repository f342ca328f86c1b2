// The command lines `pulumi up` runs against the live cluster, all through
// the TypeScript checks beside this file (Node.js and kubectl). Paths are
// relative to the project folder, where the Pulumi CLI runs the program.

/**
 * How a command line starts a TypeScript check: Node.js with ts-node
 * registered (swc, transpile-only), since Node 20 cannot strip types and
 * Node 22's stripping cannot resolve the program's extensionless imports.
 */
export const NODE_TS = ["node", "-r", "./scripts/register-ts.js"] as const;

export const CLUSTER_CHECKS_SCRIPT = "components/checks/cluster-checks.ts";
export const PREFLIGHT_SCRIPT = "components/checks/preflight.ts";

/** Quotes one argument for the POSIX shell that @pulumi/command runs. */
export function shellQuote(arg: string): string {
    return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

export function clusterCheckCommand(verb: "wait-for-api" | "wait-for-crds" | "post-deploy", ...args: string[]): string {
    return [...NODE_TS, CLUSTER_CHECKS_SCRIPT, verb, ...args].map(shellQuote).join(" ");
}

/** The live audit (scripts/cli/audit.ts), through the project's own command, as `npm run audit` runs it. */
export const TOOL_SCRIPT = "scripts/homelab-network.js";

export function auditCommand(stack: string): string {
    return ["node", TOOL_SCRIPT, "audit", "--stack", stack].map(shellQuote).join(" ");
}

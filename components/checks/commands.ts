// The command lines `pulumi up` runs against the live cluster, all through
// cluster-checks.js beside this file (plain Node.js and kubectl). Paths are
// relative to the project folder, where the Pulumi CLI runs the program.

export const CLUSTER_CHECKS_SCRIPT = "components/checks/cluster-checks.js";
export const PREFLIGHT_SCRIPT = "components/checks/preflight.js";

/** Quotes one argument for the POSIX shell that @pulumi/command runs. */
export function shellQuote(arg: string): string {
    return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

export function clusterCheckCommand(verb: "wait-for-api" | "wait-for-crds" | "post-deploy", ...args: string[]): string {
    return ["node", CLUSTER_CHECKS_SCRIPT, verb, ...args].map(shellQuote).join(" ");
}

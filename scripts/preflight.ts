// The K3s preflight of a stack (`homelab-network preflight`, scripts/cli/preflight.ts).
//
// Reads the stack's VIPs, CIDRs and Cilium version from Pulumi.yaml and
// Pulumi.<stack>.yaml and runs components/checks/preflight.ts (the same check
// `pulumi up` runs first) against the cluster of kubectl's current context.
// Meant for before the first `pulumi up`, so it also checks that no VIP of the
// stack already answers on the LAN; once the stack runs, its own VIPs answer:
// then pass --skip-vip-probe.
//
// Exit codes (scripts/cli/exitCodes.ts): 0 clean, 1 mismatches, 2 stack
// config, 3 a cluster that could not be read.

import * as path from "path";
import { preflightArgs, preflightOptions } from "../components/checks/preflightComponent";
import * as checks from "../components/checks/preflight";
import { stackSettingsOf } from "./policyConfig";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface PreflightDeps {
    /** Replaces kubectl (tests). */
    readonly run?: (args: string[]) => string;
    /** Replaces the VIP probe (tests: no test may reach the LAN). */
    readonly probe?: (address: string) => Promise<{ answers: boolean; detail: string }>;
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
    /** The folder whose stack files are read; default: this repository. */
    readonly root?: string;
}

/** Checks the cluster against a stack; a config error throws, as it would stop pulumi up. */
export async function preflightStack(stack: string, skipVipProbe: boolean, deps: PreflightDeps = {}): Promise<number> {
    // The same typed settings the program reads.
    const args = preflightOptions(preflightArgs(stackSettingsOf(deps.root ?? REPO_ROOT, stack)));
    return checks.main([...args, "--first-deploy", ...(skipVipProbe ? ["--skip-vip-probe"] : [])], deps);
}

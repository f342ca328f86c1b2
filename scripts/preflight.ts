// The K3s preflight of a stack: `npm run preflight -- --stack <name> [--skip-vip-probe]`.
//
// Reads the stack's VIPs, CIDRs and Cilium version from Pulumi.yaml and
// Pulumi.<stack>.yaml and runs components/checks/preflight.js (the same check
// `pulumi up` runs first) against the cluster of kubectl's current context.
// Meant for before the first `pulumi up`, so it also checks that no VIP of the
// stack already answers on the LAN; once the stack runs, its own VIPs answer:
// then pass --skip-vip-probe.
//
// Exit codes: 0 clean, 1 mismatches, 2 usage, stack config, or a cluster that
// could not be read.

import * as path from "path";
import { preflightArgs, preflightOptions } from "../components/checks/preflightComponent";
import { PREFLIGHT_SCRIPT } from "../components/checks/commands";
import { stackSettingsOf } from "./policyConfig";

const REPO_ROOT = path.resolve(__dirname, "..");
const checks = require(path.join(REPO_ROOT, PREFLIGHT_SCRIPT));

export interface PreflightDeps {
    /** Replaces kubectl (tests). */
    readonly run?: (args: string[]) => string;
    /** Replaces the VIP probe (tests: no test may reach the LAN). */
    readonly probe?: (address: string) => Promise<{ answers: boolean; detail: string }>;
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
}

const USAGE = "usage: npm run preflight -- --stack <name> [--skip-vip-probe]";

export async function main(argv: string[], deps: PreflightDeps = {}): Promise<number> {
    const err = deps.err ?? ((text: string) => console.error(text));
    let stack: string | undefined;
    let skipVipProbe = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack" && i + 1 < argv.length) {
            stack = argv[++i];
        } else if (argv[i] === "--skip-vip-probe") {
            skipVipProbe = true;
        } else {
            stack = undefined;
            break;
        }
    }
    if (stack === undefined) {
        err(USAGE);
        return 2;
    }
    let args: string[];
    try {
        // The same typed settings the program reads: a config error stops here, as it would stop pulumi up.
        args = preflightOptions(preflightArgs(stackSettingsOf(REPO_ROOT, stack)));
    } catch (error) {
        err((error as Error).message);
        return 2;
    }
    return checks.main([...args, "--first-deploy", ...(skipVipProbe ? ["--skip-vip-probe"] : [])], deps);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => process.exit(code), error => {
        console.error(error);
        process.exit(2);
    });
}

// The subcommands of homelab-network, in the order its --help lists them.
// A new command is a module exporting a `Command` (scripts/cli/command.ts)
// and a row here; these modules stay light (their work is imported when they
// run), so --help answers without loading Pulumi.

import type { Command } from "./command";
import { command as audit } from "./audit";
import { command as importPolicies } from "./importPolicies";
import { command as plan } from "./plan";
import { command as policyDiff } from "./policyDiff";
import { command as policyConfig } from "./policyConfig";
import { command as preflight } from "./preflight";

export const COMMANDS: ReadonlyArray<Command<any>> = [
    plan,
    preflight,
    audit,
    importPolicies,
    policyConfig,
    policyDiff,
];

// `homelab-network policy-config (--stack <name> | --all) [--check]`: writes
// or checks the pack's config files (scripts/policyConfig.ts).

import * as fs from "fs";
import * as path from "path";
import { Command, CommandDeps, REPO_ROOT, UsageError, requireStack } from "./command";
import { EXIT } from "./exitCodes";

export const command: Command<CommandDeps> = {
    name: "policy-config",
    summary: "write (or --check) the policy pack's config policy/config/<stack>.json from the stack's config",
    synopsis: "(--stack <name> | --all) [--check]",
    description: [
        "Generates the pack's --policy-pack-config file of a stack from the stack's own config, so the addresses the",
        "pack enforces are the ones the program deploys. With --check it writes nothing and says which files are",
        "out of date.",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "<name>", description: "the stack: reads Pulumi.<name>.yaml, writes policy/config/<name>.json" },
        all: { type: "boolean", description: "every stack that has a Pulumi.<name>.yaml" },
        check: { type: "boolean", description: "compare with the files instead of writing them" },
    },
    exitCodes: {
        [EXIT.clean]: "written, or (--check) every file is current",
        [EXIT.findings]: "--check: a file is missing or out of date",
        [EXIT.usage]: "a usage or config error (the other stacks are still written or checked)",
    },
    async run(commandLine, io) {
        const out = io.out ?? ((text: string) => process.stdout.write(text));
        const err = io.err ?? ((text: string) => process.stderr.write(text));
        const { StackFileError, listStacks } = await import("../stackFiles");
        const root = io.root ?? REPO_ROOT;
        if (commandLine.values.all === true && commandLine.values.stack !== undefined) {
            throw new UsageError("--stack and --all exclude each other");
        }
        if (commandLine.values.all !== true && commandLine.values.stack === undefined) {
            throw new UsageError(`name a stack with --stack <name>, or --all; the stacks here are: ${listStacks(root).join(", ")}`);
        }
        const stacks = commandLine.values.all === true ? listStacks(root) : [requireStack(commandLine, root)];
        const check = commandLine.values.check === true;
        const { policyConfigPath, renderPolicyPackConfig } = await import("../policyConfig");
        let code: number = EXIT.clean;
        for (const stack of stacks) {
            const file = policyConfigPath(root, stack);
            const shown = path.relative(root, file);
            let text: string;
            try {
                text = renderPolicyPackConfig(root, stack);
            } catch (error) {
                if (!(error instanceof StackFileError)) {
                    throw error;
                }
                err(`${error.message}\n`);
                code = EXIT.usage;
                continue;
            }
            const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
            if (!check) {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, text);
                out(`wrote ${shown}\n`);
            } else if (current === text) {
                out(`${shown} is current\n`);
            } else {
                err(`${shown} is ${current === undefined ? "missing" : "out of date"}: run homelab-network policy-config --stack ${stack}\n`);
                code = Math.max(code, EXIT.findings);
            }
        }
        return code;
    },
};

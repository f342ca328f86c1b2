// `homelab-network plan --stack <name> [--diagram <file>] [--gitops-repo <dir>]`: the offline plan
// (scripts/plan.ts) from the command line.

import * as fs from "fs";
import * as path from "path";
import { Command, CommandDeps, UsageError, requireStack } from "./command";
import { EXIT } from "./exitCodes";

export const command: Command<CommandDeps> = {
    name: "plan",
    summary: "run the program and the policy pack offline for a stack, and print the plan",
    synopsis: "--stack <name> [--diagram <file>] [--gitops-repo <dir>]",
    description: [
        "Runs the real program under Pulumi's mocks with the stack's config, runs the real policy pack over what it",
        "would deploy, and prints the address plan, the resources per component and every violation. Needs no",
        "cluster and no Pulumi CLI. Writes no file unless --diagram names one. With a local clone of the",
        "Applications' Git repository (--gitops-repo, or HOMELAB_GITOPS_REPO), it also says which sources need SOPS",
        "and whether the stack's age key opens them; the key itself is never printed.",
    ].join("\n"),
    options: {
        stack: { type: "string", value: "<name>", description: "the stack: reads Pulumi.<name>.yaml" },
        diagram: { type: "string", value: "<file>", description: "write the stack's topology (Mermaid diagrams in Markdown, docs/topology.md) to this file" },
        "gitops-repo": { type: "string", value: "<dir>", description: "a local clone of the Applications' Git repository, to check what their sources need from Argo CD" },
    },
    exitCodes: {
        [EXIT.clean]: "the plan is clean (advisories allowed)",
        [EXIT.findings]: "a mandatory policy violation",
        [EXIT.usage]: "a usage or config error",
    },
    async run(commandLine, io) {
        const out = io.out ?? ((text: string) => process.stdout.write(text));
        const err = io.err ?? ((text: string) => process.stderr.write(text));
        const stack = requireStack(commandLine, io.root);
        const diagram = commandLine.values.diagram as string | undefined;
        const { GITOPS_REPO_ENV } = await import("../argoCdNeeds");
        const option = commandLine.values["gitops-repo"] as string | undefined;
        const gitopsRepo = option ?? (process.env[GITOPS_REPO_ENV] || undefined);
        // A mistyped path would otherwise read as every source missing from the repository.
        if (gitopsRepo !== undefined && !fs.statSync(gitopsRepo, { throwIfNoEntry: false })?.isDirectory()) {
            throw new UsageError(`${option === undefined ? GITOPS_REPO_ENV : "--gitops-repo"} ${gitopsRepo} is not a folder: name a local clone of the Applications' Git repository`);
        }
        const { plan } = await import("../plan");
        const result = await plan(stack, {}, undefined, io.root, gitopsRepo);
        (result.exitCode === EXIT.usage ? err : out)(`${result.report}\n`);
        if (diagram !== undefined && result.diagram !== undefined) {
            fs.mkdirSync(path.dirname(path.resolve(diagram)), { recursive: true });
            fs.writeFileSync(diagram, result.diagram);
            out(`\nTopology diagram: ${diagram}\n`);
        }
        return result.exitCode;
    },
};

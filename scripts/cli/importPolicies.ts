// `homelab-network import-policies <folder> --stack <name> [...]`: the
// importer of hand-written CiliumNetworkPolicies (scripts/importPolicies.ts)
// from the command line.

import { Command, requireStack, runCommand } from "./command";
import { EXIT } from "./exitCodes";
import type { ImportDeps } from "../importPolicies";

export const command: Command<ImportDeps> = {
    name: "import-policies",
    summary: "turn a folder of CiliumNetworkPolicies into the stack's `applications` config",
    synopsis: "<folder> --stack <name> [--repo-url <url>] [--target-revision <rev>] [--path-prefix <dir>] [--exclude <dir>]... [--no-widen] [--out <file>]",
    description: [
        "Reads every CiliumNetworkPolicy under <folder> (every YAML file and document; SOPS-encrypted files skipped),",
        "prints the `applications` config that expresses them (YAML, on stdout) and the report (on stderr): the",
        "coverage, the platform's policies it left alone, and every rule it could not express, with the reason. Then",
        "it feeds the config back through the program and checks that the generated policies allow exactly what the",
        "expressed rules allowed.",
    ].join("\n"),
    positionals: ["<folder>"],
    options: {
        stack: { type: "string", value: "<name>", description: "the stack whose Traefik entrypoints calls to Traefik are matched against" },
        "repo-url": { type: "string", value: "<url>", description: "written into every Application instead of a TODO placeholder" },
        "target-revision": { type: "string", value: "<rev>", description: "written into every Application instead of a TODO placeholder" },
        "path-prefix": { type: "string", value: "<dir>", description: "put before each folder to guess the Application's path (default: the folder's path in its Git repository, or its name)" },
        exclude: { type: "string", value: "<dir>", multiple: true, description: "a folder (relative to <folder>) not to read" },
        "no-widen": { type: "boolean", description: "never open an end of a connection the original did not: one-sided connections become pods peers" },
        out: { type: "string", value: "<file>", description: "write the config to this file instead of stdout" },
    },
    exitCodes: {
        [EXIT.clean]: "every application rule expressed",
        [EXIT.findings]: "some rules not expressed (they are listed)",
        [EXIT.usage]: "a usage or config error, nothing to import, an unreadable policy file, or a round trip that found a difference",
    },
    async run(commandLine, deps) {
        const { values } = commandLine;
        const stack = requireStack(commandLine, deps.root);
        const { importFolder } = await import("../importPolicies");
        return importFolder({
            folder: commandLine.positionals[0],
            stack,
            repoURL: values["repo-url"] as string | undefined,
            targetRevision: values["target-revision"] as string | undefined,
            pathPrefix: values["path-prefix"] as string | undefined,
            exclude: (values.exclude as string[] | undefined) ?? [],
            noWiden: values["no-widen"] === true,
            out: values.out as string | undefined,
        }, deps);
    },
};

/** The command on a command line (tests; the tool goes through scripts/cli/main.ts). */
export function main(argv: readonly string[], deps: ImportDeps = {}): Promise<number> {
    return runCommand(command, argv, deps);
}

// `homelab-network policy-diff [<folder>] --stack <name> [--live]`: which
// traffic the stack's generated policies allow that the given ones did not,
// and the reverse (scripts/policyDiff/).

import * as fs from "fs";
import { Command, CommandDeps, UsageError, requireStack } from "./command";
import { EXIT } from "./exitCodes";

export interface PolicyDiffDeps extends CommandDeps {
    /** The kubectl to run for --live (tests pass a fake one). */
    readonly kubectl?: string;
}

export const command: Command<PolicyDiffDeps> = {
    name: "policy-diff",
    summary: "list the traffic a stack's policies lose and gain against a folder of policies (or the cluster's)",
    synopsis: "[<folder>] --stack <name> [--live] [--exclude <dir>]...",
    description: [
        "Reads the CiliumNetworkPolicies, CiliumClusterwideNetworkPolicies and NetworkPolicies under <folder> (SOPS-",
        "encrypted files are listed as not read) or, with --live, the cluster's through kubectl, runs the stack's",
        "program offline, and lists per workload which peers and ports the stack's policies no longer allow (lost)",
        "and which they newly allow (gained). A connection between two pods needs the caller's egress and the",
        "callee's ingress; an entity, CIDR or DNS name is checked at the pod's end only. The workloads are the pod",
        "templates of <folder>'s manifests, where present, and otherwise the selectors either side names.",
        "The original's Traefik (K3s's in kube-system, say) is compared as the program's, and the listing says so",
        "(\"Mapping applied\"). Listed apart and not counted as lost: world ingress to a pod that no LoadBalancer or",
        "NodePort Service exposes (it reached the pod from nowhere), rules whose peer matched no pod in the original",
        "(vacuous), traffic only the platform's pods lose at their end, and the remainder the program cannot express",
        "(policies in kube-system and the platform's other namespaces for pods other than its own), by rule.",
    ].join("\n"),
    positionals: ["[<folder>]"],
    options: {
        stack: { type: "string", value: "<name>", description: "the stack whose generated policies are compared" },
        live: { type: "boolean", description: "read the policies from kubectl's current cluster instead of <folder> (whose manifests, if given, still name the workloads)" },
        exclude: { type: "string", value: "<dir>", multiple: true, description: "a folder (relative to <folder>) not to read" },
    },
    exitCodes: {
        [EXIT.clean]: "nothing lost (gains are listed)",
        [EXIT.findings]: "some traffic is lost (it is listed first); the remainder and the other sections listed apart do not count",
        [EXIT.usage]: "a usage or config error",
        [EXIT.cluster]: "--live: the cluster could not be read",
    },
    async run(commandLine, deps) {
        const out = deps.out ?? ((text: string) => process.stdout.write(text));
        const err = deps.err ?? ((text: string) => process.stderr.write(text));
        const stack = requireStack(commandLine, deps.root);
        const folder = commandLine.positionals[0];
        const live = commandLine.values.live === true;
        if (folder === undefined && !live) {
            throw new UsageError("<folder> is missing: name a folder of CiliumNetworkPolicies, or pass --live to read the cluster's");
        }
        // Checked before the program runs: the folder is read after it.
        if (folder !== undefined && fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() !== true) {
            throw new UsageError(`${folder} is not a folder`);
        }
        const { ClusterReadError, policyDiff } = await import("../policyDiff/run");
        const { anythingLost, diffReport } = await import("../policyDiff/report");
        try {
            const result = await policyDiff({ folder, live, stack, root: deps.root, kubectl: deps.kubectl, exclude: (commandLine.values.exclude as string[] | undefined) ?? [] });
            out(`Policy diff of stack "${stack}" against ${live ? "the cluster's policies" : folder}\n${diffReport(result)}\n`);
            return anythingLost(result) ? EXIT.findings : EXIT.clean;
        } catch (error) {
            if (error instanceof ClusterReadError) {
                err(`${error.message}\n`);
                return EXIT.cluster;
            }
            // The stack's config, refused by the program: its message names the key (as the plan reports it).
            const { RunError } = await import("@pulumi/pulumi");
            if (error instanceof RunError) {
                err(`${error.message}\n`);
                return EXIT.usage;
            }
            throw error;
        }
    },
};

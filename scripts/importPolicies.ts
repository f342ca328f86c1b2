// Imports existing CiliumNetworkPolicies: `npm run import-policies -- <folder>`.
//
// Reads every CiliumNetworkPolicy under the folder (every YAML file, every
// document; SOPS-encrypted files skipped), prints the `applications` config
// that expresses them (YAML, on stdout) and the report (on stderr): the
// coverage, the platform's policies (not imported), and every rule it could
// not express, with its file, policy, rule index and the reason. Then it feeds
// the printed config back through the program and checks that the generated
// policies allow exactly what the expressed rules allowed.
//
// Exit codes: 0 every application rule expressed, 1 some not (they are
// listed), 2 nothing to import, an unreadable policy file, a stack config
// with errors, or a round trip that found a difference, 64 bad usage.

import * as fs from "fs";
import * as path from "path";
import { IngressFrontends } from "../components/traefik/frontends";
import { readPolicyFolder } from "./policyImport/files";
import { coverage, importPolicies } from "./policyImport/importer";
import { renderApplicationsYaml, renderReport } from "./policyImport/render";
import { roundTrip } from "./policyImport/roundTrip";
import { formatConfigIssues } from "../config/issues";
import { parseStackConfig } from "../config/stack";
import { configReader, listStacks, loadStackConfig } from "./stackFiles";

const REPO_ROOT = path.resolve(__dirname, "..");

export const USAGE = [
    "usage: npm run import-policies -- <folder> [--stack <name>] [--repo-url <url>] [--target-revision <rev>]",
    "                                           [--path-prefix <dir>] [--exclude <dir>]... [--no-widen] [--out <file>]",
    "  --stack            the stack whose Traefik entrypoints calls to Traefik are matched against (default: home)",
    "  --repo-url, --target-revision   written into every Application instead of the TODO placeholders",
    "  --path-prefix      put before each folder to guess the Application's path (default: the folder's path in its Git repository, or its name)",
    "  --exclude          a folder (relative to <folder>) not to read; repeatable",
    "  --no-widen         never open an end of a connection the original did not: one-sided connections become pods peers",
    "  --out              write the config to this file instead of stdout",
].join("\n");

export interface ImportDeps {
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
    /** The Traefik frontends to match calls against; default: the stack's. */
    readonly frontends?: IngressFrontends;
}

interface Args {
    folder: string;
    stack: string;
    repoURL?: string;
    targetRevision?: string;
    pathPrefix?: string;
    exclude: string[];
    noWiden: boolean;
    out?: string;
}

function parseArgs(argv: readonly string[]): Args | string {
    const args: Partial<Args> & { exclude: string[] } = { exclude: [], noWiden: false, stack: "home" };
    const valued: Record<string, (v: string) => void> = {
        "--stack": v => (args.stack = v),
        "--repo-url": v => (args.repoURL = v),
        "--target-revision": v => (args.targetRevision = v),
        "--path-prefix": v => (args.pathPrefix = v),
        "--exclude": v => args.exclude.push(v),
        "--out": v => (args.out = v),
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (valued[arg] !== undefined) {
            const value = argv[i + 1];
            if (value === undefined || value.startsWith("--")) {
                return `${arg} needs a value`;
            }
            valued[arg](value);
            i++;
        } else if (arg === "--no-widen") {
            args.noWiden = true;
        } else if (arg.startsWith("--")) {
            return `unknown option ${arg}`;
        } else if (args.folder === undefined) {
            args.folder = arg;
        } else {
            return `one folder only (got ${args.folder} and ${arg})`;
        }
    }
    if (args.folder === undefined) {
        return "name the folder to import";
    }
    return args as Args;
}

/** The folder's path inside its Git repository (for Argo CD's `path`), or its own name outside one. */
function guessPathPrefix(folder: string): string {
    for (let dir = folder; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, ".git"))) {
            return path.relative(dir, folder).split(path.sep).join("/");
        }
        if (path.dirname(dir) === dir) {
            return path.basename(folder);
        }
    }
}

export async function main(argv: readonly string[], deps: ImportDeps = {}): Promise<number> {
    const out = deps.out ?? ((text: string) => process.stdout.write(text));
    const err = deps.err ?? ((text: string) => process.stderr.write(text));
    const args = parseArgs(argv);
    if (typeof args === "string") {
        err(`${args}\n${USAGE}\n`);
        return 64;
    }
    const folder = path.resolve(args.folder);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
        err(`${args.folder} is not a folder\n${USAGE}\n`);
        return 64;
    }
    let frontends = deps.frontends;
    if (frontends === undefined) {
        if (!listStacks(REPO_ROOT).includes(args.stack)) {
            err(`There is no Pulumi.${args.stack}.yaml; the stacks here are: ${listStacks(REPO_ROOT).join(", ")}\n`);
            return 64;
        }
        // The stack's config as the program reads it; only its address plan (Traefik's frontends) is used.
        const { project, values } = loadStackConfig(REPO_ROOT, args.stack);
        const parsed = parseStackConfig(configReader(values));
        if (!parsed.ok) {
            err(`${formatConfigIssues(parsed.issues, project, args.stack)}\n`);
            return 2;
        }
        frontends = parsed.settings.addresses.ingress;
    }

    const read = readPolicyFolder(folder, args.exclude);
    const source = args.folder;
    if (read.policies.length === 0) {
        err(`No CiliumNetworkPolicy under ${source} (${read.files} YAML files read${read.encrypted.length > 0 ? `, ${read.encrypted.length} encrypted skipped` : ""}).\n`);
        return 2;
    }
    const result = importPolicies(read.policies, {
        frontends,
        repoURL: args.repoURL,
        targetRevision: args.targetRevision,
        pathPrefix: args.pathPrefix ?? guessPathPrefix(folder),
        noWiden: args.noWiden,
    });
    const yamlText = renderApplicationsYaml(result, source);
    if (args.out !== undefined) {
        fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
        fs.writeFileSync(args.out, yamlText);
    } else {
        out(yamlText);
    }
    err(renderReport(result, {
        source,
        files: read.files,
        policies: read.policies.length,
        encrypted: read.encrypted.length,
        otherKinds: read.otherKinds,
        unreadable: read.unreadable,
        invalid: read.invalid,
    }));
    const check = roundTrip(read.policies, result, yamlText, frontends);
    err(check.ok
        ? `\nRound trip: the printed config, read back by the program, generates policies for ${check.checkedWorkloads} workloads that allow exactly what the ${check.checkedRules} expressed rules allow (plus the widened ends listed above).\n`
        : `\nRound trip FAILED (a bug in the importer): ${check.problems.length} differences:\n${check.problems.map(p => `  ${p}`).join("\n")}\n`);
    if (args.out !== undefined) {
        err(`\nWrote the config to ${args.out}.\n`);
    }
    if (!check.ok || read.unreadable.length > 0 || read.invalid.length > 0) {
        return 2;
    }
    const figures = coverage(result);
    return figures.applicationCounted === figures.applicationRules ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => process.exit(code), error => {
        console.error(error);
        process.exit(70);
    });
}

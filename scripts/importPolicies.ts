// Imports existing CiliumNetworkPolicies (`homelab-network import-policies <folder> --stack <name>`,
// the command line in scripts/cli/importPolicies.ts).
//
// Reads every CiliumNetworkPolicy under the folder (every YAML file, every
// document; SOPS-encrypted files skipped), prints the `applications` config
// that expresses them (YAML, on stdout) and the report (on stderr): the
// coverage, the platform's policies (not imported), and every rule it could
// not express, with its file, policy, rule index and the reason. Then it feeds
// the printed config back through the program and checks that the generated
// policies allow exactly what the expressed rules allowed.
//
// Exit codes (scripts/cli/exitCodes.ts): 0 every application rule expressed,
// 1 some not (they are listed), 2 nothing to import, an unreadable policy
// file, a stack config with errors, or a round trip that found a difference.

import * as fs from "fs";
import * as path from "path";
import { IngressFrontends } from "../platform/traefik";
import { readPolicyFolder } from "./policyImport/files";
import { coverage, importPolicies } from "./policyImport/importer";
import { renderApplicationsYaml, renderReport } from "./policyImport/render";
import { roundTrip } from "./policyImport/roundTrip";
import { readFolderManifests } from "./policyImport/manifests";
import { applyTakeOver, matchedNothing } from "./policyImport/takeover";
import { addressOwnership } from "../config/reservations";
import { formatIpv4, parseIpv4, rangeAddresses, rangeContains } from "../policy/addressing";
import { formatConfigIssues } from "../config/issues";
import { parseStackConfig } from "../config/stack";
import { configReader, loadStackConfig } from "./stackFiles";
import { UsageError } from "./cli/command";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface ImportDeps {
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
    /** The Traefik frontends to match calls against; default: the stack's. */
    readonly frontends?: IngressFrontends;
    /** The folder whose stack files are read; default: this repository. */
    readonly root?: string;
    /** With `frontends`: the pool's addresses nobody owns (default: none), and whether an address is in the pool. */
    readonly pool?: { readonly free: readonly string[]; readonly contains: (address: string) => boolean };
}

/** What the command line asks for (scripts/cli/importPolicies.ts). */
export interface ImportArgs {
    readonly folder: string;
    readonly stack: string;
    readonly repoURL?: string;
    readonly targetRevision?: string;
    readonly pathPrefix?: string;
    readonly exclude: readonly string[];
    readonly noWiden: boolean;
    readonly out?: string;
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

export async function importFolder(args: ImportArgs, deps: ImportDeps = {}): Promise<number> {
    const out = deps.out ?? ((text: string) => process.stdout.write(text));
    const err = deps.err ?? ((text: string) => process.stderr.write(text));
    const folder = path.resolve(args.folder);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
        throw new UsageError(`${args.folder} is not a folder`);
    }
    let frontends = deps.frontends;
    let pool = deps.pool ?? { free: [], contains: () => false };
    if (frontends === undefined) {
        // The stack's config as the program reads it; only its address plan (Traefik's frontends) is used.
        const { project, values } = loadStackConfig(deps.root ?? REPO_ROOT, args.stack);
        const parsed = parseStackConfig(configReader(values));
        if (!parsed.ok) {
            err(`${formatConfigIssues(parsed.issues, project, args.stack)}\n`);
            return 2;
        }
        frontends = parsed.settings.addresses.ingress;
        // The pool without the API's and Traefik's addresses: the imported Applications replace the stack's.
        const plan = parsed.settings.addresses;
        const unowned = addressOwnership(plan, []).ownership.unpinned.flatMap(range => rangeAddresses(range)).map(formatIpv4);
        pool = {
            free: unowned,
            contains: (address: string) => {
                const parsedAddress = parseIpv4(address);
                return parsedAddress.ok && rangeContains(plan.loadBalancerPool, parsedAddress.value);
            },
        };
    }

    const read = readPolicyFolder(folder, args.exclude);
    const source = args.folder;
    if (read.policies.length === 0) {
        err(`No CiliumNetworkPolicy under ${source} (${read.files} YAML files read${read.encrypted.length > 0 ? `, ${read.encrypted.length} encrypted skipped` : ""}).\n`);
        return 2;
    }
    // The folder's other manifests: where pods run, their Services and Ingresses.
    const manifests = readFolderManifests(folder, args.exclude);
    const imported = importPolicies(read.policies, {
        frontends,
        repoURL: args.repoURL,
        targetRevision: args.targetRevision,
        pathPrefix: args.pathPrefix ?? guessPathPrefix(folder),
        noWiden: args.noWiden,
        matchedNothing: matchedNothing(manifests, read.policies, source),
    });
    const result = applyTakeOver(imported, read.policies, manifests, { source, inPool: pool.contains, free: pool.free, sharedFiles: read.sharedFiles });
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

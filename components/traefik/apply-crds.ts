#!/usr/bin/env node
// Applies the CustomResourceDefinitions of one Traefik chart release, run by
// `pulumi up` (never by preview) before the Traefik release, which skips the
// copy bundled in the chart:
//   apply-crds.ts <chart-repository-url> <chart> <version>
// Helm installs a chart's crds/ folder on the first install and never upgrades
// it, and Traefik no longer publishes a separate CRDs chart (traefik-crds was
// removed from traefik/traefik-helm-chart after 1.18.0, before chart 41). The
// chart's own upgrade procedure applies the CRDs server-side first:
//   helm show crds traefik --repo <repository> --version <version> | kubectl apply --server-side --force-conflicts -f -
// This does exactly that, from the chart repository the release itself
// installs from (no second host), and applies nothing but CRDs.
// Exit code 0: applied; 1: failed, with the reason on stderr; 2: bad usage.
// Node.js (run through scripts/register-ts.js), the project's `yaml` package,
// helm and kubectl.

import { execFileSync } from "node:child_process";
import * as YAML from "yaml";

export const FIELD_MANAGER = "homelab-network";

/** A failure whose message already says what to do. */
class Refused extends Error {}

/** A failed helm or kubectl: `missing` when the tool is not on PATH, else its stderr. */
export class ToolFailed extends Error {
    constructor(message: string, readonly missing: boolean, readonly stderr?: string) {
        super(message);
    }
}

/** Runs a tool with arguments and optional stdin, returning stdout (tests replace it). */
export type ToolRunner = (tool: string, args: string[], input?: string) => string;

/** Runs a command line tool, returning stdout; ENOENT and a non-zero exit become errors with stderr. */
const runTool: ToolRunner = (tool, args, input) => {
    try {
        return execFileSync(tool, args, { input, encoding: "utf8", stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (error: any) {
        if (error.code === "ENOENT") {
            throw new ToolFailed(`${tool} is not on PATH`, true);
        }
        throw new ToolFailed(String(error.stderr ?? "").trim() || error.message, false, String(error.stderr ?? ""));
    }
};

/** What a failure of `run` says: a ToolFailed, or whatever a stand-in threw. */
interface RunError {
    readonly message: string;
    readonly missing?: boolean;
    readonly stderr?: string;
}

/** What helm's failure means, for the person running pulumi up. */
export function helmProblem(error: RunError, repository: string, chart: string, version: string): string {
    const said = String(error.stderr ?? error.message).trim();
    if (error.missing) {
        return `helm is not on PATH: install helm (v3.8 or newer, or v4) on the machine that runs pulumi up (see the README's prerequisites)`;
    }
    if (/not a valid chart repository or cannot be reached/.test(said)) {
        return `the chart repository ${repository} cannot be reached from this machine (helm: ${said}). ` +
            "Check its network access to that host; helm honours HTTPS_PROXY and NO_PROXY.";
    }
    if (/not found in .* repository/.test(said)) {
        return `chart ${chart} version ${version} does not exist in ${repository} (helm: ${said}). ` +
            `Check traefikChartVersion against the versions the repository lists: helm search repo ${chart} --versions, after helm repo add.`;
    }
    return `helm show crds ${chart} --repo ${repository} --version ${version} failed: ${said}`;
}

/**
 * The chart's CRDs as one manifest, one JSON document per CRD (JSON is
 * YAML). Refuses anything that is not a CustomResourceDefinition, so that
 * nothing else is ever applied from the chart.
 */
export function crdManifest(text: string, source: string): { names: string[]; manifest: string } {
    const documents: any[] = [];
    for (const doc of YAML.parseAllDocuments(text)) {
        if (doc.errors.length > 0) {
            throw new Refused(`${source} printed invalid YAML: ${doc.errors[0].message}`);
        }
        const object = doc.toJSON();
        if (object === null || object === undefined) {
            continue;
        }
        if (object.kind !== "CustomResourceDefinition") {
            throw new Refused(`${source} printed a ${object.kind ?? "document without a kind"} (${object.metadata?.name ?? "no name"}), not a CustomResourceDefinition; refusing to apply anything`);
        }
        documents.push(object);
    }
    if (documents.length === 0) {
        throw new Refused(`${source} printed no CustomResourceDefinitions; refusing to go on as if the chart had none`);
    }
    return { names: documents.map(d => d.metadata?.name), manifest: documents.map(d => JSON.stringify(d)).join("\n---\n") };
}

/**
 * Reads the chart's CRDs with helm and applies them server-side, taking over
 * fields Helm set on the first install. `deps.run(tool, args, input)` replaces
 * helm and kubectl in tests. Returns the CRDs' names.
 */
export function applyChartCrds(repository: string, chart: string, version: string, deps: { run?: ToolRunner } = {}): string[] {
    const run = deps.run ?? runTool;
    const helmArgs = ["show", "crds", chart, "--repo", repository, "--version", version];
    let printed: string;
    try {
        printed = run("helm", helmArgs);
    } catch (error: any) {
        throw new Refused(helmProblem(error, repository, chart, version));
    }
    const crds = crdManifest(printed, `helm ${helmArgs.join(" ")}`);
    try {
        run("kubectl", ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], crds.manifest);
    } catch (error: any) {
        throw new Refused(error.missing
            ? "kubectl is not on PATH: install it on the machine that runs pulumi up (see the README's prerequisites)"
            : `kubectl apply failed: ${String(error.stderr ?? error.message).trim()}. Check that kubectl reaches the cluster (kubectl get nodes).`);
    }
    return crds.names;
}

/** The command line: arguments in, exit code and one clear message out. */
export function main(argv: string[], deps: { run?: ToolRunner; log?: (text: string) => void; error?: (text: string) => void } = {}): number {
    const log = deps.log ?? console.log;
    const fail = deps.error ?? console.error;
    const [repository, chart, version] = argv;
    if (argv.length !== 3 || !/^https:\/\//.test(repository) || !/^[a-z0-9][a-z0-9-]*$/.test(chart) || !/^v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*$/.test(version)) {
        fail("usage: apply-crds.ts <https URL of the chart repository> <chart> <exact version>");
        return 2;
    }
    try {
        const names = applyChartCrds(repository, chart, version, deps);
        log(`applied ${names.length} CRDs of ${chart} ${version} from ${repository}`);
        return 0;
    } catch (error: any) {
        fail(`Traefik's CRDs were not applied: ${error.message}`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}

#!/usr/bin/env node
// Applies the CustomResourceDefinitions of one Traefik chart release, run by
// `pulumi up` (never by preview) before the Traefik release, which skips the
// copy bundled in the chart:
//   apply-crds.js <chart-repository-url> <chart> <version>
// Helm installs a chart's crds/ folder on the first install and never upgrades
// it, and Traefik no longer publishes a separate CRDs chart (traefik-crds was
// removed from traefik/traefik-helm-chart after 1.18.0, before chart 41). The
// chart's own upgrade procedure applies the CRDs server-side first:
//   helm show crds traefik --repo <repository> --version <version> | kubectl apply --server-side --force-conflicts -f -
// This does exactly that, from the chart repository the release itself
// installs from (no second host), and applies nothing but CRDs.
// Exit code 0: applied; 1: failed, with the reason on stderr; 2: bad usage.
// Plain Node.js, the project's `yaml` package, helm and kubectl.
"use strict";
const { execFileSync } = require("node:child_process");
const YAML = require("yaml");

const FIELD_MANAGER = "homelab-network";

/** A failure whose message already says what to do. */
class Refused extends Error {}

/** Runs a command line tool, returning stdout; ENOENT and a non-zero exit become errors with stderr. */
function runTool(tool, args, input) {
    try {
        return execFileSync(tool, args, { input, encoding: "utf8", stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
        if (error.code === "ENOENT") {
            const missing = new Error(`${tool} is not on PATH`);
            missing.missing = true;
            throw missing;
        }
        const failed = new Error(String(error.stderr ?? "").trim() || error.message);
        failed.stderr = String(error.stderr ?? "");
        throw failed;
    }
}

/** What helm's failure means, for the person running pulumi up. */
function helmProblem(error, repository, chart, version) {
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
function crdManifest(text, source) {
    const documents = [];
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
function applyChartCrds(repository, chart, version, deps = {}) {
    const run = deps.run ?? runTool;
    const helmArgs = ["show", "crds", chart, "--repo", repository, "--version", version];
    let printed;
    try {
        printed = run("helm", helmArgs);
    } catch (error) {
        throw new Refused(helmProblem(error, repository, chart, version));
    }
    const crds = crdManifest(printed, `helm ${helmArgs.join(" ")}`);
    try {
        run("kubectl", ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], crds.manifest);
    } catch (error) {
        throw new Refused(error.missing
            ? "kubectl is not on PATH: install it on the machine that runs pulumi up (see the README's prerequisites)"
            : `kubectl apply failed: ${String(error.stderr ?? error.message).trim()}. Check that kubectl reaches the cluster (kubectl get nodes).`);
    }
    return crds.names;
}

/** The command line: arguments in, exit code and one clear message out. */
function main(argv, deps = {}) {
    const log = deps.log ?? console.log;
    const fail = deps.error ?? console.error;
    const [repository, chart, version] = argv;
    if (argv.length !== 3 || !/^https:\/\//.test(repository) || !/^[a-z0-9][a-z0-9-]*$/.test(chart) || !/^v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*$/.test(version)) {
        fail("usage: apply-crds.js <https URL of the chart repository> <chart> <exact version>");
        return 2;
    }
    try {
        const names = applyChartCrds(repository, chart, version, deps);
        log(`applied ${names.length} CRDs of ${chart} ${version} from ${repository}`);
        return 0;
    } catch (error) {
        fail(`Traefik's CRDs were not applied: ${error.message}`);
        return 1;
    }
}

module.exports = { crdManifest, applyChartCrds, helmProblem, main, FIELD_MANAGER };

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}

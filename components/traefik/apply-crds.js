#!/usr/bin/env node
// Applies the CustomResourceDefinitions of one Traefik chart release, run by
// `pulumi up` (never by preview) before the Traefik release, which skips the
// copy bundled in the chart:
//   apply-crds.js <crds-folder-url>
// Helm installs a chart's crds/ folder on the first install and never upgrades
// it, and Traefik no longer publishes a separate CRDs chart (traefik-crds was
// removed from traefik/traefik-helm-chart after 1.18.0, before chart 41). The
// chart's own upgrade procedure applies the CRDs server-side first:
//   helm show crds traefik/traefik | kubectl apply --server-side --force-conflicts -f -
// This does the same without helm: <crds-folder-url> is the chart's crds/
// folder at the release's tag; its kustomization.yaml lists every CRD file.
// Plain Node.js, the project's `yaml` package and kubectl.
"use strict";
const { execFileSync } = require("node:child_process");
const YAML = require("yaml");

const FIELD_MANAGER = "homelab-network";

class KubectlMissing extends Error {}

async function fetchText(url) {
    let response;
    try {
        response = await fetch(url, { signal: AbortSignal.timeout(30000) });
    } catch (error) {
        throw new Error(`${url}: ${error.cause?.message ?? error.message}`);
    }
    if (!response.ok) {
        throw new Error(`${url}: HTTP ${response.status}`);
    }
    return response.text();
}

/** The CRD files a crds/ folder's kustomization.yaml lists. */
function listedFiles(kustomization) {
    const resources = YAML.parse(kustomization)?.resources;
    if (!Array.isArray(resources) || resources.length === 0 || !resources.every(r => typeof r === "string" && /^[\w.-]+\.ya?ml$/.test(r))) {
        throw new Error("kustomization.yaml lists no CRD files (expected resources: [<file>.yaml, ...])");
    }
    return resources;
}

/**
 * Every CRD of the folder as one multi-document manifest. `get` fetches a URL's
 * text (tests inject it). Refuses anything that is not a CustomResourceDefinition,
 * so that nothing but CRDs is ever applied from the network.
 */
async function chartCrds(folderUrl, get = fetchText) {
    const base = folderUrl.endsWith("/") ? folderUrl : `${folderUrl}/`;
    const files = listedFiles(await get(`${base}kustomization.yaml`));
    const documents = [];
    for (const file of files) {
        const text = await get(`${base}${file}`);
        for (const doc of YAML.parseAllDocuments(text)) {
            if (doc.errors.length > 0) {
                throw new Error(`${base}${file} is not valid YAML: ${doc.errors[0].message}`);
            }
            const object = doc.toJSON();
            if (object === null || object === undefined) {
                continue;
            }
            if (object.kind !== "CustomResourceDefinition") {
                throw new Error(`${base}${file} holds a ${object.kind ?? "document without a kind"}, not a CustomResourceDefinition; refusing to apply it`);
            }
            documents.push(object);
        }
    }
    // JSON is YAML: one document per CRD, exactly as fetched.
    return { files, names: documents.map(d => d.metadata?.name), manifest: documents.map(d => JSON.stringify(d)).join("\n---\n") };
}

function kubectlApply(args, input) {
    try {
        return execFileSync("kubectl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
    } catch (error) {
        if (error.code === "ENOENT") {
            throw new KubectlMissing("kubectl is not on PATH: install it on the machine that runs pulumi up (see the README's prerequisites)");
        }
        throw new Error(`kubectl apply failed: ${String(error.stderr ?? error.message).trim()}`);
    }
}

/** Fetches the folder's CRDs and applies them server-side, taking over fields Helm set on the first install. */
async function applyChartCrds(folderUrl, deps = {}) {
    const crds = await chartCrds(folderUrl, deps.get ?? fetchText);
    const run = deps.run ?? kubectlApply;
    run(["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], crds.manifest);
    return crds.names;
}

async function main(argv) {
    if (argv.length !== 1 || !/^https:\/\//.test(argv[0])) {
        console.error("usage: apply-crds.js <https URL of a chart's crds/ folder>");
        return 2;
    }
    try {
        const names = await applyChartCrds(argv[0]);
        console.log(`applied ${names.length} CRDs from ${argv[0]}`);
        return 0;
    } catch (error) {
        console.error(`Traefik's CRDs were not applied: ${error.message}`);
        if (!(error instanceof KubectlMissing)) {
            console.error("Check: the machine that runs pulumi up reaches raw.githubusercontent.com, the chart version has a release tag in traefik/traefik-helm-chart, and kubectl reaches the cluster.");
        }
        return 1;
    }
}

module.exports = { listedFiles, chartCrds, applyChartCrds, KubectlMissing, FIELD_MANAGER };

if (require.main === module) {
    main(process.argv.slice(2)).then(code => process.exit(code), error => {
        console.error(error);
        process.exit(1);
    });
}

#!/usr/bin/env node
// @ts-check
// The `homelab-network` command (package.json "bin"; `npx homelab-network
// --help` in the repository). A shim: it registers ts-node (register-ts.js:
// swc, transpile-only, half the CPU time of TypeScript's transpiler on a plan)
// and hands the command line to scripts/cli/main.ts. Plain JavaScript because
// it must run before TypeScript can.
"use strict";
const { spawnSync } = require("node:child_process");

// Node flags a command needs, which only take effect at start-up. The plan and
// policy-diff run the whole program under mocks, which allocates a great many
// short-lived objects: a larger young generation cuts its garbage collection
// time (docs/benchmarks.md). Started without them, the shim starts Node again with them.
/** @type {Record<string, string[]>} */
const NODE_FLAGS = {
    plan: ["--max-semi-space-size=64"],
    "policy-diff": ["--max-semi-space-size=64"],
};

const argv = process.argv.slice(2);
const helpOnly = argv.includes("--help") || argv.includes("-h");
const missing = helpOnly ? [] : (NODE_FLAGS[argv[0]] ?? []).filter(flag => !process.execArgv.includes(flag));
if (missing.length > 0) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...missing, __filename, ...argv], { stdio: "inherit" });
    if (child.signal !== null) {
        process.kill(process.pid, child.signal);
    }
    process.exit(child.status ?? 4);
}

require("./register-ts");
require("./cli/main").cli(argv).then(
    code => process.exit(code),
    error => {
        // cli() turns every error into a message; this is the last resort.
        console.error(`homelab-network failed unexpectedly (a bug in the tool): ${error && error.message}`);
        process.exit(4);
    },
);

// @ts-check
// Lets Node.js run the project's TypeScript: `node -r ./scripts/register-ts.js
// <file>.ts`. The live checks that `pulumi up` runs (components/checks/,
// components/traefik/apply-crds.ts) start this way, and so does the
// `homelab-network` command. ts-node transpiles with swc (@swc/core, as
// `pulumi preview` does through tsconfig.pulumi.json): transpile-only, type
// checking is npm test's, and a fraction of TypeScript's transpiler's start-up.
// Plain JavaScript because it must run before TypeScript can; Node 20 has no
// type stripping of its own.
"use strict";
const path = require("node:path");

require("ts-node").register({ swc: true, project: path.join(__dirname, "..", "tsconfig.json") });

// The Node.js range the project names is the one CI runs: `engines`, the lock
// file's copy of it, the README and docs/environments.md say the same range,
// and the Node.js that runs these tests (Node.js 20 in .ci/run, 24 in the
// GitHub workflows) must lie inside it, so every CI run proves its own version.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { REPO_ROOT } from "./harness";

function read(file: string): string {
    return fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
}

describe("the Node.js range", () => {
    const range = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;

    it("is a valid range, and the lock file records the same one", () => {
        assert.ok(semver.validRange(range), range);
        const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { engines?: { node?: string } }> };
        assert.strictEqual(lock.packages[""].engines?.node, range);
    });

    it("holds the Node.js running the tests", () => {
        assert.ok(semver.satisfies(process.versions.node, range), `Node.js ${process.versions.node} is outside engines ${range}: test it, or name it`);
    });

    it("holds both Node.js versions CI runs: 20 locally and the GitHub workflows' 24", () => {
        const workflows = ["pull-request.yml", "deploy.yml"].map(f => read(path.join(".github", "workflows", f))).join("\n");
        const versions = new Set([...workflows.matchAll(/node-version: (\d+)/g)].map(m => m[1]));
        assert.deepStrictEqual([...versions], ["24"]);
        for (const major of ["20", "24"]) {
            assert.ok(semver.intersects(range, `${major}.x`), `engines ${range} leaves out Node.js ${major}`);
        }
        assert.ok(!semver.satisfies("20.18.0", range), "Node.js 20 before 20.19 cannot require ES modules unflagged");
    });

    it("is the range the README and docs/environments.md name", () => {
        assert.ok(read("README.md").includes(`Node.js \`${range}\``), `the README does not name Node.js \`${range}\``);
        assert.ok(read("docs/environments.md").includes(`\`${range}\``), `docs/environments.md does not name \`${range}\``);
    });
});

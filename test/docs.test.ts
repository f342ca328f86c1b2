import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readProjectFile } from "../scripts/stackFiles";
import { REPO_ROOT } from "./harness";

function referenceRows(): Map<string, { type: string; default: string }> {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "config-reference.md"), "utf8");
    const rows = new Map<string, { type: string; default: string }>();
    for (const match of text.matchAll(/^\| `([A-Za-z0-9]+)` \| ([^|]+) \| ([^|]+) \|/gm)) {
        rows.set(match[1], { type: match[2].trim(), default: match[3].trim() });
    }
    return rows;
}

describe("the config reference", () => {
    const project = readProjectFile(REPO_ROOT);
    const rows = referenceRows();

    it("lists exactly the keys Pulumi.yaml declares", () => {
        assert.deepStrictEqual([...rows.keys()].sort(), Object.keys(project.config).sort());
    });

    it("gives each key the type and default Pulumi.yaml declares", () => {
        for (const [key, declared] of Object.entries(project.config)) {
            const row = rows.get(key);
            assert.ok(row, key);
            assert.strictEqual(row.type, declared.type ?? "list of objects", `type of ${key}`);
            assert.strictEqual(row.default, declared.default === undefined ? "(required)" : `\`${JSON.stringify(declared.default)}\``, `default of ${key}`);
        }
    });

    it("documents every key in Pulumi.yaml with a description", () => {
        for (const [key, declared] of Object.entries(project.config)) {
            assert.ok((declared.description ?? "").length > 20, `${key} needs a description`);
        }
    });
});

describe("the README", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    it("opens with the offline plan, the test command and pulumi up", () => {
        const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
        assert.match(firstBlock, /^npm ci && npm run plan -- --stack home/m);
        assert.match(firstBlock, /^npm test/m);
        assert.match(firstBlock, /^pulumi up --stack home/m);
    });

    it("names scripts that package.json defines", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        for (const match of readme.matchAll(/npm run ([a-z:-]+)/g)) {
            assert.ok(match[1] in scripts, `npm run ${match[1]} is not a script`);
        }
    });
});

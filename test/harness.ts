// Test helpers over an offline run of the program (scripts/offlineRun.ts).
//
// Behaviour tests run on the fixture stacks of test/fixtures/stacks, frozen
// copies of the stack files: the user's own Pulumi.home.yaml and
// Pulumi.lab.yaml change with the cluster (a commit bumped, an Application
// added) and are tested only for planning clean and for agreeing with the
// docs, which name REPO_ROOT explicitly.
import * as fs from "fs";
import * as path from "path";
import * as offline from "../scripts/offlineRun";
import { PlanResult, plan as planStack } from "../scripts/plan";
import type { PolicyPackConfig } from "../scripts/policyRunner";
import type { StackConfigValues } from "../scripts/stackFiles";
import { ProgramRun, REPO_ROOT, RecordedResource } from "../scripts/offlineRun";

export { ProgramRun, RecordedResource, REPO_ROOT, promiseOf } from "../scripts/offlineRun";

/**
 * The fixture stacks: Pulumi.home.yaml (shaped like the home cluster: two
 * NICs, fourteen Applications pinned to one GitOps commit) and
 * Pulumi.lab.yaml (a single-NIC cluster on another network). Their
 * Pulumi.yaml is a link to the project's, so declared keys and defaults
 * follow the program.
 */
export const STACKS = path.join(REPO_ROOT, "test", "fixtures", "stacks");

// A stack file read as it stands gives the same run and the same plan every
// time within a mocha run: a dozen test files ask for them, so each is
// computed once, and every caller gets its own deep copy to read or edit.
// The key holds the files' text, as tests write several stacks under one name.
const unchangedRuns = new Map<string, Promise<ProgramRun>>();
const unchangedPlans = new Map<string, Promise<PlanResult>>();

/** What a run of a stack file as it stands depends on; undefined when a file is missing (nothing is kept). */
function stackKey(root: string, stack: string): string | undefined {
    try {
        return [root, stack, ...["Pulumi.yaml", `Pulumi.${stack}.yaml`].map(file => fs.readFileSync(path.join(root, file), "utf8"))].join("\0");
    } catch {
        return undefined;
    }
}

function once<T>(cache: Map<string, Promise<T>>, key: string | undefined, compute: () => Promise<T>): Promise<T> {
    if (key === undefined) {
        return compute();
    }
    let found = cache.get(key);
    if (found === undefined) {
        found = compute();
        cache.set(key, found);
        // A failed run is not kept: the next caller sees its own error.
        found.catch(() => cache.delete(key));
    }
    return found.then(copy);
}

/** A copy of arrays and plain objects all the way down; other values (functions, class instances) are shared. */
function copy<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(copy) as T;
    }
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
    }
    return value;
}

/** runProgram over a fixture stack unless `root` says otherwise. */
export function runProgram(stack: string, overrides: StackConfigValues = {}, root: string = STACKS): Promise<ProgramRun> {
    if (Object.keys(overrides).length > 0) {
        return offline.runProgram(stack, overrides, root);
    }
    return once(unchangedRuns, stackKey(root, stack), () => offline.runProgram(stack, {}, root));
}

/** The offline plan of a fixture stack unless `root` says otherwise. */
export function plan(stack: string, overrides: StackConfigValues = {}, packConfig?: PolicyPackConfig, root: string = STACKS): Promise<PlanResult> {
    if (Object.keys(overrides).length > 0 || packConfig !== undefined) {
        return planStack(stack, overrides, packConfig, root);
    }
    return once(unchangedPlans, stackKey(root, stack), () => planStack(stack, {}, undefined, root));
}

/** The one resource of a type and name; fails loudly when it is missing or ambiguous. */
export function findResource(run: ProgramRun, type: string, name: string): RecordedResource {
    const matches = run.resources.filter(r => r.type === type && r.name === name);
    if (matches.length !== 1) {
        const sameType = run.resources.filter(r => r.type === type).map(r => r.name);
        throw new Error(`expected one ${type} named ${name}, found ${matches.length}; that type has: ${sameType.join(", ") || "none"}`);
    }
    return matches[0];
}

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter(r => r.type === type);
}

/** Whether `resource` waits, directly or through its ancestors' dependencies, for `target`. */
export function waitsFor(run: ProgramRun, resource: RecordedResource, target: RecordedResource): boolean {
    const byUrn = new Map(run.resources.map(r => [r.urn, r]));
    const targets = new Set([target.urn, ...descendants(run, target).map(r => r.urn)]);
    const seen = new Set<string>();
    const queue = [resource.urn];
    while (queue.length > 0) {
        const urn = queue.pop()!;
        if (seen.has(urn)) {
            continue;
        }
        seen.add(urn);
        const current = byUrn.get(urn);
        if (current === undefined) {
            continue;
        }
        for (const dep of current.dependencies) {
            if (targets.has(dep)) {
                return true;
            }
            queue.push(dep);
        }
    }
    return false;
}

function descendants(run: ProgramRun, resource: RecordedResource | undefined): RecordedResource[] {
    if (resource === undefined) {
        return [];
    }
    const children = run.resources.filter(r => r.parent === resource.urn);
    return children.concat(...children.map(child => descendants(run, child)));
}


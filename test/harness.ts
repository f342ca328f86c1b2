// Test helpers over an offline run of the program (scripts/offlineRun.ts).
import { ProgramRun, RecordedResource } from "../scripts/offlineRun";

export { ProgramRun, RecordedResource, REPO_ROOT, promiseOf, runProgram } from "../scripts/offlineRun";

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


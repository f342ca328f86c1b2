// Reads a stack's config the way the Pulumi CLI assembles it: the project's
// declared defaults from Pulumi.yaml, overlaid with Pulumi.<stack>.yaml.
// Used by the offline plan and the tests, which run without the CLI.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export type StackConfigValues = Record<string, unknown>;

/** A stack file that cannot be read as config: a config error, like a bad address. */
export class StackFileError extends Error {}

export interface ProjectConfigKey {
    readonly type?: string;
    readonly description?: string;
    readonly default?: unknown;
}

export interface ProjectFile {
    readonly name: string;
    readonly config: Record<string, ProjectConfigKey>;
}

export function readProjectFile(root: string): ProjectFile {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
    return { name: project.name, config: project.config ?? {} };
}

/** Stack names that have a Pulumi.<stack>.yaml beside Pulumi.yaml. */
export function listStacks(root: string): string[] {
    return fs.readdirSync(root)
        .map(file => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/**
 * The stack's config without the project prefix. A key in the stack file that
 * the project does not declare is refused, as the Pulumi CLI refuses it.
 */
export function loadStackConfig(root: string, stack: string): { project: string; values: StackConfigValues } {
    const project = readProjectFile(root);
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = listStacks(root).join(", ") || "none";
        throw new StackFileError(`There is no Pulumi.${stack}.yaml; the stacks here are: ${known}`);
    }
    let stackFile: { config?: Record<string, unknown> };
    try {
        stackFile = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    } catch (error) {
        throw new StackFileError(`Pulumi.${stack}.yaml is not valid YAML: ${(error as Error).message}`);
    }
    const values: StackConfigValues = {};
    for (const [key, declared] of Object.entries(project.config)) {
        if (declared.default !== undefined) {
            values[key] = declared.default;
        }
    }
    for (const [qualified, value] of Object.entries(stackFile.config ?? {})) {
        const [namespace, key] = qualified.includes(":") ? qualified.split(":", 2) : [project.name, qualified];
        if (namespace !== project.name) {
            continue;
        }
        if (!(key in project.config)) {
            const near = nearestKey(key, Object.keys(project.config));
            throw new StackFileError(
                `Pulumi.${stack}.yaml sets ${qualified}, which Pulumi.yaml does not declare` +
                (near === undefined ? `; the keys are: ${Object.keys(project.config).join(", ")}` : `; did you mean ${project.name}:${near}?`),
            );
        }
        // A secret cannot be decrypted without the CLI; offline runs see a placeholder.
        values[key] = isSecureValue(value) ? SECRET_PLACEHOLDER : value;
    }
    return { project: project.name, values };
}

export const SECRET_PLACEHOLDER = "[secret]";

/** A stack value as the Pulumi SDK hands it to a program: text, structured values as JSON. */
export function configText(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Reads the stack's values the way the program reads its config (see config/stack.ts). */
export function configReader(values: StackConfigValues): (key: string) => string | undefined {
    return key => (values[key] === undefined ? undefined : configText(values[key]));
}

/** The declared key a typo most likely meant: same letters ignoring case, or at most two edits away. */
export function nearestKey(typed: string, declared: readonly string[]): string | undefined {
    const sameLetters = declared.find(key => key.toLowerCase() === typed.toLowerCase());
    if (sameLetters !== undefined) {
        return sameLetters;
    }
    let best: { key: string; distance: number } | undefined;
    for (const key of declared) {
        const distance = editDistance(typed, key);
        if (distance <= 2 && (best === undefined || distance < best.distance)) {
            best = { key, distance };
        }
    }
    return best?.key;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

function isSecureValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

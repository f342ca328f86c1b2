// Reads a stack's config the way the Pulumi CLI assembles it: the project's
// declared defaults from Pulumi.yaml, overlaid with Pulumi.<stack>.yaml.
// Used by the offline plan and the tests, which run without the CLI.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export type StackConfigValues = Record<string, unknown>;

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
        throw new Error(`There is no Pulumi.${stack}.yaml; the stacks here are: ${known}`);
    }
    const stackFile = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
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
            throw new Error(`Pulumi.${stack}.yaml sets ${qualified}, which Pulumi.yaml does not declare`);
        }
        // A secret cannot be decrypted without the CLI; offline runs see a placeholder.
        values[key] = isSecureValue(value) ? SECRET_PLACEHOLDER : value;
    }
    return { project: project.name, values };
}

export const SECRET_PLACEHOLDER = "[secret]";

function isSecureValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

// A Helm release's valueYamlFiles (helm.v3.Release, helm.v4.Chart), read and
// merged under its values as Pulumi's Kubernetes provider merges them: each
// file over the ones before it, `values` over all of them, maps merged key by
// key and anything else replaced. The files are assets whose path or text
// arrives as a promise, which no synchronous reader can open; so every policy
// is wrapped (withValueFiles): before it runs, the assets of the resources it
// looks at are read (a FileAsset from the program's folder, the nearest one
// up from the working directory that holds Pulumi.yaml; a StringAsset as it
// is) and remembered per props object, and helmSources (readers.ts) merges
// them in. A file that cannot be read (missing, not a YAML map, a RemoteAsset
// or an archive the pack does not fetch) is kept with its problem, and the
// advisory loadbalancer-addresses-unseen names the release and the file.

import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceValidation, ResourceValidationPolicy, StackValidation, StackValidationPolicy } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import { TYPES } from "./definitions";

/** One entry of valueYamlFiles: its values, or why the pack cannot read them. */
export interface ValueFile {
    /** How a message names it: the file's path, `a StringAsset`, the remote URI. */
    readonly name: string;
    readonly values?: Record<string, any>;
    readonly problem?: string;
}

const read = new WeakMap<object, readonly ValueFile[]>();

/** The policy SDK's way to the object behind its unknown-checking proxy (its proxy module's internal key). */
const PROXY_TARGET: string | undefined = (require("@pulumi/policy/proxy") as { getSpecialProxyTarget?: string }).getSpecialProxyTarget;
/** Pulumi's wire form of an asset (runtime/rpc.ts): a signature key and the asset signature. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";

const isPlainObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);

function unproxied<T>(value: T): T {
    if (PROXY_TARGET === undefined || typeof value !== "object" || value === null) {
        return value;
    }
    return ((value as Record<string, unknown>)[PROXY_TARGET] as T | undefined) ?? value;
}

/** The files read for a resource's props; undefined when none were read (no valueYamlFiles, or not read yet). */
export function valueFilesOf(props: object | undefined): readonly ValueFile[] | undefined {
    return props === undefined ? undefined : read.get(props);
}

/** Helm's merge of values: maps key by key, anything else replaced by the later value. */
export function mergeValues(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
    const merged: Record<string, any> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        merged[key] = isPlainObject(merged[key]) && isPlainObject(value) ? mergeValues(merged[key], value) : value;
    }
    return merged;
}

/** The program's folder: the nearest one up from the working directory that holds Pulumi.yaml (a pack runs in its own folder). */
export function projectRoot(): string {
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
        if (["Pulumi.yaml", "Pulumi.yml"].some(name => fs.existsSync(path.join(dir, name)))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return process.cwd();
        }
    }
}

function parseValues(text: string): { values?: Record<string, any>; problem?: string } {
    const documents = parseAllDocuments(text);
    const first = documents[0];
    if (first === undefined) {
        return { values: {} };
    }
    if (first.errors.length > 0) {
        return { problem: `is not valid YAML (${first.errors[0].message.split("\n")[0]})` };
    }
    const value = first.toJSON();
    return value === null ? { values: {} } : isPlainObject(value) ? { values: value } : { problem: "is not a YAML map of values" };
}

async function readOne(entry: unknown): Promise<ValueFile> {
    const asset = unproxied(entry) as Record<string, any> | undefined;
    if (!isPlainObject(asset)) {
        return { name: String(entry), problem: "is not an asset" };
    }
    if (asset.__pulumiArchive === true || (SIG_KEY in asset && asset[SIG_KEY] !== ASSET_SIG)) {
        return { name: "an archive", problem: "is an archive, not a file of values" };
    }
    try {
        if ("path" in asset) {
            const file = String(await asset.path);
            const full = path.resolve(projectRoot(), file);
            if (!fs.existsSync(full)) {
                return { name: file, problem: `cannot be found (looked for ${full})` };
            }
            return { name: file, ...parseValues(fs.readFileSync(full, "utf8")) };
        }
        if ("text" in asset) {
            return { name: "a StringAsset", ...parseValues(String(await asset.text)) };
        }
        if ("uri" in asset) {
            return { name: String(await asset.uri), problem: "is a RemoteAsset the pack does not fetch" };
        }
    } catch (error) {
        return { name: "an asset", problem: `cannot be read (${(error as Error).message})` };
    }
    return { name: "an asset", problem: "is not an asset the pack knows" };
}

/** Reads a resource's valueYamlFiles, once per props object. */
export async function readValueFiles(resource: { readonly type: string; readonly props: object }): Promise<void> {
    if ((resource.type !== TYPES.release && resource.type !== TYPES.chartV4) || read.has(resource.props)) {
        return;
    }
    const files = (unproxied(resource.props) as Record<string, unknown>).valueYamlFiles;
    if (!Array.isArray(files) || files.length === 0) {
        return;
    }
    read.set(resource.props, await Promise.all(files.map(readOne)));
}

/** The policy, reading the valueYamlFiles of the resources it looks at before it runs. */
export function withValueFiles<P extends ResourceValidationPolicy | StackValidationPolicy>(policy: P): P {
    if ("validateStack" in policy) {
        const validate: StackValidation = policy.validateStack;
        const validateStack: StackValidation = async (args, report) => {
            await Promise.all(args.resources.map(readValueFiles));
            return validate(args, report);
        };
        return { ...policy, validateStack };
    }
    const given = (policy as ResourceValidationPolicy).validateResource;
    const wrapped = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map((validate): ResourceValidation => async (args, report) => {
        await readValueFiles(args);
        return validate(args, report);
    });
    return { ...policy, validateResource: wrapped.length === 1 ? wrapped[0] : wrapped };
}

// Finds the CiliumNetworkPolicies under a folder: every YAML file, every
// document in it, kind CiliumNetworkPolicy. SOPS-encrypted files (`*.enc.yaml`,
// or a document with a top-level `sops:` block) are skipped unread: their
// values are ciphertext.
//
// A GitOps repository is megabytes of YAML, read whole for every import and
// diff: js-yaml reads it several times faster than yaml, which the stack files
// keep for its comments and positions. Both read YAML 1.2's core schema
// without merge keys, so a value reads the same in either; a file js-yaml
// refuses is read again by yaml, which reads some of those with a warning (a
// tag it does not know, such as mkdocs' !!python/name:) and names the error
// of the others.

import * as fs from "fs";
import { YAMLException, loadAll } from "js-yaml";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { isObject } from "./cilium";

/** One CiliumNetworkPolicy document, as found. */
export interface SourcePolicy {
    /** The file, relative to the imported folder, with / separators. */
    readonly file: string;
    /** The document's index in its file (0 for the first). */
    readonly doc: number;
    readonly name: string;
    readonly namespace: string;
    readonly spec: Record<string, unknown>;
    /** `specs:` (plural) policies hold several; each is read as a policy of its own, numbered. */
    readonly specIndex?: number;
}

export interface FolderRead {
    readonly policies: SourcePolicy[];
    /** YAML files read. */
    readonly files: number;
    /** Documents of other kinds, by kind. */
    readonly otherKinds: ReadonlyMap<string, number>;
    /** Files that hold documents of other kinds too (a CronJob beside its policy): edited, never deleted whole. */
    readonly sharedFiles: ReadonlySet<string>;
    /** Encrypted files skipped. */
    readonly encrypted: readonly string[];
    /** Files that mention a CiliumNetworkPolicy but cannot be read (templates, broken YAML), with why. */
    readonly unreadable: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
    /** CiliumNetworkPolicy documents without a name or namespace. */
    readonly invalid: ReadonlyArray<{ readonly file: string; readonly doc: number; readonly reason: string }>;
}

export const POLICY_KIND = "CiliumNetworkPolicy";

/** Every YAML file under `root`/`dir` (relative, with / separators), in name order, minus `exclude`. */
export function yamlFiles(root: string, dir: string, exclude: readonly string[]): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap(entry => {
            const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
            if (exclude.some(e => rel === e || rel.startsWith(`${e}/`))) {
                return [];
            }
            if (entry.isDirectory()) {
                return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : yamlFiles(root, rel, exclude);
            }
            return entry.isFile() && /\.ya?ml$/i.test(entry.name) ? [rel] : [];
        });
}

/** One YAML file of a folder, as the policy readers meet it. */
export type FolderFile =
    | { readonly file: string; readonly state: "encrypted" }
    | { readonly file: string; readonly state: "broken"; readonly reason: string; readonly text: string }
    | { readonly file: string; readonly state: "read"; readonly values: readonly unknown[] };

/** A file's documents (an empty one as null), or the first line of the error that makes it not YAML. */
function yamlDocuments(text: string): unknown[] | { readonly error: string } {
    try {
        return loadAll(text);
    } catch (error) {
        if (!(error instanceof YAMLException)) {
            throw error;
        }
    }
    const documents = parseAllDocuments(text);
    const docs = Array.isArray(documents) ? documents : [documents];
    const broken = docs.find(d => d.errors.length > 0);
    return broken === undefined ? docs.map(d => d.toJS() as unknown) : { error: broken.errors[0].message.split("\n")[0] };
}

/**
 * Every YAML file under `root` (minus `exclude`), in name order, parsed: a
 * SOPS-encrypted file (by name, or a document with a top-level `sops:` block)
 * is not parsed further, a file that is not YAML carries the parser's first line.
 */
export function folderFiles(root: string, exclude: readonly string[]): FolderFile[] {
    return yamlFiles(root, "", exclude.map(e => e.replace(/\/+$/, ""))).map((file): FolderFile => {
        if (/\.enc\.ya?ml$/i.test(file)) {
            return { file, state: "encrypted" };
        }
        const text = fs.readFileSync(path.join(root, file), "utf8");
        const values = yamlDocuments(text);
        if (!Array.isArray(values)) {
            return { file, state: "broken", reason: `not YAML: ${values.error}`, text };
        }
        return values.some(v => isObject(v) && v.sops !== undefined) ? { file, state: "encrypted" } : { file, state: "read", values };
    });
}

/** Every CiliumNetworkPolicy under `root`, files in name order, documents in file order. */
export function readPolicyFolder(root: string, exclude: readonly string[] = []): FolderRead {
    const policies: SourcePolicy[] = [];
    const otherKinds = new Map<string, number>();
    const sharedFiles = new Set<string>();
    const encrypted: string[] = [];
    const unreadable: Array<{ file: string; reason: string }> = [];
    const invalid: Array<{ file: string; doc: number; reason: string }> = [];
    const files = folderFiles(root, exclude);
    for (const read of files) {
        const file = read.file;
        if (read.state === "encrypted") {
            encrypted.push(file);
            continue;
        }
        if (read.state === "broken") {
            if (read.text.includes(POLICY_KIND)) {
                unreadable.push({ file, reason: read.reason });
            }
            continue;
        }
        const values = read.values;
        values.forEach((value, doc) => {
            if (!isObject(value) || value.kind === undefined) {
                return;
            }
            const kind = String(value.kind);
            if (kind !== POLICY_KIND) {
                otherKinds.set(kind, (otherKinds.get(kind) ?? 0) + 1);
                sharedFiles.add(file);
                return;
            }
            const metadata = isObject(value.metadata) ? value.metadata : {};
            const name = typeof metadata.name === "string" ? metadata.name : undefined;
            const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
            if (name === undefined || namespace === undefined) {
                // Kustomize may set the namespace; without it the policy's own namespace (which every selector depends on) is unknown.
                invalid.push({ file, doc, reason: name === undefined ? "has no metadata.name" : "has no metadata.namespace (set by kustomize?): its selectors' namespace is unknown" });
                return;
            }
            if (Array.isArray(value.specs)) {
                value.specs.forEach((spec, specIndex) => {
                    policies.push({ file, doc, name, namespace, spec: isObject(spec) ? spec : {}, specIndex });
                });
            }
            if (isObject(value.spec)) {
                policies.push({ file, doc, name, namespace, spec: value.spec });
            }
        });
    }
    // Only files with a policy count as shared.
    const withPolicies = new Set(policies.map(p => p.file));
    return { policies, files: files.length, otherKinds, sharedFiles: new Set([...sharedFiles].filter(f => withPolicies.has(f))), encrypted, unreadable, invalid };
}

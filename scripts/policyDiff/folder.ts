// The policies of a folder tree, for the policy diff: every YAML document of
// every policy kind, read through the one policy model (policy/policyModel.ts):
// CiliumNetworkPolicy (`spec` and each of `specs`), CiliumClusterwideNetworkPolicy,
// Kubernetes NetworkPolicy. What is not read is said, not skipped in silence:
// SOPS-encrypted files (their values are ciphertext), files that mention a
// policy kind but are not YAML, and namespaced policies without a namespace
// (kustomize may set it; the selectors depend on it).

import { PolicyKind, PolicyModel, readPolicyObject } from "../../policy/policyModel";
import { folderFiles } from "../policyImport/files";

const POLICY_KINDS: readonly PolicyKind[] = ["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"];

export interface FolderPolicies {
    readonly policies: readonly PolicyModel[];
    /** YAML files read (encrypted ones included). */
    readonly files: number;
    /** Policy documents read, by kind. */
    readonly kinds: ReadonlyMap<PolicyKind, number>;
    /** SOPS-encrypted files, not read. */
    readonly encrypted: readonly string[];
    /** Files or documents not read, with why. */
    readonly notRead: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every policy document under `root` (minus `exclude`), files in name order. */
export function readFolderPolicies(root: string, exclude: readonly string[] = []): FolderPolicies {
    const files = folderFiles(root, exclude);
    const policies: PolicyModel[] = [];
    const kinds = new Map<PolicyKind, number>();
    const encrypted: string[] = [];
    const notRead: Array<{ file: string; reason: string }> = [];
    for (const read of files) {
        const file = read.file;
        if (read.state === "encrypted") {
            encrypted.push(file);
            continue;
        }
        if (read.state === "broken") {
            if (POLICY_KINDS.some(kind => read.text.includes(kind))) {
                notRead.push({ file, reason: read.reason });
            }
            continue;
        }
        const values = read.values;
        values.forEach((value, doc) => {
            if (!isObject(value) || !POLICY_KINDS.includes(value.kind as PolicyKind)) {
                return;
            }
            const kind = value.kind as PolicyKind;
            const metadata = isObject(value.metadata) ? value.metadata : {};
            if (kind !== "CiliumClusterwideNetworkPolicy" && typeof metadata.namespace !== "string") {
                notRead.push({ file, reason: `document ${doc + 1} (${kind} ${String(metadata.name ?? "?")}) has no metadata.namespace (set by kustomize?): its selectors' namespace is unknown` });
                return;
            }
            const models = readPolicyObject(value, file);
            if (models.length === 0 && typeof value.apiVersion !== "string") {
                notRead.push({ file, reason: `document ${doc + 1} (${kind}) has no apiVersion` });
                return;
            }
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
            policies.push(...models);
        });
    }
    return { policies, files: files.length, kinds, encrypted, notRead };
}

/** e.g. `Read 3 policies (2 CiliumNetworkPolicy, 1 NetworkPolicy) from 12 YAML files.` and what was not read. */
export function folderText(folder: FolderPolicies): string[] {
    const kinds = [...folder.kinds].map(([kind, n]) => `${n} ${kind}`).join(", ");
    const read = [...folder.kinds.values()].reduce((a, b) => a + b, 0);
    return [
        `Read ${read} ${read === 1 ? "policy" : "policies"}${kinds === "" ? "" : ` (${kinds})`} from ${folder.files} YAML files.`,
        ...(folder.encrypted.length === 0 ? [] : [`Not read: ${folder.encrypted.length} SOPS-encrypted ${folder.encrypted.length === 1 ? "file" : "files"} (their values are ciphertext; a policy in one is not compared): ${folder.encrypted.join(", ")}`]),
        ...folder.notRead.map(n => `Not read: ${n.file}: ${n.reason}`),
    ];
}

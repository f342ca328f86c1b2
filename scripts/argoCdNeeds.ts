// What each Application needs from Argo CD, and whether the stack provides it:
// SOPS (KSOPS generators, the cmp-sops-decrypt plugin), server-side apply, and
// who owns its network policies and its Namespace. A Git-path Application's
// source is read from a local clone of its repository when one is given
// (`--gitops-repo <dir>` or HOMELAB_GITOPS_REPO); otherwise the plan says what
// it could not check. The age key's text is never printed: only whether it is
// set, and which recipients (public keys) it holds.

import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { ApplicationSpec } from "../config/applications";
import { ageIdentities } from "../config/platformAccess";
import { UNDECRYPTED_SECRET } from "../config/reading";
import { SOPS } from "../components/argocd/sops";
import { ownedByStack } from "../components/argocd/ownership";

/** The environment variable naming a local clone of the Applications' Git repository. */
export const GITOPS_REPO_ENV = "HOMELAB_GITOPS_REPO";

/** An encrypted file of a source, with the age recipients SOPS wrapped its data key for. */
export interface EncryptedFile {
    readonly file: string;
    readonly recipients: readonly { readonly recipient: string; readonly enc: string }[];
}

/** What a Git-path Application's folder holds, as far as Argo CD cares. */
export interface SourceScan {
    /** kustomization generators that are KSOPS's (kind: ksops). */
    readonly ksopsGenerators: readonly string[];
    /** values.enc.yaml is present: the cmp-sops-decrypt plugin renders the folder. */
    readonly pluginDiscovered: boolean;
    readonly encrypted: readonly EncryptedFile[];
    /** Files shipping objects of kinds the stack owns (Namespace, network policies), with the kinds. */
    readonly stackOwned: readonly { readonly file: string; readonly kinds: readonly string[] }[];
}

function yamlFiles(folder: string): string[] {
    return fs.readdirSync(folder, { withFileTypes: true })
        .flatMap(entry => entry.isDirectory()
            ? yamlFiles(path.join(folder, entry.name)).map(f => path.join(entry.name, f))
            : /\.ya?ml$/.test(entry.name) ? [entry.name] : [])
        .sort();
}

function documents(file: string): Record<string, unknown>[] {
    try {
        return parseAllDocuments(fs.readFileSync(file, "utf8")).map(d => d.toJS() as unknown)
            .filter((d): d is Record<string, unknown> => typeof d === "object" && d !== null && !Array.isArray(d));
    } catch {
        return [];
    }
}

/** Reads one Application's folder of a local clone. */
export function scanSource(folder: string): SourceScan {
    const files = yamlFiles(folder);
    const docs = new Map(files.map(f => [f, documents(path.join(folder, f))]));
    const kustomization = docs.get("kustomization.yaml")?.[0];
    const generators = Array.isArray(kustomization?.generators) ? kustomization.generators.filter((g): g is string => typeof g === "string") : [];
    const ksopsGenerators = generators.filter(g => (docs.get(path.normalize(g)) ?? []).some(d => String(d.kind).toLowerCase() === "ksops"));
    const encrypted: EncryptedFile[] = [];
    const stackOwned: { file: string; kinds: string[] }[] = [];
    for (const [file, parsed] of docs) {
        const age = parsed.map(d => d.sops as Record<string, unknown> | undefined).find(s => typeof s === "object" && s !== null && Array.isArray(s.age))?.age as Record<string, unknown>[] | undefined;
        if (age !== undefined) {
            encrypted.push({ file, recipients: age.map(a => ({ recipient: String(a.recipient), enc: String(a.enc) })) });
        }
        const kinds = [...new Set(parsed.filter(d => typeof d.kind === "string" && ownedByStack(String(d.apiVersion ?? "").split("/").slice(0, -1).join("/"), String(d.kind))).map(d => String(d.kind)))];
        if (kinds.length > 0) {
            stackOwned.push({ file, kinds });
        }
    }
    return { ksopsGenerators, pluginDiscovered: files.includes(SOPS.discoverFile), encrypted, stackOwned };
}

/** The public halves (age1...) of the configured identities. */
export async function ageRecipients(keyText: string): Promise<string[]> {
    const { identityToRecipient } = await import("age-encryption");
    return Promise.all(ageIdentities(keyText).map(identity => identityToRecipient(identity)));
}

/**
 * Whether the key opens an encrypted file: one of its identities unwraps the
 * data key SOPS wrapped for that identity's recipient (the file's sops.age
 * block). A wrong key is the likeliest mistake; this catches it offline.
 */
export async function opens(keyText: string, file: EncryptedFile): Promise<boolean> {
    const age = await import("age-encryption");
    const ours = new Set(await ageRecipients(keyText));
    for (const stanza of file.recipients.filter(r => ours.has(r.recipient))) {
        const decrypter = new age.Decrypter();
        for (const identity of ageIdentities(keyText)) {
            decrypter.addIdentity(identity);
        }
        try {
            await decrypter.decrypt(age.armor.decode(stanza.enc));
            return true;
        } catch {
            // Not this stanza; try the next.
        }
    }
    return false;
}

function repoFolder(repo: string, app: ApplicationSpec): string {
    return path.join(repo, app.path ?? "");
}

/**
 * The plan's section. `ageKey`: the configured key's text, UNDECRYPTED_SECRET
 * when set but unreadable offline, undefined when unset. `repo`: a local clone.
 */
export async function argoCdNeedsReport(apps: readonly ApplicationSpec[], ageKey: string | undefined, repo: string | undefined): Promise<string[]> {
    const keyReadable = ageKey !== undefined && ageKey !== UNDECRYPTED_SECRET;
    const lines: string[] = [
        "What the Applications need from Argo CD",
        `  age key (argoCdSopsAgeKey)  ${ageKey === undefined ? "not set: no SOPS tooling is deployed" : `set${keyReadable ? `, recipients ${(await ageRecipients(ageKey)).join(", ")}` : " (a secret the offline plan cannot read: which files it opens is not checked)"}`}`,
        `  sources read from           ${repo === undefined ? `nowhere: give --gitops-repo <local clone> (or ${GITOPS_REPO_ENV}) to check the Git-path sources` : `${repo} (its working tree; the Applications pin their own revisions)`}`,
        "  network policies, Namespaces  this stack's; Argo CD excludes those kinds (resource.exclusions), so copies in a source are never applied",
    ];
    const broken: string[] = [];
    const unchecked: string[] = [];
    for (const app of apps) {
        const needs: string[] = [];
        const ssa = app.sync.options.includes("ServerSideApply=true");
        needs.push(`server-side apply ${ssa ? "on" : "off"}`, "policies: this stack");
        if (app.chart !== undefined) {
            lines.push(`  ${app.name.padEnd(22)} chart ${app.chart} ${app.targetRevision}: no SOPS; ${needs.join("; ")}`);
            continue;
        }
        const folder = repo === undefined ? undefined : repoFolder(repo, app);
        if (folder === undefined || !fs.existsSync(folder)) {
            unchecked.push(app.name);
            lines.push(`  ${app.name.padEnd(22)} ${app.path}: ${folder === undefined ? "not checked" : `not found in ${repo}`}; ${needs.join("; ")}`);
            continue;
        }
        const scan = scanSource(folder);
        const sops: string[] = [];
        if (scan.ksopsGenerators.length > 0) {
            sops.push(`KSOPS (${scan.ksopsGenerators.join(", ")})`);
        }
        if (scan.pluginDiscovered) {
            sops.push(`${SOPS.plugin} (${SOPS.discoverFile})`);
        }
        let verdict = "no SOPS";
        if (scan.encrypted.length > 0 || sops.length > 0) {
            if (ageKey === undefined) {
                verdict = `needs SOPS: ${sops.join(", ") || `${scan.encrypted.length} encrypted files`}; no age key: WILL NOT RENDER`;
                broken.push(app.name);
            } else if (keyReadable) {
                const closed = [];
                for (const file of scan.encrypted) {
                    if (!(await opens(ageKey, file))) {
                        closed.push(`${file.file} (for ${file.recipients.map(r => r.recipient).join(", ")})`);
                    }
                }
                verdict = closed.length === 0
                    ? `needs SOPS: ${sops.join(", ")}; provided, the key opens its ${scan.encrypted.length} encrypted files`
                    : `needs SOPS: ${sops.join(", ")}; the key opens NOT ${closed.join("; ")}: WILL NOT RENDER`;
                if (closed.length > 0) {
                    broken.push(app.name);
                }
            } else {
                verdict = `needs SOPS: ${sops.join(", ")}; provided (key not checked offline)`;
            }
        }
        const owned = scan.stackOwned.map(o => `${o.file} (${o.kinds.join(", ")})`);
        lines.push(`  ${app.name.padEnd(22)} ${app.path}: ${verdict}; ${needs.join("; ")}${owned.length === 0 ? "" : `; excluded from its source, delete: ${owned.join(", ")}`}`);
    }
    if (broken.length > 0) {
        lines.push(`  will not render: ${broken.join(", ")}${ageKey === undefined ? " (set argoCdSopsAgeKey as a secret: README, \"SOPS\")" : " (the key is not a recipient of their files)"}`);
    }
    if (unchecked.length > 0) {
        lines.push(`  not checked (${unchecked.length}): ${unchecked.join(", ")}${ageKey === undefined ? "; each fails to render if its source holds SOPS files" : ""}`);
    }
    return lines;
}

// How Argo CD syncs one Application, as the stack config declares it: Argo
// CD's sync options, the fields it leaves to controllers (ignoreDifferences),
// and the Applications it must wait for. Pure: parsed and checked here, written
// into the Application object by components/argocd/application.ts.
//
// Order between Applications is a Pulumi dependency, not an Argo CD sync wave:
// sync waves order the objects of one sync, and an Application this program
// creates is nobody's synced object (there is no app-of-apps), so a wave
// annotation on it would order nothing. Instead an Application that others
// depend on carries pulumi.com/waitFor on its health, and theirs are created
// only once it is Healthy.

import type { ConfigIssue } from "./issues";
import { type Report, didYouMean } from "./fields";

/** The sync options Argo CD knows, with the values each takes (Argo CD's "Sync Options" docs). */
export const SYNC_OPTIONS: Readonly<Record<string, readonly string[]>> = {
    /** Server-side apply: no last-applied annotation, so CRDs larger than 256 KiB apply. */
    ServerSideApply: ["true", "false"],
    ApplyOutOfSyncOnly: ["true", "false"],
    /** ignoreDifferences hold during sync too, not only in the diff. */
    RespectIgnoreDifferences: ["true", "false"],
    PruneLast: ["true", "false"],
    Replace: ["true", "false"],
    Validate: ["true", "false"],
    SkipDryRunOnMissingResource: ["true", "false"],
    FailOnSharedResource: ["true", "false"],
    PrunePropagationPolicy: ["foreground", "background", "orphan"],
};

/** Set by the program on every Application: the stack creates the namespace with its policies. */
export const FIXED_SYNC_OPTIONS = ["CreateNamespace=false"] as const;

/** One ignoreDifferences entry, as Argo CD's Application spec takes it. */
export interface IgnoreDifference {
    readonly group?: string;
    readonly kind: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly jsonPointers?: readonly string[];
    readonly jqPathExpressions?: readonly string[];
    readonly managedFieldsManagers?: readonly string[];
}

export interface SyncSpec {
    /** `Name=value`, in config order; FIXED_SYNC_OPTIONS come on top. */
    readonly options: readonly string[];
    readonly ignoreDifferences: readonly IgnoreDifference[];
    /** Applications that must be Healthy before this one is created. */
    readonly dependsOn: readonly string[];
}

export const SYNC_FIELDS = ["syncOptions", "ignoreDifferences", "dependsOn"] as const;
const DIFFERENCE_FIELDS = ["group", "kind", "name", "namespace", "jsonPointers", "jqPathExpressions", "managedFieldsManagers"];
const DIFFERENCE_LISTS = ["jsonPointers", "jqPathExpressions", "managedFieldsManagers"] as const;


function stringList(raw: unknown): string[] | undefined {
    return Array.isArray(raw) && raw.every(v => typeof v === "string" && v.trim() !== "") ? raw.map(v => (v as string).trim()) : undefined;
}

function parseOptions(raw: unknown, where: string, report: Report): string[] {
    if (raw === undefined) {
        return [];
    }
    const list = stringList(raw);
    if (list === undefined) {
        report(where, raw, "is not a list of sync options", "write e.g. syncOptions: [ServerSideApply=true, ApplyOutOfSyncOnly=true]");
        return [];
    }
    const seen = new Set<string>();
    const options: string[] = [];
    list.forEach((option, i) => {
        const [name, value, ...rest] = option.split("=");
        const values = SYNC_OPTIONS[name];
        if (name === "CreateNamespace") {
            report(`${where}[${i}]`, option, "is set by the program: the stack creates every Application's namespace, with its policies, before Argo CD syncs", "remove it");
        } else if (values === undefined) {
            report(`${where}[${i}]`, option, "is not a sync option Argo CD knows", `use Name=value with one of: ${Object.keys(SYNC_OPTIONS).join(", ")}`);
        } else if (value === undefined || rest.length > 0 || !values.includes(value)) {
            report(`${where}[${i}]`, option, `does not give ${name} one of its values (${values.join(", ")})`, `write ${name}=${values[0]}`);
        } else if (seen.has(name)) {
            report(`${where}[${i}]`, option, `sets ${name} a second time`, "list each option once");
        } else {
            seen.add(name);
            options.push(`${name}=${value}`);
        }
    });
    return options;
}

function parseDifferences(raw: unknown, where: string, report: Report): IgnoreDifference[] {
    if (raw === undefined) {
        return [];
    }
    if (!Array.isArray(raw)) {
        report(where, raw, "is not a list", "write ignoreDifferences as a list of {group, kind, name, jsonPointers}");
        return [];
    }
    const entries: IgnoreDifference[] = [];
    raw.forEach((item, i) => {
        const at = `${where}[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) {
            report(at, item, "is not a map", "write {group, kind, name, jsonPointers: [...]}");
            return;
        }
        const entry = item as Record<string, unknown>;
        let ok = true;
        for (const field of Object.keys(entry).filter(f => !DIFFERENCE_FIELDS.includes(f))) {
            report(`${at}.${field}`, entry[field], `is not a field of an ignoreDifferences entry${didYouMean(field, DIFFERENCE_FIELDS)}`, `use only: ${DIFFERENCE_FIELDS.join(", ")}`, field);
            ok = false;
        }
        for (const field of ["group", "kind", "name", "namespace"]) {
            if (entry[field] !== undefined && typeof entry[field] !== "string") {
                report(`${at}.${field}`, entry[field], "is not a string", `write ${field} as text`);
                ok = false;
            }
        }
        if (typeof entry.kind !== "string" || entry.kind.trim() === "") {
            report(`${at}.kind`, entry.kind, "is missing", "name the kind, e.g. Deployment");
            ok = false;
        }
        const lists: Partial<Record<(typeof DIFFERENCE_LISTS)[number], string[]>> = {};
        for (const field of DIFFERENCE_LISTS) {
            if (entry[field] === undefined) {
                continue;
            }
            const list = stringList(entry[field]);
            if (list === undefined || list.length === 0) {
                report(`${at}.${field}`, entry[field], "is not a non-empty list of strings", `write ${field}: [...]`);
                ok = false;
            } else if (field === "jsonPointers" && !list.every(p => p.startsWith("/"))) {
                report(`${at}.${field}`, entry[field], "holds a JSON pointer that does not start with /", "write pointers like /spec/replicas");
                ok = false;
            } else {
                lists[field] = list;
            }
        }
        if (DIFFERENCE_LISTS.every(f => entry[f] === undefined)) {
            report(at, item, "names no field to ignore", `set one of: ${DIFFERENCE_LISTS.join(", ")}`);
            ok = false;
        }
        if (ok) {
            entries.push({
                ...(entry.group === undefined ? {} : { group: entry.group as string }),
                kind: (entry.kind as string).trim(),
                ...(entry.name === undefined ? {} : { name: entry.name as string }),
                ...(entry.namespace === undefined ? {} : { namespace: entry.namespace as string }),
                ...lists,
            });
        }
    });
    return entries;
}

/** The sync fields of one Application entry (`where` is its path, e.g. `applications[3]`). */
export function parseSync(entry: Record<string, unknown>, where: string, report: Report): SyncSpec {
    const dependsOn = entry.dependsOn === undefined ? [] : stringList(entry.dependsOn);
    if (dependsOn === undefined) {
        report(`${where}.dependsOn`, entry.dependsOn, "is not a list of Application names", "write dependsOn: [cert-manager]");
    }
    return {
        options: parseOptions(entry.syncOptions, `${where}.syncOptions`, report),
        ignoreDifferences: parseDifferences(entry.ignoreDifferences, `${where}.ignoreDifferences`, report),
        dependsOn: dependsOn ?? [],
    };
}

/**
 * dependsOn across Applications: each name declared, none itself, no cycle.
 * `apps` maps each name to its entry's path and sync spec.
 */
export function dependencyIssues(apps: ReadonlyMap<string, { readonly where: string; readonly sync: SyncSpec }>): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const [name, { where, sync }] of apps) {
        sync.dependsOn.forEach((other, i) => {
            if (other === name) {
                issues.push({ key: `${where}.dependsOn[${i}]`, value: other, problem: "names the Application itself", fix: "remove it" });
            } else if (!apps.has(other)) {
                issues.push({ key: `${where}.dependsOn[${i}]`, value: other, problem: "names no declared Application", fix: `use one of: ${[...apps.keys()].filter(n => n !== name).join(", ")}` });
            }
        });
    }
    // A cycle would leave every Application of it waiting for the others.
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, path: string[]): void => {
        if (state.get(name) === "done" || !apps.has(name)) {
            return;
        }
        if (state.get(name) === "visiting") {
            const cycle = [...path.slice(path.indexOf(name)), name];
            const { where } = apps.get(name)!;
            issues.push({ key: `${where}.dependsOn`, value: cycle.join(" -> "), problem: "is a cycle: each Application would wait for itself", fix: "remove one of these dependsOn entries" });
            return;
        }
        state.set(name, "visiting");
        for (const other of apps.get(name)!.sync.dependsOn.filter(o => o !== name)) {
            visit(other, [...path, name]);
        }
        state.set(name, "done");
    };
    for (const name of apps.keys()) {
        visit(name, []);
    }
    return issues;
}

/** The Applications some other Application depends on: they carry the health wait. */
export function awaitedApplications(syncs: Iterable<SyncSpec>): Set<string> {
    return new Set([...syncs].flatMap(s => s.dependsOn));
}

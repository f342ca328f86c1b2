// One thing wrong with the stack config, phrased for the person who typed it,
// and how a list of them is printed: every problem at once, each with its fix.

export interface ConfigIssue {
    /** The key, or the path inside a structured key: `applications[1].connections.toApps[0]`. */
    readonly key: string;
    /** The value as typed; `undefined` when the key or field is not set at all. */
    readonly value: string | undefined;
    /** Follows the value: `"192.168.1.300" is not an IPv4 address ...`. */
    readonly problem: string;
    readonly fix: string;
    /** A password or its hash: never printed (a mistaken value may be the password itself). */
    readonly hideValue?: boolean;
}

/** The value as a reader sees it: quoted text, or what stands in for a value that is not shown. */
function shown(issue: ConfigIssue): { quoted: string; bare: string } {
    if (issue.value === undefined) {
        return { quoted: "(not set)", bare: "(not set)" };
    }
    if (issue.hideValue === true) {
        return { quoted: "(hidden)", bare: "the value" };
    }
    return { quoted: JSON.stringify(issue.value), bare: issue.value === "" ? "(empty)" : issue.value };
}

/** Renders issues the way a compiler would: every problem, each with its fix. */
export function formatConfigIssues(issues: readonly ConfigIssue[], namespace: string, stack?: string): string {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const where = stack === undefined ? "" : ` of stack "${stack}"`;
    const lines = [`The network configuration${where} has ${count}; nothing was deployed.`, ""];
    for (const issue of issues) {
        const value = shown(issue);
        lines.push(`  ${namespace}:${issue.key} ${issue.value === undefined ? value.quoted : `= ${value.quoted}`}`);
        lines.push(`    ${value.bare} ${issue.problem}`);
        lines.push(`    fix: ${issue.fix}`);
        lines.push("");
    }
    return lines.join("\n");
}

/**
 * Issues whose value reads "undefined" only because a field was missing:
 * `applications` reports a missing field as the text "undefined"
 * (JSON.stringify(undefined) ?? "undefined"). The raw value tells a missing
 * field from one that says "undefined"; such issues get no value, printed as
 * "(not set)". `raw` is the structured config value the issues' keys point into.
 */
export function unsetFieldsAsUnset(issues: readonly ConfigIssue[], rootKey: string, raw: unknown): ConfigIssue[] {
    return issues.map(issue => (issue.value === "undefined" && valueAt(raw, rootKey, issue.key) === undefined ? { ...issue, value: undefined } : issue));
}

/** The value at a path such as `applications[1].connections.toApps[0].app` inside `raw`, the value of `rootKey`. */
function valueAt(raw: unknown, rootKey: string, path: string): unknown {
    if (!path.startsWith(rootKey)) {
        return "(outside)";
    }
    let current: unknown = raw;
    for (const [, field, index] of path.slice(rootKey.length).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
        if (typeof current !== "object" || current === null) {
            return undefined;
        }
        current = (current as Record<string, unknown>)[field ?? Number(index)];
    }
    return current;
}

// One thing wrong with the stack config, phrased for the person who typed it,
// and how a list of them is printed: every problem at once, each with its fix.

export interface ConfigIssue {
    /** The key, or the path inside a structured key: `applications[1].connections.toApps[0]`. */
    readonly key: string;
    /** The value as typed; `undefined` when the key or field is not set at all. */
    readonly value: string | undefined;
    /** Follows the value: `"192.168.1.300" is not an IPv4 address ...`. */
    readonly problem: string;
    /**
     * What the problem line speaks of when it is not the value: a misspelt
     * field's name (`targetRevison is not a field of an Application`).
     */
    readonly subject?: string;
    readonly fix: string;
    /** A password or its hash: never printed (a mistaken value may be the password itself). */
    readonly hideValue?: boolean;
    /** The name of the Application the key lies in (`applications[14]`), printed beside its index. */
    readonly application?: string;
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

const ENTRY = /^applications\[(\d+)\]/;

/**
 * Names the Application of every issue whose key lies in one
 * (`applications[14]...`), so that the message says which one the index is:
 * the entry's `name` as typed, when it has one.
 */
export function withApplicationNames(issues: readonly ConfigIssue[], raw: unknown): ConfigIssue[] {
    return issues.map(issue => {
        const index = ENTRY.exec(issue.key)?.[1];
        const entry: unknown = index === undefined || !Array.isArray(raw) ? undefined : raw[Number(index)];
        const name = typeof entry === "object" && entry !== null ? (entry as { name?: unknown }).name : undefined;
        return typeof name === "string" && name.trim() !== "" ? { ...issue, application: name.trim() } : issue;
    });
}

/** The key as a reader finds it in the stack file: the Application's name beside its index. */
function shownKey(issue: ConfigIssue): string {
    return issue.application === undefined ? issue.key : issue.key.replace(ENTRY, match => `${match} (${issue.application})`);
}

/** Renders issues the way a compiler would: every problem, each with its fix. */
export function formatConfigIssues(issues: readonly ConfigIssue[], namespace: string, stack?: string): string {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const where = stack === undefined ? "" : ` of stack "${stack}"`;
    const lines = [`The network configuration${where} has ${count}; nothing was deployed.`, ""];
    for (const issue of issues) {
        const value = shown(issue);
        lines.push(`  ${namespace}:${shownKey(issue)} ${issue.value === undefined ? value.quoted : `= ${value.quoted}`}`);
        lines.push(`    ${issue.subject ?? value.bare} ${issue.problem}`);
        lines.push(`    fix: ${issue.fix}`);
        lines.push("");
    }
    return lines.join("\n");
}

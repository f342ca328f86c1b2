// One thing wrong with the stack config, phrased for the person who typed it,
// and how a list of them is printed: every problem at once, each with its fix.

export interface ConfigIssue {
    /** The key, or the path inside a structured key: `applications[1].connections.toApps[0]`. */
    readonly key: string;
    readonly value: string;
    /** Follows the value: `"192.168.1.300" is not an IPv4 address ...`. */
    readonly problem: string;
    readonly fix: string;
}

/** Renders issues the way a compiler would: every problem, each with its fix. */
export function formatConfigIssues(issues: readonly ConfigIssue[], namespace: string, stack?: string): string {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const where = stack === undefined ? "" : ` of stack "${stack}"`;
    const lines = [`The network configuration${where} has ${count}; nothing was deployed.`, ""];
    for (const issue of issues) {
        lines.push(`  ${namespace}:${issue.key} = ${JSON.stringify(issue.value)}`);
        lines.push(`    ${issue.value === "" ? "(empty)" : issue.value} ${issue.problem}`);
        lines.push(`    fix: ${issue.fix}`);
        lines.push("");
    }
    return lines.join("\n");
}

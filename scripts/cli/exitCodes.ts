// The exit codes of every homelab-network command, defined once: the tool's
// --help prints this table, each command's --help says what the codes mean
// for it, and docs/cli.md lists them (a test keeps the three in step).

export const EXIT = {
    /** Nothing to report: the plan is clean, the cluster matches, every rule was imported, the files are current. */
    clean: 0,
    /** The command ran and found something: a mandatory policy violation, a cluster mismatch, a rule not imported, a stale file. */
    findings: 1,
    /** The command line or the stack's config is wrong; nothing was checked. */
    usage: 2,
    /** The cluster could not be read: kubectl missing, the API unreachable or refusing. */
    cluster: 3,
    /** The tool itself failed (a bug): the message says what went wrong. */
    internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, in the words of the tool's --help and docs/cli.md. */
export const EXIT_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
    [EXIT.clean, "clean: nothing to report"],
    [EXIT.findings, "findings: the command ran and reports what it found"],
    [EXIT.usage, "config or usage error: the command line or the stack's config is wrong; nothing was checked"],
    [EXIT.cluster, "the cluster could not be read: kubectl missing, the API unreachable or refusing"],
    [EXIT.internal, "the tool failed unexpectedly (a bug); HOMELAB_NETWORK_DEBUG=1 prints its stack trace"],
];

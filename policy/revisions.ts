// Whether an Argo CD source's targetRevision pins what it deploys, as Argo CD
// resolves it (docs: user-guide/tracking_strategies). A Git source is pinned
// by a full commit SHA, which can never change meaning, or by a release tag
// (v1.2.3, 1.2.3, or any refs/tags/...), which is moved only on purpose; HEAD,
// an empty revision (HEAD too) and any other name follow a branch, so whatever
// is pushed there deploys without a review of the stack. A Helm chart (`chart`
// set) is pinned by one exact version; Argo CD reads anything else (1.2.*,
// ^1.2, >=1.0.0 <2.0.0, *) as a semver range and installs the newest chart it
// matches. An OCI source may also be pinned by its digest. Pure: the program's
// config, the pack and the live audit judge revisions with this one function.

/** The stack key (and pack config key) that lets Argo CD's Git sources follow branches: a lab's setting. */
export const ALLOW_BRANCH_REVISIONS_KEY = "argoCdAllowBranchRevisions";

/** One exact release (semver, optional leading v): never a range, a wildcard or latest. */
export const EXACT_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A full Git commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
const FULL_COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/i;
const OCI_DIGEST = /^sha256:[0-9a-f]{64}$/i;

export type RevisionVerdict =
    | { readonly pinned: true; readonly as: "commit" | "tag" | "version" | "digest" }
    /**
     * `branch`: a Git ref that moves (HEAD, a branch, a name that is no
     * release tag); `range`: a Helm version range or none; `short-commit`: an
     * abbreviated SHA; `templated`: filled in per Application by an
     * ApplicationSet's generators. `follows` completes "deploys ... at <revision>, ".
     */
    | { readonly pinned: false; readonly as: "branch" | "range" | "short-commit" | "templated"; readonly follows: string };

/** An Argo CD source as far as its revision goes. */
export interface RevisionSource {
    readonly targetRevision?: unknown;
    readonly chart?: unknown;
    readonly repoURL?: unknown;
}

/** The revision as written; a number (an unquoted YAML version) reads as its text. */
export function revisionText(source: RevisionSource): string {
    const value = source.targetRevision;
    return typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
}

export function judgeRevision(source: RevisionSource): RevisionVerdict {
    const revision = revisionText(source);
    if (revision.includes("{{")) {
        return { pinned: false, as: "templated", follows: "whatever the ApplicationSet's generators fill in for each Application, which no preview can judge" };
    }
    if (typeof source.chart === "string" && source.chart.trim() !== "") {
        if (EXACT_VERSION.test(revision)) {
            return { pinned: true, as: "version" };
        }
        return {
            pinned: false, as: "range",
            follows: revision === "" ? "no version, so Argo CD installs the newest chart" : "a version range, so Argo CD installs the newest chart it matches",
        };
    }
    if (revision === "" || revision.toUpperCase() === "HEAD") {
        return { pinned: false, as: "branch", follows: "the tip of the repository's default branch" };
    }
    if (FULL_COMMIT.test(revision)) {
        return { pinned: true, as: "commit" };
    }
    if (OCI_DIGEST.test(revision) && typeof source.repoURL === "string" && source.repoURL.startsWith("oci://")) {
        return { pinned: true, as: "digest" };
    }
    if (revision.startsWith("refs/tags/") || EXACT_VERSION.test(revision)) {
        return { pinned: true, as: "tag" };
    }
    if (SHORT_COMMIT.test(revision)) {
        return { pinned: false, as: "short-commit", follows: "an abbreviated commit SHA, which a later commit can come to share" };
    }
    return { pinned: false, as: "branch", follows: "the tip of a branch (a name that is neither a commit SHA nor a release tag)" };
}

/** How a fix names a pinned revision, for a chart or a Git source. */
export function pinnedRevisionHint(source: RevisionSource): string {
    return typeof source.chart === "string" && source.chart.trim() !== ""
        ? "an exact chart version such as 6.7.1"
        : "a full commit SHA (40 hex digits) or a release tag such as v1.2.3";
}

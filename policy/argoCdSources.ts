// Argo CD: what each Application (or every Application an ApplicationSet
// generates) deploys, pinned to a commit, a tag or an exact chart version
// (revisions.ts judges), so that what runs is what was reviewed. A lab may let
// Git sources follow branches (argoCdAllowBranchRevisions in its stack config).

import { ResourceValidationPolicy } from "@pulumi/policy";
import { KINDS } from "./definitions";
import { networkNeeds } from "./networkConfig";
import { ResourceView, isKind, isObject, metaName, objectsOf, via } from "./readers";
import { ALLOW_BRANCH_REVISIONS_KEY, RevisionVerdict, judgeRevision, pinnedRevisionHint, revisionText } from "./revisions";

/** One source of an Application or an ApplicationSet's template, with its verdict. */
export interface ArgoSourceRevision {
    /** e.g. `Argo CD Application guestbook`. */
    readonly owner: string;
    /** Where in the object: `spec.source`, `spec.sources[1]`, `spec.template.spec.source`. */
    readonly where: string;
    readonly repoURL: string;
    readonly chart?: string;
    readonly revision: string;
    readonly verdict: RevisionVerdict;
}

export function argoSourceRevisions(resource: ResourceView): ArgoSourceRevision[] {
    return objectsOf(resource).flatMap((view): ArgoSourceRevision[] => {
        const isApplication = isKind(view, KINDS.application);
        if (!isApplication && !isKind(view, KINDS.applicationSet)) {
            return [];
        }
        const base = isApplication ? "spec" : "spec.template.spec";
        const spec = isApplication ? view.props?.spec : view.props?.spec?.template?.spec;
        if (!isObject(spec)) {
            return [];
        }
        const sources: Array<[string, unknown]> = [
            [`${base}.source`, spec.source],
            ...(Array.isArray(spec.sources) ? spec.sources.map((s: unknown, i: number): [string, unknown] => [`${base}.sources[${i}]`, s]) : []),
        ];
        const owner = `Argo CD ${isApplication ? "Application" : "ApplicationSet"} ${metaName(view)}${via(view)}`;
        return sources.filter((entry): entry is [string, Record<string, any>] => isObject(entry[1])).map(([where, source]) => ({
            owner,
            where,
            repoURL: typeof source.repoURL === "string" ? source.repoURL : "(no repoURL)",
            ...(typeof source.chart === "string" ? { chart: source.chart } : {}),
            revision: revisionText(source),
            verdict: judgeRevision(source),
        }));
    });
}

/** Whether a verdict breaks the rule: anything not pinned, except a branch where the stack allows branches. */
export function revisionRefused(verdict: RevisionVerdict, allowBranches: boolean): verdict is Extract<RevisionVerdict, { pinned: false }> {
    return !verdict.pinned && !(verdict.as === "branch" && allowBranches);
}

/** What a source deploys and why that is not pinned: "deploys ... at HEAD, the tip of ...", to follow the owner's name. */
export function describeUnpinned(source: ArgoSourceRevision, verdict: Extract<RevisionVerdict, { pinned: false }>): string {
    const what = source.chart === undefined ? source.repoURL : `chart ${source.chart} of ${source.repoURL}`;
    return `deploys ${what} (${source.where}) at ${source.revision === "" ? "(no targetRevision)" : source.revision}, ${verdict.follows}`;
}

/** Why an unpinned source matters, by the kind of revision. */
export const UNPINNED_RISK: Readonly<Record<Extract<RevisionVerdict, { pinned: false }>["as"], string>> = {
    branch: "whatever is pushed there next deploys without a review of this stack, and no preview sees it",
    range: "each new chart release deploys without a review of this stack, and no preview sees it",
    "short-commit": "an abbreviated SHA is no pin",
    templated: "no preview can check what each generated Application deploys",
};

const pinnedNeeds = networkNeeds(ALLOW_BRANCH_REVISIONS_KEY);
export const argoCdSourcesPinned: ResourceValidationPolicy = {
    name: "argocd-sources-pinned",
    description:
        "Every source of an Argo CD Application and of an ApplicationSet's template is pinned: a Git source to a full commit SHA or a release tag (v1.2.3, refs/tags/...), " +
        "a Helm chart to one exact version, an OCI artifact to a tag or digest. HEAD, a branch, an abbreviated SHA or a version range deploys whatever is pushed " +
        `next, unreviewed and unseen by any preview; a lab may allow branches with ${ALLOW_BRANCH_REVISIONS_KEY}: true in its stack config.`,
    enforcementLevel: "mandatory",
    configSchema: pinnedNeeds.schema,
    validateResource: (args, reportViolation) => {
        const allowBranches = pinnedNeeds.read("argocd-sources-pinned", args.getConfig()).argoCdAllowBranchRevisions;
        for (const source of argoSourceRevisions(args)) {
            const verdict = source.verdict;
            if (!revisionRefused(verdict, allowBranches)) {
                continue;
            }
            const allow = verdict.as === "branch" ? `, or allow branches for a lab with ${ALLOW_BRANCH_REVISIONS_KEY}: true in its stack config` : "";
            reportViolation(
                `${source.owner} ${describeUnpinned(source, verdict)}: ${UNPINNED_RISK[verdict.as]}. ` +
                `Fix: set targetRevision to ${pinnedRevisionHint(source)}${allow}.`,
            );
        }
    },
};

// The Git sources of the stack's Applications pinned to a commit or a release
// tag (policy/revisions.ts judges, as the pack and the live audit do), unless
// the stack lets them follow branches (argoCdAllowBranchRevisions: a lab's
// setting). A chart's version is checked where the Application is parsed
// (config/applications.ts). Pure.

import { ALLOW_BRANCH_REVISIONS_KEY, judgeRevision, pinnedRevisionHint } from "../policy/revisions";
import type { ConfigIssue } from "./issues";

/** Every Git source of the raw `applications` list that does not pin what it deploys. */
export function revisionPinIssues(rawApplications: unknown, allowBranches: boolean): ConfigIssue[] {
    if (!Array.isArray(rawApplications)) {
        return [];
    }
    return rawApplications.flatMap((entry: unknown, index: number): ConfigIssue[] => {
        if (typeof entry !== "object" || entry === null) {
            return [];
        }
        const { targetRevision, chart, repoURL } = entry as Record<string, unknown>;
        if (typeof targetRevision !== "string" || chart !== undefined) {
            return [];
        }
        const verdict = judgeRevision({ targetRevision, repoURL });
        if (verdict.pinned || (verdict.as === "branch" && allowBranches)) {
            return [];
        }
        const allow = verdict.as === "branch" ? `; a lab that means to follow the branch sets ${ALLOW_BRANCH_REVISIONS_KEY}: true` : "";
        return [{
            key: `applications[${index}].targetRevision`,
            value: targetRevision,
            problem: `follows ${verdict.follows}: Argo CD deploys whatever is pushed there next, without a review of this stack`,
            fix: `pin ${pinnedRevisionHint({ targetRevision })} of ${typeof repoURL === "string" ? repoURL : "the repository"}${allow}`,
        }];
    });
}

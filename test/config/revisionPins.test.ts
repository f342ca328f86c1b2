// The stack's own Applications: Git sources pinned to a commit or a tag,
// unless the stack allows branches (argoCdAllowBranchRevisions, a lab's setting).
import * as assert from "assert";
import { revisionPinIssues } from "../../config/revisionPins";
import { stackSettingsOf } from "../../scripts/policyConfig";
import { StackFileError } from "../../scripts/stackFiles";
import { STACKS } from "../harness";

const git = (targetRevision: string) => ({ name: "guestbook", repoURL: "https://github.com/argoproj/argocd-example-apps.git", path: "guestbook", targetRevision });

describe("the Applications' Git revisions in the stack config", () => {
    it("refuses HEAD, a branch and an abbreviated SHA, naming the entry, the key to allow branches and the fix", () => {
        const issues = revisionPinIssues([git("6685f5e9edd9de72429d61d9de1b08c972892d2d"), git("HEAD"), git("develop"), git("6685f5e")], false);
        assert.deepStrictEqual(issues.map(i => [i.key, i.value]), [
            ["applications[1].targetRevision", "HEAD"], ["applications[2].targetRevision", "develop"], ["applications[3].targetRevision", "6685f5e"],
        ]);
        assert.match(issues[0].problem, /^follows the tip of the repository's default branch: Argo CD deploys whatever is pushed there next/);
        assert.match(issues[0].fix, /^pin a full commit SHA \(40 hex digits\) or a release tag such as v1\.2\.3 of https:\/\/github\.com\/argoproj\/argocd-example-apps\.git; a lab that means to follow the branch sets argoCdAllowBranchRevisions: true$/);
        assert.doesNotMatch(issues[2].fix, /argoCdAllowBranchRevisions/);
    });

    it("allows branches when the stack says so, never an abbreviated SHA; leaves chart versions to the Application's own check", () => {
        assert.deepStrictEqual(revisionPinIssues([git("HEAD"), git("main"), git("6685f5e")], true).map(i => i.value), ["6685f5e"]);
        assert.deepStrictEqual(revisionPinIssues([{ name: "podinfo", repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: "^6" }], false), []);
    });

    it("lets the lab follow guestbook's HEAD (it sets argoCdAllowBranchRevisions), and stops it without the key", () => {
        assert.strictEqual(stackSettingsOf(STACKS, "lab").argoCdAllowBranchRevisions, true);
        assert.strictEqual(stackSettingsOf(STACKS, "home").argoCdAllowBranchRevisions, false);
        assert.throws(() => stackSettingsOf(STACKS, "lab", { argoCdAllowBranchRevisions: "false" }), (error: unknown) =>
            error instanceof StackFileError && /homelab-network:applications\[1\] \(guestbook\)\.targetRevision = "HEAD"/.test(error.message));
    });
});

// Whether an Argo CD source's targetRevision pins what it deploys: one judge
// for the program's config, the pack and the live audit.
import * as assert from "assert";
import { judgeRevision } from "../../policy/revisions";

const GIT = "https://github.com/argoproj/argocd-example-apps.git";

describe("judging an Argo CD targetRevision", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["a full commit SHA", { repoURL: GIT, targetRevision: "6685f5e9edd9de72429d61d9de1b08c972892d2d" }, "pinned commit"],
        ["a release tag", { repoURL: GIT, targetRevision: "v1.2.3" }, "pinned tag"],
        ["a release tag without v, and with a pre-release", { repoURL: GIT, targetRevision: "1.2.3-rc.1" }, "pinned tag"],
        ["an explicit tag ref", { repoURL: GIT, targetRevision: "refs/tags/stable" }, "pinned tag"],
        ["an exact chart version", { repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: "6.7.1" }, "pinned version"],
        ["an OCI artifact by digest", { repoURL: "oci://ghcr.io/org/manifests", targetRevision: `sha256:${"a".repeat(64)}` }, "pinned digest"],
        ["HEAD", { repoURL: GIT, targetRevision: "HEAD" }, "unpinned branch"],
        ["no targetRevision (HEAD)", { repoURL: GIT }, "unpinned branch"],
        ["an empty targetRevision (HEAD)", { repoURL: GIT, targetRevision: " " }, "unpinned branch"],
        ["main", { repoURL: GIT, targetRevision: "main" }, "unpinned branch"],
        ["an explicit branch ref", { repoURL: GIT, targetRevision: "refs/heads/v1.2.3" }, "unpinned branch"],
        ["a two-part version, re-tagged by convention", { repoURL: GIT, targetRevision: "v1.2" }, "unpinned branch"],
        ["an abbreviated SHA", { repoURL: GIT, targetRevision: "6685f5e" }, "unpinned short-commit"],
        ["a chart range with a caret", { repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: "^6.7" }, "unpinned range"],
        ["a chart wildcard", { repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: "6.*" }, "unpinned range"],
        ["a chart comparison", { repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: ">=6.0.0 <7.0.0" }, "unpinned range"],
        ["a chart without a version", { repoURL: "https://charts.example.org", chart: "podinfo" }, "unpinned range"],
        ["a chart pinned to a commit SHA, which no Helm repository serves", { repoURL: "https://charts.example.org", chart: "podinfo", targetRevision: "6685f5e9edd9de72429d61d9de1b08c972892d2d" }, "unpinned range"],
        ["a revision an ApplicationSet generates", { repoURL: GIT, targetRevision: "{{revision}}" }, "unpinned templated"],
    ];
    for (const [what, source, expected] of cases) {
        it(`judges ${what}: ${expected}`, () => {
            const verdict = judgeRevision(source);
            assert.strictEqual(`${verdict.pinned ? "pinned" : "unpinned"} ${verdict.as}`, expected);
        });
    }
});

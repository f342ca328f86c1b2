// Fixes read from the pinned upstream charts: Hubble's
// certificates renewed, Traefik's CRDs upgraded with its chart, Traefik not
// calling home. Chart facts are cited where they are asserted.
import * as assert from "assert";
import { HUBBLE_TLS } from "../../platform/cilium";
import { ProgramRun, findResource, resourcesOfType, runProgram, waitsFor } from "../harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    command: "command:local:Command",
    cnp: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
} as const;

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

/** Whether a Kubernetes label selector selects a pod with these labels. */
function selects(selector: Selector, labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    const byExpressions = (selector.matchExpressions ?? []).every(e => {
        const has = e.key in labels;
        switch (e.operator) {
            case "In": return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn": return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists": return has;
            case "DoesNotExist": return !has;
            default: throw new Error(`unknown operator ${e.operator}`);
        }
    });
    return byLabels && byExpressions;
}

for (const stack of ["home", "lab"]) {
    describe(`upstream fixes in the ${stack} stack`, () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram(stack);
        });

        // Cilium chart 1.19 (values.yaml, templates/hubble/tls-helm and tls-cronjob): with method
        // helm the certificates are generated once and looked up again on every upgrade, so they
        // expire after certValidityDuration days; cronJob runs cilium-certgen as a Job at install
        // and as a CronJob on `schedule`.
        it("lets a CronJob renew Hubble's certificates, well inside their validity", () => {
            const values = findResource(run, T.release, "cilium-release").inputs.values;
            assert.deepStrictEqual(values.hubble.tls, {
                enabled: true,
                auto: { enabled: true, method: "cronJob", certValidityDuration: 365, schedule: "0 0 1 */4 *" },
            });
        });

        it("leaves the certgen Job's pods (k8s-app: hubble-generate-certs, pod network) to reach the API: no policy selects them", () => {
            assert.strictEqual(run.resources.filter(r => /CiliumClusterwideNetworkPolicy$/.test(r.type)).length, 0, "no clusterwide policy");
            const kubeSystem = resourcesOfType(run, T.cnp).filter(r => r.inputs.metadata.namespace === HUBBLE_TLS.certgen.namespace);
            assert.ok(kubeSystem.length > 0);
            for (const policy of kubeSystem) {
                assert.ok(!selects(policy.inputs.spec.endpointSelector, HUBBLE_TLS.certgen.labels),
                    `${policy.inputs.metadata.name} selects the certgen pods; allow them egress to kube-apiserver or they cannot write the Secrets`);
            }
        });

        // Traefik chart 41.3.0: templates/_podtemplate.tpl passes --global.checkNewVersion=false only
        // when global.checkNewVersion is false (values.yaml: true); global.sendAnonymousUsage is false.
        it("keeps Traefik from calling home at start", () => {
            const values = findResource(run, T.release, "traefik-release").inputs.values;
            assert.deepStrictEqual(values.global, { checkNewVersion: false, sendAnonymousUsage: false });
        });

        it("applies the pinned chart's own CRDs before the release, which skips its bundled copy", () => {
            const release = findResource(run, T.release, "traefik-release");
            const crds = findResource(run, T.command, "traefik-crds");
            assert.strictEqual(release.inputs.skipCrds, true);
            assert.strictEqual(crds.inputs.create, `node -r ./scripts/register-ts.js components/traefik/apply-crds.ts https://traefik.github.io/charts traefik ${release.inputs.version}`);
            assert.strictEqual(release.inputs.repositoryOpts.repo, "https://traefik.github.io/charts", "the CRDs come from the repository the release installs from");
            assert.ok(waitsFor(run, release, crds), "the release waits for its CRDs");
            assert.strictEqual(crds.inputs.delete, undefined, "CRDs stay on destroy, as Helm leaves them (deleting one deletes every object of its kind)");
            assert.ok(!waitsFor(run, findResource(run, T.release, "argocd-release"), crds));
        });
    });
}

describe("Traefik's CRDs follow its chart", () => {
    it("re-applies the CRDs of the new chart version when the chart is upgraded", async () => {
        const base = await runProgram("home");
        const upgraded = await runProgram("home", { traefikChartVersion: "41.4.0" });
        assert.match(findResource(upgraded, T.command, "traefik-crds").inputs.create, / traefik 41\.4\.0$/);
        const before = new Map(base.resources.map(r => [r.urn, JSON.stringify(r.inputs)]));
        const changed = upgraded.resources.filter(r => before.get(r.urn) !== JSON.stringify(r.inputs)).map(r => r.name).sort();
        assert.deepStrictEqual(changed, ["post-deploy-checks-audit", "post-deploy-checks-run", "traefik-crds", "traefik-release"]);
    });
});

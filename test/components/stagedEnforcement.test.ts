// Staged enforcement (an Application's `enforcement: staged`): its policies
// and its namespace's baseline allow what is declared and deny nothing else,
// through Cilium's enableDefaultDeny, which the pinned CRD schema accepts;
// the pack lets the open namespace pass because the Application says so, and
// the plan lists the staged Applications.
import * as assert from "assert";
import { applicationManifest } from "../../components/argocd/application";
import { connectionPolicies } from "../../components/network-policy/graph";
import { WorkloadPolicy, ciliumPolicySpec } from "../../components/network-policy/policy";
import { ingressFrontends } from "../../platform/traefik";
import { address } from "../../config/addressPlan";
import { ApplicationSpec, parseApplications } from "../../config/applications";
import { formatConfigIssues } from "../../config/issues";
import { ENFORCEMENT_ANNOTATION, KINDS, TYPES } from "../../policy/definitions";
import { applicationsHaveNetworkPolicies } from "../../policy/isolation";
import { enforcementLines } from "../../scripts/plan";
import { crdProblems } from "../crdValidation";
import type { RecordedResource } from "../harness";

const FRONTENDS = ingressFrontends(address(0xc0a801e7), address(0xc0a801ef));
const source = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0", path: "apps/x" };

function specs(apps: unknown[]): ApplicationSpec[] {
    const parsed = parseApplications(apps, { entrypoints: ["web", "websecure", "web239", "websecure239"] });
    assert.deepStrictEqual(parsed.issues, [], formatConfigIssues(parsed.issues, "homelab-network"));
    return parsed.specs;
}

const HOME_APPS = [
    { name: "longhorn", namespace: "longhorn", ...source, enforcement: "staged", workloads: [{ name: "ui", selector: { app: "longhorn-ui" }, connections: { from: [{ platform: "traefik", ports: [8000] }] } }] },
    { name: "lidarr", namespace: "media", ...source, connections: { from: [{ platform: "traefik", ports: [8686] }] } },
];

function policiesOf(apps: ApplicationSpec[]): WorkloadPolicy[] {
    const graph = connectionPolicies(apps, FRONTENDS);
    return [...[...graph.namespaces.values()].flat(), ...[...graph.applications.values()].flat()];
}

const asResource = (policy: WorkloadPolicy): RecordedResource => ({
    type: TYPES.ciliumNetworkPolicy, name: `${policy.namespace}-${policy.name}`, urn: `urn:pulumi:t::p::${TYPES.ciliumNetworkPolicy}::${policy.namespace}-${policy.name}`,
    custom: true, parent: "", dependencies: [], protect: false, secretPaths: [], aliases: [],
    inputs: { ...KINDS.ciliumNetworkPolicy, metadata: { name: policy.name, namespace: policy.namespace }, spec: ciliumPolicySpec(policy) },
});

describe("staged enforcement", () => {
    it("turns default deny off in a staged Application's policies and its namespace's baseline, and nowhere else", () => {
        const rendered: Record<string, any> = Object.fromEntries(policiesOf(specs(HOME_APPS)).map(p => [`${p.namespace}/${p.name}`, ciliumPolicySpec(p)]));
        const off = { ingress: false, egress: false };
        assert.deepStrictEqual(rendered["longhorn/default-deny"], { endpointSelector: { matchLabels: {} }, enableDefaultDeny: off, ingress: [{}], egress: [{}] });
        assert.deepStrictEqual(rendered["longhorn/allow-dns"].enableDefaultDeny, off);
        assert.deepStrictEqual(rendered["longhorn/app-longhorn.ui"].enableDefaultDeny, off);
        // What the staged policy allows is unchanged: the declared connection.
        assert.deepStrictEqual(rendered["longhorn/app-longhorn.ui"].ingress[0].toPorts, [{ ports: [{ port: "8000", protocol: "TCP" }] }]);
        for (const key of ["media/default-deny", "media/allow-dns", "media/app-lidarr"]) {
            assert.strictEqual(rendered[key].enableDefaultDeny, undefined, key);
        }
    });

    it("stages a namespace's baseline when any Application in it is staged: one policy in default deny would enforce them all", () => {
        const shared = specs([
            { name: "a", namespace: "tools", ...source, enforcement: "staged", workloads: [{ name: "a", selector: { app: "a" } }] },
            { name: "b", namespace: "tools", ...source, workloads: [{ name: "b", selector: { app: "b" } }] },
        ]);
        const rendered: Record<string, any> = Object.fromEntries(policiesOf(shared).map(p => [`${p.namespace}/${p.name}`, ciliumPolicySpec(p)]));
        assert.deepStrictEqual(rendered["tools/default-deny"].enableDefaultDeny, { ingress: false, egress: false });
        assert.strictEqual(rendered["tools/app-b.b"].enableDefaultDeny, undefined);
        assert.deepStrictEqual(enforcementLines({ applications: shared })[2], "  note: b enforces only through its own policies: its namespace's baseline is staged");
    });

    it("writes policies the pinned CiliumNetworkPolicy CRD schema accepts, and the schema check can refuse a wrong enableDefaultDeny", async () => {
        const resources = policiesOf(specs(HOME_APPS)).map(asResource);
        assert.strictEqual(resources.filter(r => r.inputs.spec.enableDefaultDeny !== undefined).length, 3);
        assert.deepStrictEqual(await crdProblems(resources), []);
        const wrong = asResource({ name: "x", namespace: "longhorn", podLabels: {}, ingress: [] });
        wrong.inputs.spec.enableDefaultDeny = { ingress: "off", egres: false };
        const problems = await crdProblems([wrong]);
        assert.deepStrictEqual(problems.map(p => p.path).sort(), ["/spec/enableDefaultDeny/egres", "/spec/enableDefaultDeny/ingress"]);
    });

    it("annotates a staged Application, so the pack tells staging from a forgotten default deny", () => {
        const [staged, enforced] = specs(HOME_APPS);
        assert.strictEqual(applicationManifest(staged).metadata.annotations?.[ENFORCEMENT_ANNOTATION], "staged");
        assert.strictEqual(applicationManifest(enforced).metadata.annotations, undefined);
    });

    it("lets the pack pass a staged namespace without default deny, and still fails the same namespace unannotated", async () => {
        const [staged] = specs(HOME_APPS);
        const manifest = applicationManifest(staged);
        const baseline = policiesOf([staged]).filter(p => p.namespace === "longhorn").map(asResource);
        const run = async (application: object) => {
            const messages: string[] = [];
            const resources = [{ type: TYPES.application, props: application }, ...baseline.map(r => ({ type: r.type, props: r.inputs }))];
            await applicationsHaveNetworkPolicies.validateStack({
                resources: resources.map((r, i) => ({ ...r, name: `r${i}`, urn: `urn:${i}`, opts: {}, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined })) as any,
                stackTags: new Map(), getConfig: () => ({}) as any, notApplicable: () => { throw new Error("n/a"); },
            }, (m: string) => messages.push(m));
            return messages;
        };
        assert.deepStrictEqual(await run(manifest), []);
        const unannotated = { ...manifest, metadata: { ...manifest.metadata, annotations: {} } };
        const [message] = await run(unannotated);
        assert.match(message, /deploys into namespace longhorn, which has no default deny for ingress and egress.*it sets enableDefaultDeny\.ingress: false/);
    });

    it("refuses an enforcement mode it does not know, naming both", () => {
        const { issues } = parseApplications([{ name: "a", ...source, enforcement: "audit" }]);
        assert.deepStrictEqual(issues.map(i => [i.key, i.value, i.problem]), [["applications[0].enforcement", "audit", "is not one of enforce, staged"]]);
    });

    it("prints which Applications are staged in the plan", () => {
        assert.deepStrictEqual(enforcementLines({ applications: specs(HOME_APPS) }).slice(0, 2), [
            "Policy enforcement: 1 of 2 Applications staged (enableDefaultDeny off: declared connections allowed, nothing else denied)",
            "  staged  longhorn                     namespace longhorn",
        ]);
        assert.deepStrictEqual(enforcementLines({ applications: specs([HOME_APPS[1]]) }), ["Policy enforcement: all 1 Applications enforce (default deny)"]);
    });
});

// docs/runbooks.md, "Take over a running cluster": its commands name the
// program's resources, kinds, namespaces, URNs, config keys and Leases. Each
// is checked against the program as it runs for the home stack, so renaming
// a resource or a component breaks this test before it breaks a take-over.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { command as importCommand } from "../scripts/cli/importPolicies";
import { command as diffCommand } from "../scripts/cli/policyDiff";
import { CLEANUP_HEADING, LIVE_POLICY_RESOURCE } from "../scripts/policyImport/cleanup";
import { ENFORCEMENT_MODES } from "../config/applications";
import { KUBE_VIP } from "../platform/kube-vip";
import { TRAEFIK } from "../platform/traefik";
import { readProjectFile } from "../scripts/stackFiles";
import { ProgramRun, REPO_ROOT, runProgram } from "./harness";

function section(): string {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "runbooks.md"), "utf8");
    const start = text.indexOf("## Take over a running cluster\n");
    assert.ok(start >= 0, "docs/runbooks.md has the section");
    const end = text.indexOf("\n## ", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
}

/** Every command line of the section's shell blocks. */
function commands(text: string): string[] {
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(m => m[1].split("\n").map(line => line.trim()).filter(line => line !== ""));
}

describe("docs/runbooks.md: Take over a running cluster", () => {
    const text = section();
    const lines = commands(text);
    let run: ProgramRun;
    before(async function () {
        this.timeout(60000);
        // Applications add nothing the runbook names: the platform alone is faster to run.
        run = await runProgram("home", { applications: [] });
    });

    it("imports each object under the program's type, name and parent, with the namespace and name the program gives it", () => {
        const imports = lines.filter(line => line.startsWith("pulumi import "));
        assert.strictEqual(imports.length, 5);
        for (const line of imports) {
            const match = /^pulumi import --stack home (\S+) (\S+) (\S+)\/(\S+) --parent '([^=]+)=([^']+)'/.exec(line);
            assert.ok(match, `an import of one object with its parent: ${line}`);
            const [, type, name, namespace, objectName, , parent] = match;
            const resource = run.resources.find(r => r.type === type && r.name === name);
            assert.ok(resource, `the program declares ${type} ${name}`);
            const actual = type === "kubernetes:helm.sh/v3:Release"
                ? [resource.inputs.namespace, resource.inputs.name]
                : [resource.inputs.metadata?.namespace, resource.inputs.metadata?.name];
            assert.deepStrictEqual(actual, [namespace, objectName], line);
            assert.strictEqual(resource.parent, parent, `${name}'s parent`);
        }
    });

    it("registers exactly the components the imports hang under", () => {
        const targeted = [...(lines.find(line => line.startsWith("pulumi up --stack home --target")) ?? "").matchAll(/--target '([^']+)'/g)].map(m => m[1]);
        const parents = [...new Set(lines.filter(line => line.startsWith("pulumi import ")).map(line => /=([^']+)'/.exec(line)![1]))];
        assert.deepStrictEqual([...targeted].sort(), [...parents].sort());
        for (const urn of targeted) {
            assert.ok(run.resources.some(r => r.urn === urn && !r.custom), `${urn} is a component of the program`);
        }
    });

    it("names the cluster-scoped roles the program creates", () => {
        for (const role of [...text.matchAll(/`(system:kube-vip[-a-z]*)`/g)].map(m => m[1])) {
            assert.ok(run.resources.some(r => /ClusterRole(Binding)?$/.test(r.type) && r.inputs.metadata?.name === role), role);
        }
    });

    it("waits on the program's DaemonSets, and names its Leases and Traefik's namespace as the program sets them", () => {
        for (const [, namespace, name] of lines.flatMap(line => [...line.matchAll(/^kubectl -n (\S+) rollout status daemonset\/(\S+)$/g)])) {
            assert.ok(run.resources.some(r => r.type === "kubernetes:apps/v1:DaemonSet" && r.inputs.metadata?.namespace === namespace && r.inputs.metadata?.name === name), `${namespace}/${name}`);
        }
        assert.ok(text.includes(`(\`${KUBE_VIP.controlPlane.lease}\`)`));
        assert.ok(lines.includes(`kubectl -n ${TRAEFIK.namespace} get service ${TRAEFIK.release} -o wide`));
    });

    it("sets only config keys Pulumi.yaml declares, and uses options the commands have", () => {
        const declared = Object.keys(readProjectFile(REPO_ROOT).config);
        const keys = lines.filter(line => line.startsWith("pulumi config set ")).map(line => line.split(" ")[3]);
        assert.deepStrictEqual(keys, ["adoptRunningKubeVip"]);
        for (const key of keys) {
            assert.ok(declared.includes(key), key);
        }
        const importLine = lines.find(line => line.startsWith("npm run import-policies -- "))!;
        for (const option of [...importLine.matchAll(/--([a-z-]+)/g)].map(m => m[1])) {
            assert.ok(option in importCommand.options, `import-policies --${option}`);
        }
        assert.ok(lines.includes("pulumi config set adoptRunningKubeVip true --stack home"));
    });

    it("deletes the policy files after a diff with options policy-diff has, as the importer's cleanup lists them, then switches staged Applications to enforce", () => {
        const diffLine = lines.find(line => line.startsWith("npm run policy-diff -- "));
        assert.ok(diffLine, "step 6 runs the diff");
        const importLine = lines.find(line => line.startsWith("npm run import-policies -- "))!;
        // The same folder and stack the import read.
        assert.strictEqual(diffLine.split(" ")[4], importLine.split(" ")[4]);
        for (const option of [...diffLine.matchAll(/--([a-z-]+)/g)].map(m => m[1])) {
            assert.ok(option in diffCommand.options, `policy-diff --${option}`);
        }
        assert.ok(text.includes(`under "${CLEANUP_HEADING}"`));
        assert.ok(text.includes(`\`kubectl -n <namespace> delete ${LIVE_POLICY_RESOURCE} <names>\``));
        for (const mode of ["staged", "enforce"]) {
            assert.ok((ENFORCEMENT_MODES as readonly string[]).includes(mode) && text.includes(`\`enforcement: ${mode}\``), mode);
        }
        assert.ok(text.indexOf("\n6. Policies") < text.indexOf("\n7. Enforce"));
    });
});

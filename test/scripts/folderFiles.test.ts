// How the importer and policy-diff read a folder's YAML (scripts/policyImport/files.ts):
// js-yaml first, yaml for what js-yaml refuses. The values must be what yaml
// alone would give, so that the faster reader changes no import and no diff.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { folderFiles } from "../../scripts/policyImport/files";

const FILES: Record<string, string> = {
    // Several documents, an empty one, comments before the first marker, quoted and plain scalars of every core type.
    "apps/web/policy.yaml": [
        "# the web app's policy",
        "---",
        "apiVersion: cilium.io/v2",
        "kind: CiliumNetworkPolicy",
        "metadata: {name: web, namespace: web}",
        "spec:",
        "  endpointSelector: {matchLabels: {app: web}}",
        "  ingress:",
        "    - toPorts: [{ports: [{port: \"8080\", protocol: TCP}, {port: 9090}]}]",
        "      fromEntities: [world]",
        "---",
        "---",
        "kind: ConfigMap",
        "data: {on: yes, off: no, empty: ~, float: 1.5e3, octal: 0o17, hex: 0x1f, date: 2024-01-01, anchored: &a x, alias: *a}",
        "",
    ].join("\n"),
    // A tag js-yaml does not know, which yaml reads with a warning, as an empty string (mkdocs.yaml in the home repository).
    "mkdocs.yaml": "markdown_extensions:\n  - pymdownx.superfences:\n      custom_fences:\n        - format: !!python/name:pymdownx.superfences.fence_code_format\n",
    // Not YAML: a Helm template.
    "chart/templates/policy.yaml": "kind: CiliumNetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}\n  labels: [a\n",
    "secret.enc.yaml": "sops: {}\n",
    "apps/web/secret.yaml": "kind: Secret\ndata:\n  password: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.9.0\n",
};

describe("reading a folder's YAML for the importer and policy-diff", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "folder-files-"));
        for (const [file, text] of Object.entries(FILES)) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), text);
        }
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("gives every readable file the values yaml alone gives, documents in order", () => {
        const read = folderFiles(root, []).flatMap(f => (f.state === "read" ? [f] : []));
        assert.deepStrictEqual(read.map(f => f.file), ["apps/web/policy.yaml", "mkdocs.yaml"]);
        for (const f of read) {
            const alone = parseAllDocuments(fs.readFileSync(path.join(root, f.file), "utf8"));
            assert.deepStrictEqual(f.values, (Array.isArray(alone) ? alone : [alone]).map(d => d.toJS()), f.file);
        }
        const [policy, empty, config] = read[0].values as Array<Record<string, any>>;
        assert.deepStrictEqual(policy.spec.ingress[0].toPorts[0].ports, [{ port: "8080", protocol: "TCP" }, { port: 9090 }]);
        assert.strictEqual(empty, null);
        // YAML 1.2's core schema: yes and no are text, 0o17 is octal, a date stays text.
        assert.deepStrictEqual(config.data, { on: "yes", off: "no", empty: null, float: 1500, octal: 15, hex: 31, date: "2024-01-01", anchored: "x", alias: "x" });
        assert.deepStrictEqual(read[1].values, [{ markdown_extensions: [{ "pymdownx.superfences": { custom_fences: [{ format: "" }] } }] }]);
    });

    it("names why a file is not YAML, and leaves encrypted files unread, by name or by their sops block", () => {
        const byFile = new Map(folderFiles(root, []).map(f => [f.file, f]));
        const template = byFile.get("chart/templates/policy.yaml")!;
        assert.strictEqual(template.state, "broken");
        assert.match(template.state === "broken" ? template.reason : "", /^not YAML: \S/);
        assert.strictEqual(byFile.get("secret.enc.yaml")!.state, "encrypted");
        assert.strictEqual(byFile.get("apps/web/secret.yaml")!.state, "encrypted");
        assert.deepStrictEqual(folderFiles(root, ["chart", "mkdocs.yaml"]).map(f => f.file), ["apps/web/policy.yaml", "apps/web/secret.yaml", "secret.enc.yaml"]);
    });
});

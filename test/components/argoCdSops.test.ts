import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { ageKeyFile, KUSTOMIZE_BUILD_OPTIONS, SOPS, SOPS_IMAGES, sopsRepoServerValues } from "../../components/argocd/sops";
import { CHART_EXCLUSIONS, OWNED_BY_STACK, resourceCustomizations, resourceExclusionsText } from "../../components/argocd/ownership";
import { argoCdValues } from "../../components/argocd/values";
import { formatConfigIssues } from "../../config/issues";
import { parsePlatformAccess } from "../../config/platformAccess";
import { argoCdNeedsReport, scanSource } from "../../scripts/argoCdNeeds";
import { plan } from "../../scripts/plan";
import { secretValue } from "../../scripts/stackFiles";
import { REPO_ROOT, findResource, runProgram } from "../harness";

// A fixed fake key, made with age-keygen's format by age-encryption's
// generateX25519Identity; it protects nothing.
const FAKE_KEY = "AGE-SECRET-KEY-1WY2TU3HYGX35MU5FVH4VMWDVJC5UDEU2M2T98LRZ0LSRTSL8U8JQZ6856H";
const FAKE_RECIPIENT = "age1pfwmnp2p0x6jmetuas6ga99jmr8mmmd736km70lnxamy0he5zgcqdsrt7z";
const KEY_FILE = `# created: 2026-12-04T16:00:00Z\n# public key: ${FAKE_RECIPIENT}\n${FAKE_KEY}\n`;

describe("SOPS for Argo CD", () => {
    describe("the repo server's values (argo-cd chart 10.1.1)", () => {
        const values = argoCdValues({ sops: true });

        it("sets only keys the chart's repoServer section has: volumes, initContainers, volumeMounts, env, extraContainers", () => {
            // The chart's values.yaml at argo-cd-10.1.1 declares each of these
            // as a list under repoServer, and its repo-server Deployment
            // template concatenates them with the chart's own.
            assert.deepStrictEqual(Object.keys(values.repoServer!).sort(), ["env", "extraContainers", "initContainers", "volumeMounts", "volumes"]);
        });

        it("mounts the tools, the key and the plugin's config from volumes of its own and the chart's plugins and var-files", () => {
            const repo = sopsRepoServerValues();
            assert.deepStrictEqual(repo.volumes, [
                { name: "custom-tools", emptyDir: {} },
                { name: "sops-age", secret: { secretName: "sops-age" } },
                { name: "cmp-tmp", emptyDir: {} },
                { name: "argocd-cmp-cm", configMap: { name: "argocd-cmp-cm" } },
            ]);
            assert.deepStrictEqual(repo.initContainers.map(c => [c.name, c.image, (c.args as string[])[0]]), [
                ["install-ksops", SOPS_IMAGES.ksops, "cp ksops kustomize /custom-tools/"],
                ["install-sops", SOPS_IMAGES.sops, "cp /usr/local/bin/sops /custom-tools/"],
                ["install-helm", SOPS_IMAGES.helm, "cp /usr/bin/helm /custom-tools/"],
            ]);
            assert.deepStrictEqual(repo.volumeMounts.map(m => m.mountPath), ["/usr/local/bin/kustomize", "/usr/local/bin/ksops", "/usr/local/bin/sops", "/.config/sops/age"]);
            assert.deepStrictEqual(repo.env, [{ name: "SOPS_AGE_KEY_FILE", value: "/.config/sops/age/keys.txt" }]);
            const sidecar = repo.extraContainers[0];
            assert.strictEqual(sidecar.name, "cmp-sops-decrypt");
            assert.deepStrictEqual(sidecar.command, ["/var/run/argocd/argocd-cmp-server"]);
            assert.strictEqual(sidecar.securityContext.runAsUser, 999, "the user argocd-cmp-server expects");
            const mounts = Object.fromEntries(sidecar.volumeMounts.map(m => [m.mountPath, m.name]));
            assert.strictEqual(mounts["/var/run/argocd"], "var-files");
            assert.strictEqual(mounts["/home/argocd/cmp-server/plugins"], "plugins");
            assert.strictEqual(mounts["/home/argocd/cmp-server/config/plugin.yaml"], "argocd-cmp-cm");
            assert.deepStrictEqual(sidecar.volumeMounts.find(m => m.mountPath.endsWith("plugin.yaml")), { mountPath: "/home/argocd/cmp-server/config/plugin.yaml", subPath: "cmp-sops-decrypt.yaml", name: "argocd-cmp-cm" }, "the chart writes <plugin>.yaml into argocd-cmp-cm");
            assert.strictEqual(mounts["/tmp"], "cmp-tmp", "never the repo server's /tmp");
            assert.strictEqual(mounts["/usr/local/bin/helm"], "custom-tools");
        });

        it("creates the plugin through the chart's configs.cmp, discovered by values.enc.yaml, and builds with KSOPS's flags", () => {
            assert.deepStrictEqual(Object.keys(values.configs.cmp!.plugins), ["cmp-sops-decrypt"]);
            assert.strictEqual(values.configs.cmp!.create, true);
            const plugin = values.configs.cmp!.plugins["cmp-sops-decrypt"];
            assert.deepStrictEqual(plugin.discover, { fileName: "values.enc.yaml" });
            assert.match(plugin.generate.args[0], /sops --decrypt --input-type yaml --output-type yaml values\.enc\.yaml > values\.yaml;/);
            assert.match(plugin.generate.args[0], /kustomize build --enable-helm --enable-alpha-plugins --enable-exec \.\n$/);
            assert.strictEqual(values.configs.cm["kustomize.buildOptions"], "--enable-helm --enable-alpha-plugins --enable-exec");
        });

        it("deploys none of it without a key", () => {
            const plain = argoCdValues({});
            assert.strictEqual("repoServer" in plain, false);
            assert.strictEqual("cmp" in plain.configs, false);
            assert.strictEqual(plain.configs.cm["kustomize.buildOptions"], KUSTOMIZE_BUILD_OPTIONS.plain);
        });

        it("pins every tool image to a tag, and Renovate's rule reads each of them from sops.ts", () => {
            const renovate = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "renovate.json"), "utf8"));
            const managers = renovate.customManagers.filter((m: any) => m.managerFilePatterns.some((p: string) => new RegExp(p.slice(1, -1)).test("components/argocd/sops.ts")));
            assert.strictEqual(managers.length, 1);
            assert.strictEqual(managers[0].datasourceTemplate, "docker");
            const text = fs.readFileSync(path.join(REPO_ROOT, "components/argocd/sops.ts"), "utf8");
            const found = [...text.matchAll(new RegExp(managers[0].matchStrings[0], "g"))].map(m => `${m.groups!.depName}:${m.groups!.currentValue}`);
            assert.deepStrictEqual(found.sort(), Object.values(SOPS_IMAGES).sort());
            for (const image of Object.values(SOPS_IMAGES)) {
                assert.match(image, /:v?\d+\.\d+\.\d+(-alpine)?$/, image);
            }
        });
    });

    describe("argocd-cm", () => {
        it("excludes network policies and Namespaces, and keeps the chart's own exclusions", () => {
            const exclusions = parse(resourceExclusionsText());
            for (const owned of Object.values(OWNED_BY_STACK)) {
                assert.ok(exclusions.some((e: any) => JSON.stringify(e) === JSON.stringify({ apiGroups: owned.apiGroups, kinds: owned.kinds })), JSON.stringify(owned));
            }
            assert.deepStrictEqual(exclusions.slice(0, CHART_EXCLUSIONS.length), JSON.parse(JSON.stringify(CHART_EXCLUSIONS)));
            assert.ok(exclusions.some((e: any) => e.apiGroups.includes("cilium.io") && e.kinds.includes("CiliumNetworkPolicy")));
            assert.ok(exclusions.some((e: any) => e.apiGroups.includes("") && e.kinds.includes("Namespace")));
        });

        it("ignores webhooks' injected caBundle and CRDs' defaulted preserveUnknownFields, as the home cluster does", () => {
            const custom = resourceCustomizations();
            for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
                assert.deepStrictEqual(parse(custom[`resource.customizations.ignoreDifferences.admissionregistration.k8s.io_${kind}`]), { jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"] });
            }
            assert.deepStrictEqual(parse(custom["resource.customizations.ignoreDifferences.apiextensions.k8s.io_CustomResourceDefinition"]), { jsonPointers: ["/spec/preserveUnknownFields"] });
            const cm: Record<string, string> = argoCdValues({}).configs.cm;
            assert.strictEqual(cm["resource.customizations.ignoreDifferences.admissionregistration.k8s.io_MutatingWebhookConfiguration"], custom["resource.customizations.ignoreDifferences.admissionregistration.k8s.io_MutatingWebhookConfiguration"]);
        });
    });

    describe("the key in stack config", () => {
        const read = (values: Record<string, string>) => (key: string) => values[key];

        it("refuses the key written in clear, without printing it", () => {
            const { issues } = parsePlatformAccess(read({ argoCdSopsAgeKey: KEY_FILE }), () => false, undefined);
            assert.deepStrictEqual(issues.map(i => i.key), ["argoCdSopsAgeKey"]);
            assert.match(issues[0].problem, /written in clear/);
            const text = formatConfigIssues(issues, "homelab-network", "home");
            assert.ok(!text.includes(FAKE_KEY.slice(16)), text);
            assert.match(text, /\(hidden\)/);
        });

        it("refuses a public key or an SSH key where the private key belongs", () => {
            for (const wrong of [FAKE_RECIPIENT, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL0 me@host", FAKE_KEY.toLowerCase()]) {
                const { issues } = parsePlatformAccess(read({ argoCdSopsAgeKey: wrong }), () => true, undefined);
                assert.strictEqual(issues.length, 1, wrong);
                assert.match(issues[0].problem, /is not an age private key/);
                assert.ok(!formatConfigIssues(issues, "p").includes(wrong), "never printed");
            }
        });

        it("accepts a key file with age-keygen's comment lines, and an offline secret it cannot read", () => {
            assert.deepStrictEqual(parsePlatformAccess(read({ argoCdSopsAgeKey: KEY_FILE }), () => true, undefined).issues, []);
            assert.deepStrictEqual(parsePlatformAccess(read({ argoCdSopsAgeKey: "[secret]" }), () => true, undefined).issues, []);
        });

        it("ends the key file with a newline, as SOPS's parser expects of the last line", () => {
            assert.strictEqual(ageKeyFile(FAKE_KEY), `${FAKE_KEY}\n`);
            assert.strictEqual(ageKeyFile(KEY_FILE), KEY_FILE);
        });
    });

    describe("a deployment with the key", function () {
        this.timeout(60000);

        it("puts the key into the Secret sops-age only, as a secret, before the release that mounts it", async () => {
            const run = await runProgram("home", { argoCdSopsAgeKey: secretValue(KEY_FILE) });
            const secret = findResource(run, "kubernetes:core/v1:Secret", "argocd-sops-age");
            assert.deepStrictEqual(secret.inputs.metadata, { name: SOPS.ageSecret, namespace: "argocd" });
            assert.deepStrictEqual(secret.inputs.stringData, { "keys.txt": KEY_FILE });
            assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
            const release = findResource(run, "kubernetes:helm.sh/v3:Release", "argocd-release");
            assert.ok(release.dependencies.includes(secret.urn), "the repo server's pod mounts it");
            assert.strictEqual(release.inputs.values.configs.cm["kustomize.buildOptions"], KUSTOMIZE_BUILD_OPTIONS.sops);
            const elsewhere = run.resources.filter(r => r !== secret && JSON.stringify(r.inputs).includes(FAKE_KEY));
            assert.deepStrictEqual(elsewhere.map(r => r.name), []);
            assert.ok(!JSON.stringify(run.outputs).includes(FAKE_KEY.slice(16)), "no output holds the key");
        });

        it("keeps Argo CD's CiliumNetworkPolicies as they are: decrypting needs no network", async () => {
            const policies = (r: Awaited<ReturnType<typeof runProgram>>) => r.resources.filter(x => x.type === "kubernetes:cilium.io/v2:CiliumNetworkPolicy" && x.inputs.metadata.namespace === "argocd").map(x => x.inputs);
            // One offline run at a time: the mocks are process-wide.
            const without = await runProgram("home");
            const withKey = await runProgram("home", { argoCdSopsAgeKey: secretValue(KEY_FILE) });
            assert.deepStrictEqual(policies(withKey), policies(without));
        });

        it("plans clean with the key, and the key is in neither the report nor the diagram", async () => {
            const result = await plan("home", { argoCdSopsAgeKey: secretValue(KEY_FILE) });
            assert.strictEqual(result.exitCode, 0, result.report);
            for (const text of [result.report, result.diagram ?? ""]) {
                assert.ok(!text.includes(FAKE_KEY.slice(16)));
            }
            assert.match(result.report, new RegExp(`age key \\(argoCdSopsAgeKey\\)  set, recipients ${FAKE_RECIPIENT}`));
        });

        it("refuses the key in clear with exit 2, and the message does not hold it", async () => {
            const result = await plan("home", { argoCdSopsAgeKey: KEY_FILE });
            assert.strictEqual(result.exitCode, 2);
            assert.match(result.report, /argoCdSopsAgeKey = \(hidden\)/);
            assert.ok(!result.report.includes(FAKE_KEY.slice(16)));
        });
    });

    describe("what the plan reads from a local clone", () => {
        let repo: string;
        const apps = [
            { name: "secret-app", namespace: "a", repoURL: "https://git.example.org/r.git", path: "apps/secret", targetRevision: "main", enforcement: "enforce" as const, workloads: [], sync: { options: [], ignoreDifferences: [], dependsOn: [] } },
            { name: "values-app", namespace: "b", repoURL: "https://git.example.org/r.git", path: "apps/values", targetRevision: "main", enforcement: "enforce" as const, workloads: [], sync: { options: ["ServerSideApply=true"], ignoreDifferences: [], dependsOn: [] } },
            { name: "plain-app", namespace: "c", repoURL: "https://git.example.org/r.git", path: "apps/plain", targetRevision: "main", enforcement: "enforce" as const, workloads: [], sync: { options: [], ignoreDifferences: [], dependsOn: [] } },
        ];

        before(async () => {
            const age = await import("age-encryption");
            const encrypter = new age.Encrypter();
            encrypter.addRecipient(FAKE_RECIPIENT);
            const enc = age.armor.encode(await encrypter.encrypt(new Uint8Array(32)));
            const sopsBlock = { sops: { age: [{ recipient: FAKE_RECIPIENT, enc }], version: "3.9.3" } };
            repo = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-"));
            const write = (file: string, text: string) => {
                fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
                fs.writeFileSync(path.join(repo, file), text);
            };
            write("apps/secret/kustomization.yaml", "resources: [namespace.yaml, k8s.np.yaml]\ngenerators: [secret-generator.yaml]\n");
            write("apps/secret/secret-generator.yaml", "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata: {name: gen}\nfiles: [secret.enc.yaml]\n");
            write("apps/secret/secret.enc.yaml", JSON.stringify({ apiVersion: "v1", kind: "Secret", data: { a: "ENC[...]" }, ...sopsBlock }));
            write("apps/secret/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
            write("apps/secret/k8s.np.yaml", "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n");
            write("apps/values/kustomization.yaml", "helmCharts: [{name: x, valuesFile: values.yaml}]\n");
            write("apps/values/values.enc.yaml", JSON.stringify({ replicas: "ENC[...]", ...sopsBlock }));
            write("apps/plain/kustomization.yaml", "resources: [deploy.yaml]\n");
            write("apps/plain/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
        });
        after(() => fs.rmSync(repo, { recursive: true, force: true }));

        it("finds KSOPS generators, the plugin's file, encrypted files and the objects Argo CD leaves to the stack", () => {
            const scan = scanSource(path.join(repo, "apps/secret"));
            assert.deepStrictEqual(scan.ksopsGenerators, ["secret-generator.yaml"]);
            assert.strictEqual(scan.pluginDiscovered, false);
            assert.deepStrictEqual(scan.encrypted.map(e => [e.file, e.recipients.map(r => r.recipient)]), [["secret.enc.yaml", [FAKE_RECIPIENT]]]);
            assert.deepStrictEqual(scan.stackOwned, [{ file: "k8s.np.yaml", kinds: ["CiliumNetworkPolicy"] }, { file: "namespace.yaml", kinds: ["Namespace"] }]);
            assert.strictEqual(scanSource(path.join(repo, "apps/values")).pluginDiscovered, true);
        });

        it("names the Applications that will not render without a key", async () => {
            const lines = await argoCdNeedsReport(apps, undefined, repo);
            assert.ok(lines.includes("  will not render: secret-app, values-app (set argoCdSopsAgeKey as a secret: README, \"SOPS\")"), lines.join("\n"));
            assert.match(lines.find(l => l.includes("plain-app"))!, /apps\/plain: no SOPS; server-side apply off; policies: this stack$/);
            assert.match(lines.find(l => l.includes("values-app"))!, /server-side apply on/);
        });

        it("proves the configured key opens each encrypted file, and names the files a wrong key does not open", async () => {
            const good = await argoCdNeedsReport(apps, KEY_FILE, repo);
            assert.match(good.find(l => l.includes("secret-app"))!, /provided, the key opens its 1 encrypted files/);
            assert.ok(!good.some(l => l.includes("will not render")));
            const { generateX25519Identity } = await import("age-encryption");
            const wrong = await argoCdNeedsReport(apps, await generateX25519Identity(), repo);
            assert.match(wrong.find(l => l.includes("secret-app"))!, new RegExp(`opens NOT secret\\.enc\\.yaml \\(for ${FAKE_RECIPIENT}\\): WILL NOT RENDER`));
            assert.ok(wrong.includes("  will not render: secret-app, values-app (the key is not a recipient of their files)"));
        });

        it("says what it could not check without a clone", async () => {
            const lines = await argoCdNeedsReport(apps, undefined, undefined);
            assert.ok(lines.includes("  not checked (3): secret-app, values-app, plain-app; each fails to render if its source holds SOPS files"));
        });
    });
});

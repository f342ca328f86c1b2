import * as assert from "assert";
import { parse } from "yaml";
import { applicationManifest, creationOrder } from "../../components/argocd/application";
import { parseApplications } from "../../config/applications";
import { ProgramRun, findResource, resourcesOfType, runProgram } from "../harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    cnp: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
    application: "kubernetes:argoproj.io/v1alpha1:Application",
} as const;

const base = { repoURL: "https://git.example.org/apps.git", path: "x", targetRevision: "v1.0.0" };

function issuesOf(apps: unknown[]): string[] {
    return parseApplications(apps).issues.map(i => `${i.key}: ${i.problem}`);
}

describe("Application sync options in the config", () => {
    it("takes syncOptions, ignoreDifferences and dependsOn into the Application object", () => {
        const { specs, issues } = parseApplications([
            { name: "crds", ...base },
            {
                name: "app", ...base, dependsOn: ["crds"],
                syncOptions: ["ServerSideApply=true", "ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=true"],
                ignoreDifferences: [{ group: "apps", kind: "Deployment", name: "web", jsonPointers: ["/spec/replicas"] }],
            },
        ]);
        assert.deepStrictEqual(issues, []);
        const manifest = applicationManifest(specs[1]);
        assert.deepStrictEqual(manifest.spec.syncPolicy.syncOptions, ["CreateNamespace=false", "ServerSideApply=true", "ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=true"]);
        assert.deepStrictEqual(manifest.spec.ignoreDifferences, [{ group: "apps", kind: "Deployment", name: "web", jsonPointers: ["/spec/replicas"] }]);
        assert.strictEqual(manifest.metadata.annotations, undefined, "nothing waits for app");
        const awaited = applicationManifest(specs[0], true);
        assert.deepStrictEqual(awaited.metadata.annotations, { "pulumi.com/waitFor": "jsonpath={.status.health.status}=Healthy", "pulumi.com/timeoutSeconds": "1200" });
        assert.strictEqual("ignoreDifferences" in applicationManifest(specs[0]).spec, false);
    });

    it("refuses unknown options, wrong values, CreateNamespace and a repeated option, naming each", () => {
        assert.deepStrictEqual(issuesOf([{ name: "a", ...base, syncOptions: ["ServerSideApply=yes", "Prune=false", "CreateNamespace=true", "PruneLast=true", "PruneLast=true"] }]), [
            "applications[0].syncOptions[0]: does not give ServerSideApply one of its values (true, false)",
            "applications[0].syncOptions[1]: is not a sync option Argo CD knows",
            "applications[0].syncOptions[2]: is set by the program: the stack creates every Application's namespace, with its policies, before Argo CD syncs",
            "applications[0].syncOptions[4]: sets PruneLast a second time",
        ]);
    });

    it("refuses an ignoreDifferences entry without a kind or a field to ignore, and a pointer without /", () => {
        assert.deepStrictEqual(issuesOf([{ name: "a", ...base, ignoreDifferences: [{ group: "apps" }, { kind: "X", jsonPointers: ["spec/replicas"] }, { kind: "Y", jqPath: [".a"] }] }]), [
            "applications[0].ignoreDifferences[0].kind: is missing",
            "applications[0].ignoreDifferences[0]: names no field to ignore",
            "applications[0].ignoreDifferences[1].jsonPointers: holds a JSON pointer that does not start with /",
            "applications[0].ignoreDifferences[2].jqPath: is not a field of an ignoreDifferences entry",
            "applications[0].ignoreDifferences[2]: names no field to ignore",
        ]);
    });

    it("refuses dependsOn on an undeclared Application, on itself, and in a cycle", () => {
        assert.deepStrictEqual(issuesOf([
            { name: "a", ...base, dependsOn: ["b"] },
            { name: "b", ...base, dependsOn: ["c", "b"] },
            { name: "c", ...base, dependsOn: ["a", "nope"] },
        ]), [
            "applications[1].dependsOn[1]: names the Application itself",
            "applications[2].dependsOn[1]: names no declared Application",
            "applications[0].dependsOn: is a cycle: each Application would wait for itself",
        ]);
    });

    it("creates each Application after those it depends on, config order otherwise", () => {
        const specs = parseApplications([
            { name: "a", ...base, dependsOn: ["c"] },
            { name: "b", ...base },
            { name: "c", ...base },
        ]).specs;
        assert.deepStrictEqual(creationOrder(specs).map(s => s.name), ["c", "a", "b"]);
    });
});

describe("the home stack's Argo CD", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("home");
    });
    const app = (name: string) => findResource(run, T.application, `app-${name}-app`);

    it("gives monitoring server-side apply and the replica counts its operators and Grafana manage, as the cluster's 16-monitoring", () => {
        const spec = app("monitoring").inputs.spec;
        assert.deepStrictEqual(spec.syncPolicy.syncOptions, ["CreateNamespace=false", "ApplyOutOfSyncOnly=true", "ServerSideApply=true"]);
        assert.deepStrictEqual(spec.ignoreDifferences.map((d: any) => `${d.group}/${d.kind}/${d.namespace}/${d.name} ${d.jsonPointers}`), [
            "apps/Deployment/monitoring/kube-prometheus-stack-grafana /spec/replicas",
            "apps/StatefulSet/monitoring/alertmanager-kube-prometheus-stack-alertmanager /spec/replicas",
            "apps/StatefulSet/monitoring/prometheus-kube-prometheus-stack-prometheus /spec/replicas",
        ]);
    });

    it("creates lldap and emby once cert-manager is Healthy: their sources create Certificates", () => {
        assert.strictEqual(app("cert-manager").inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.health.status}=Healthy");
        for (const name of ["lldap", "emby"]) {
            assert.ok(app(name).dependencies.includes(app("cert-manager").urn), name);
        }
        assert.strictEqual(app("authelia").inputs.metadata.annotations["pulumi.com/waitFor"], undefined);
    });

    it("leaves Namespaces and every kind of network policy to the stack (resource.exclusions of the deployed argocd-cm)", () => {
        const exclusions = parse(findResource(run, T.release, "argocd-release").inputs.values.configs.cm["resource.exclusions"]);
        const excluded = (group: string, kind: string) => exclusions.some((e: any) => e.apiGroups.includes(group) && e.kinds.includes(kind));
        for (const [group, kind] of [["cilium.io", "CiliumNetworkPolicy"], ["cilium.io", "CiliumClusterwideNetworkPolicy"], ["networking.k8s.io", "NetworkPolicy"], ["", "Namespace"]]) {
            assert.ok(excluded(group, kind), `${group}/${kind}`);
        }
        assert.ok(excluded("", "Endpoints") && excluded("cilium.io", "CiliumIdentity"), "the chart's own exclusions stay");
        assert.strictEqual(excluded("apps", "Deployment"), false);
    });

    it("routes Argo CD's server through Traefik on websecure239 with the wildcard certificate, Traefik terminating TLS", () => {
        const values = findResource(run, T.release, "argocd-release").inputs.values;
        assert.deepStrictEqual(values.server.ingress, {
            enabled: true,
            ingressClassName: "traefik",
            annotations: { "traefik.ingress.kubernetes.io/router.entrypoints": "websecure239" },
            hostname: "argocd.geekbundle.org",
            extraTls: [{ hosts: ["argocd.geekbundle.org"], secretName: "wildcard-cloudflare-production-02" }],
        });
        assert.deepStrictEqual(values.configs.params, { "server.insecure": true });
    });

    it("routes Hubble UI through Traefik behind Authelia's forward auth", () => {
        const ui = findResource(run, T.release, "cilium-release").inputs.values.hubble.ui;
        assert.deepStrictEqual(ui.ingress, {
            enabled: true,
            className: "traefik",
            annotations: {
                "traefik.ingress.kubernetes.io/router.entrypoints": "websecure239",
                "traefik.ingress.kubernetes.io/router.middlewares": "authelia-forwardauth-authelia@kubernetescrd",
            },
            hosts: ["hubble.geekbundle.org"],
            tls: [{ secretName: "wildcard-cloudflare-production-02", hosts: ["hubble.geekbundle.org"] }],
        });
    });

    it("lets Traefik reach the UIs' pods on their ports only, at both ends", () => {
        const specs = new Map(resourcesOfType(run, T.cnp).map(r => [`${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`, r.inputs.spec]));
        const traefikEgress = specs.get("traefik/traefik").egress;
        const rule = (app: string) => traefikEgress.find((e: any) => e.toEndpoints?.[0].matchLabels["app.kubernetes.io/name"] === app || e.toEndpoints?.[0].matchLabels["k8s-app"] === app);
        assert.deepStrictEqual(rule("argocd-server").toPorts, [{ ports: [{ port: "8080", protocol: "TCP" }] }]);
        assert.deepStrictEqual(rule("hubble-ui").toPorts, [{ ports: [{ port: "8081", protocol: "TCP" }] }]);
        const fromTraefik = { "k8s:io.kubernetes.pod.namespace": "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };
        assert.deepStrictEqual(specs.get("argocd/argocd-server-applications").ingress, [{ fromEndpoints: [{ matchLabels: fromTraefik }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }]);
        assert.deepStrictEqual(specs.get("kube-system/hubble-ui-applications").ingress, [{ fromEndpoints: [{ matchLabels: fromTraefik }], toPorts: [{ ports: [{ port: "8081", protocol: "TCP" }] }] }]);
    });

    it("keeps the port-forward where no hostname is set, and says so", async () => {
        const lab = await runProgram("lab");
        assert.match(String(lab.outputs.argoCdUrl), /^no hostname configured \(set argoCdUi to route it through Traefik\): kubectl -n argocd port-forward svc\/argocd-server 8080:443/);
        assert.match(String(lab.outputs.hubbleUi), /^no hostname configured \(set hubbleUi to route it through Traefik\): kubectl -n kube-system port-forward svc\/hubble-ui 12000:80/);
        const values = findResource(lab, T.release, "argocd-release").inputs.values;
        assert.strictEqual(values.server.ingress, undefined);
        assert.strictEqual(values.configs.params, undefined, "the server keeps its own TLS");
        assert.strictEqual(findResource(lab, T.release, "cilium-release").inputs.values.hubble.ui.ingress, undefined);
    });
});

// The live audit (npm run audit) against fixture clusters: kubectl is faked, no test reaches a cluster.
import * as assert from "assert";
import { main } from "../../scripts/cli/audit";
import { auditCluster } from "../../scripts/audit/checks";
import { AuditPlan, auditPlanOf } from "../../scripts/audit/plan";
import { readCluster } from "../../scripts/audit/read";
import { stackSettingsOf } from "../../scripts/policyConfig";
import { ClusterLists, application, ciliumPolicy, clusterKubectl, loadBalancerService, plannedCluster } from "../../tools/syntheticCluster";
import { fakeKubectl } from "./fakeKubectl";
import { REPO_ROOT } from "../harness";

const HOME: AuditPlan = auditPlanOf("home", stackSettingsOf(REPO_ROOT, "home"));

async function audit(lists: ClusterLists): Promise<{ code: number; out: string; err: string; calls: string[][] }> {
    const out: string[] = [];
    const err: string[] = [];
    const kubectl = fakeKubectl(clusterKubectl(lists));
    const code = await main(["--stack", "home"], { run: kubectl.run, out: t => out.push(t), err: t => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n"), calls: kubectl.calls };
}

/** The breaches' objects and problems, for exact assertions. */
function breaches(lists: ClusterLists) {
    return auditCluster(HOME, readCluster(HOME, clusterKubectl(lists)).cluster).filter(f => f.breach);
}

/** An ApplicationSet in Argo CD's namespace whose template deploys `source` into namespace `tenants`. */
function applicationSet(name: string, source: Record<string, unknown>, extra: { templatePatch?: string; server?: string } = {}) {
    return {
        apiVersion: "argoproj.io/v1alpha1", kind: "ApplicationSet", metadata: { name, namespace: HOME.argoCdNamespace },
        spec: {
            generators: [{ list: { elements: [{ revision: "v1.0.0" }] } }],
            template: { metadata: { name: `${name}-{{ .revision }}` }, spec: { project: "default", source, destination: { server: extra.server ?? HOME.inClusterServer, namespace: "tenants" } } },
            ...(extra.templatePatch === undefined ? {} : { templatePatch: extra.templatePatch }),
        },
    };
}

const piHole = HOME.owned.find(o => o.namespace === "dns" && o.address === "192.168.1.232");

describe("npm run audit: a cluster that keeps the plan", () => {
    it("knows the home plan: Pi-hole owns .232 in namespace dns, Traefik .231 and .239", () => {
        assert.ok(piHole !== undefined, JSON.stringify(HOME.owned));
        assert.deepStrictEqual(HOME.owned.filter(o => o.namespace === "traefik").map(o => [o.address, o.service]), [["192.168.1.231", "traefik"], ["192.168.1.239", "traefik-vip239"]]);
    });

    it("exits 0 and says so, reading each kind once", async () => {
        const result = await audit(plannedCluster(HOME));
        assert.strictEqual(result.code, 0, result.err);
        assert.match(result.out, /^Live audit of stack "home": the cluster keeps the plan's promises\./);
        assert.deepStrictEqual(result.calls.map(c => c.slice(0, 2).join(" ")), [
            "get services", "get ciliumnetworkpolicies.cilium.io", "get ciliumclusterwidenetworkpolicies.cilium.io", "get networkpolicies.networking.k8s.io",
            "get ciliumcidrgroups.cilium.io", "get applications.argoproj.io", "get applicationsets.argoproj.io", "-n kube-system", "get pods",
        ]);
        assert.ok(result.calls.find(c => c[1] === "pods")!.includes("spec.hostNetwork=true"));
    });

    it("reads as many kubectl calls on a padded cluster of 2,000 objects", async () => {
        const lists = plannedCluster(HOME, 2000);
        assert.ok(lists.services.length + lists.ciliumnetworkpolicies.length + lists.networkpolicies.length >= 2000);
        const result = await audit(lists);
        assert.strictEqual(result.code, 0, result.err);
        assert.strictEqual(result.calls.length, 9);
    });

    it("notes an owned address whose Service Argo CD has not synced yet, without failing", async () => {
        const lists = plannedCluster(HOME);
        lists.services = lists.services.filter(s => s.metadata.namespace !== "minecraft");
        const result = await audit(lists);
        assert.strictEqual(result.code, 0);
        assert.match(result.out, /Notes:\n\n {2}192\.168\.1\.235 \(Application minecraft \(workload server, namespace minecraft\)\)\n {4}no Service of namespace minecraft pins or holds it yet\n {4}fix: check that Argo CD synced it: argocd app get minecraft/);
    });

    it("treats an absent CRD as nothing of that kind running, and names it", async () => {
        const lists = plannedCluster(HOME);
        const answer = clusterKubectl(lists);
        const out: string[] = [];
        const code = await main(["--stack", "home"], {
            run: args => (args[1] === "ciliumcidrgroups.cilium.io" ? (() => { throw Object.assign(new Error("x"), { stderr: "error: the server doesn't have a resource type \"ciliumcidrgroups\"" }); })() : answer(args)),
            out: t => out.push(t), err: t => out.push(t),
        });
        assert.strictEqual(code, 0);
        assert.match(out.join("\n"), /Not served by this cluster \(nothing of them runs\): ciliumcidrgroups\.cilium\.io/);
    });
});

describe("npm run audit: the faked home cluster with breaches", () => {
    it("reads ApplicationSets in the same one call per kind, and audits clean where the cluster has no ApplicationSet CRD", async () => {
        const lists = plannedCluster(HOME);
        delete lists.applicationsets;
        const result = await audit(lists);
        assert.strictEqual(result.code, 0, result.err);
        assert.strictEqual(result.calls.filter(c => c[1] === "applicationsets.argoproj.io").length, 1);
        assert.match(result.out, /Not served by this cluster \(nothing of them runs\): applicationsets\.argoproj\.io$/);
    });

    it("refuses an ApplicationSet whose template tracks HEAD, naming it and the fix; a stack that allows branches lets it through", async () => {
        const lists = plannedCluster(HOME);
        lists.applicationsets = [applicationSet("tenants", { repoURL: "https://example.invalid/tenants.git", path: "tenants", targetRevision: "HEAD" })];
        const result = await audit(lists);
        assert.strictEqual(result.code, 1);
        assert.match(result.err, /\n {2}ApplicationSet argocd\/tenants\n {4}deploys https:\/\/example\.invalid\/tenants\.git \(spec\.template\.spec\.source\) at HEAD, [^\n]+\n {4}fix: set targetRevision to a full commit SHA \(40 hex digits\) or a release tag such as v1\.2\.3 \(for a lab, argoCdAllowBranchRevisions: true in the stack config allows branches\); in the ApplicationSet's manifest\n/);
        const found = (plan: AuditPlan) => auditCluster(plan, readCluster(plan, clusterKubectl(lists)).cluster).filter(f => f.object.startsWith("ApplicationSet")).map(f => [f.breach, f.problem.split(":")[0]]);
        assert.deepStrictEqual(found({ ...HOME, allowBranchRevisions: true }), [[false, "generates Applications the stack does not declare"]]);
    });

    it("checks an ApplicationSet's template with its plain-YAML templatePatch applied, and refuses a templated one", () => {
        const lists = plannedCluster(HOME);
        lists.applicationsets = [
            applicationSet("patched", { repoURL: "https://example.invalid/a.git", path: "a", targetRevision: "v1.0.0" }, { templatePatch: "spec:\n  source:\n    targetRevision: main\n  destination:\n    namespace: traefik\n" }),
            applicationSet("generated", { repoURL: "https://example.invalid/b.git", path: "b", targetRevision: "v1.0.0" }, { templatePatch: "spec:\n  destination:\n    namespace: '{{ .path.basename }}'\n" }),
            applicationSet("remote", { repoURL: "https://example.invalid/c.git", path: "c", targetRevision: "{{ .revision }}" }, { server: "https://10.0.0.5:6443" }),
        ];
        const found = auditCluster(HOME, readCluster(HOME, clusterKubectl(lists)).cluster).filter(f => f.object.startsWith("ApplicationSet")).map(f => [f.object, f.breach, f.problem.split(/[:,]/)[0]]);
        assert.deepStrictEqual(found, [
            ["ApplicationSet argocd/patched", true, "deploys https"],
            ["ApplicationSet argocd/patched", true, "generates Applications the stack does not declare and deploys into namespace traefik"],
            ["ApplicationSet argocd/generated", true, "has a templatePatch filled in per generated Application ({{...}})"],
            ["ApplicationSet argocd/generated", false, "generates Applications the stack does not declare"],
            ["ApplicationSet argocd/remote", true, "deploys to https"],
            ["ApplicationSet argocd/remote", true, "deploys https"],
            ["ApplicationSet argocd/remote", false, "generates Applications the stack does not declare"],
        ]);
    });

    it("reports a Service holding .232 outside namespace dns, an address outside the pool and a clusterwide policy admitting the world; exits 1", async () => {
        const lists = plannedCluster(HOME);
        // A Service Argo CD synced from a chart's values that took Pi-hole's address.
        lists.services.push(loadBalancerService("monitoring", "grafana", "192.168.1.232", "192.168.1.232", {}));
        lists.services.push(loadBalancerService("media", "jellyfin-dlna", "192.168.1.50", "192.168.1.50"));
        lists.ciliumclusterwidenetworkpolicies.push({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: "open" }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ["world"] }] } });
        const result = await audit(lists);
        assert.strictEqual(result.code, 1);
        assert.match(result.err, /^Live audit of stack "home": 3 breaches of the plan\./);
        assert.match(result.err, /Service monitoring\/grafana\n {4}holds 192\.168\.1\.232, which belongs to Application pihole \(workload pihole, namespace dns\) \(namespace dns\)/);
        assert.match(result.err, /Service media\/jellyfin-dlna\n {4}holds the LoadBalancer address 192\.168\.1\.50, outside the pool 192\.168\.1\.231-192\.168\.1\.239/);
        assert.match(result.err, /CiliumClusterwideNetworkPolicy open\n {4}admits fromEntities world \(the whole LAN\) to pods of every namespace on every port \(ingress\[0\]\), which no address owned serves/);
        assert.match(result.err, /fix: /);
    });

    it("names a Service of the owner's namespace but the wrong name for a Traefik address", () => {
        const lists = plannedCluster(HOME);
        lists.services.push(loadBalancerService("traefik", "traefik-dashboard", undefined, "192.168.1.231"));
        assert.deepStrictEqual(breaches(lists).map(f => f.object), ["Service traefik/traefik-dashboard"]);
        assert.match(breaches(lists)[0].problem, /^pins 192\.168\.1\.231, which belongs to Traefik Service traefik \(namespace traefik, Service traefik\)/);
    });

    it("refuses a pinned address nobody declared, and two Services on one free address", () => {
        const lists = plannedCluster(HOME);
        lists.services.push(loadBalancerService("tools", "pinned", "192.168.1.236", "192.168.1.236"));
        lists.services.push(loadBalancerService("tools", "second", "192.168.1.236"));
        const found = breaches(lists);
        assert.deepStrictEqual(found.map(f => f.object), ["Service tools/pinned", "Service tools/pinned, Service tools/second"]);
        assert.match(found[0].problem, /pins 192\.168\.1\.236, which the stack does not declare for anyone/);
        assert.match(found[1].problem, /2 Services hold 192\.168\.1\.236/);
    });

    it("refuses a foreign loadBalancerClass", () => {
        const lists = plannedCluster(HOME);
        lists.services.push(loadBalancerService("tools", "nodeipam", undefined, undefined, { loadBalancerClass: "io.cilium/node" }));
        assert.deepStrictEqual(breaches(lists).map(f => f.problem.split(":")[0]), ["has loadBalancerClass io.cilium/node"]);
    });

    it("refuses range-global over owned addresses, a per-namespace pool and allow-share", () => {
        const lists = plannedCluster(HOME);
        lists.configmap = { ...lists.configmap, data: { "range-global": "192.168.1.231-192.168.1.239", "range-media": "192.168.1.232-192.168.1.233", "allow-share-global": "true" } };
        const found = breaches(lists);
        assert.strictEqual(found.length, 3, JSON.stringify(found));
        assert.match(found[0].problem, new RegExp(`^has range-global = 192\\.168\\.1\\.231-192\\.168\\.1\\.239, but the stack plans ${HOME.rangeGlobal!.replace(/\./g, "\\.")}; it covers owned addresses \\(192\\.168\\.1\\.231 of Traefik Service traefik`));
        assert.match(found[1].problem, /^has the pool key range-media = 192\.168\.1\.232-192\.168\.1\.233, which the stack does not write.*reaches owned addresses/);
        assert.match(found[2].problem, /^has allow-share-global = true/);
    });

    it("refuses a missing kubevip ConfigMap", () => {
        const lists = plannedCluster(HOME);
        delete lists.configmap;
        assert.match(breaches(lists)[0].problem, /^does not exist: kube-vip's cloud provider has no pool/);
    });

    it("reads every policy kind through the one model: CIDR halves, reserved:world, specs, NetworkPolicy ipBlock", () => {
        const lists = plannedCluster(HOME);
        lists.ciliumnetworkpolicies.push(
            ciliumPolicy("databases", "halves", { endpointSelector: {}, ingress: [{ fromCIDR: ["0.0.0.0/1", "128.0.0.0/1"], toPorts: [{ ports: [{ port: "3306", protocol: "TCP" }] }] }] }),
            ciliumPolicy("databases", "reserved", { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { "reserved:world": "" } }] }] }),
            { ...ciliumPolicy("media", "specs", { endpointSelector: {}, ingress: [{ fromEntities: ["cluster"] }] }), specs: [{ endpointSelector: {}, ingress: [{ fromCIDR: ["192.168.1.0/24"], toPorts: [{ ports: [{ port: "1", endPort: 65535 }] }] }] }] },
            ciliumPolicy("media", "narrow", { endpointSelector: {}, ingress: [{ fromEntities: ["world"], toPorts: [{ ports: [{ port: "8096", protocol: "TCP" }] }] }] }),
        );
        lists.networkpolicies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "lan", namespace: "databases" }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.168.0.0/16" } }] }] } });
        const found = breaches(lists);
        assert.deepStrictEqual(found.map(f => f.object), [
            "CiliumNetworkPolicy databases/halves", "CiliumNetworkPolicy databases/reserved", "CiliumNetworkPolicy media/specs (specs[0])", "NetworkPolicy databases/lan",
        ]);
        assert.match(found[0].problem, /admits CIDR 128\.0\.0\.0\/1 \(the whole LAN\) to pods of namespace databases on 3306\/TCP/);
        assert.match(found[2].problem, /on every port \(specs\[0\]\.ingress\[0\]\), which none of the addresses owned in namespace media serves \(192\.168\.1\.233: 8096\/TCP, 8920\/TCP\)/);
    });

    it("checks every Application's namespace and destination", () => {
        const lists = plannedCluster(HOME);
        lists.applications.push(
            application("intruder", "authelia", HOME.inClusterServer, "argocd"),
            application("router", "traefik", HOME.inClusterServer, "argocd"),
            application("nowhere", undefined, HOME.inClusterServer, "argocd"),
            application("remote", "remote", "https://10.0.0.5:6443", "argocd"),
            application("loose", "loose", HOME.inClusterServer, "argocd"),
        );
        lists.applications[0] = { ...lists.applications[0], spec: { ...lists.applications[0].spec, destination: { server: HOME.inClusterServer, namespace: "elsewhere" } } };
        const found = auditCluster(HOME, readCluster(HOME, clusterKubectl(lists)).cluster).filter(f => f.object.startsWith("Application"));
        assert.deepStrictEqual(found.map(f => [f.object, f.breach, f.problem.split(":")[0]]), [
            [`Application argocd/${HOME.applications[0].name}`, true, `deploys into namespace elsewhere, but the stack declares it in ${HOME.applications[0].namespace}, where its policies are`],
            ["Application argocd/intruder", true, "is not declared by the stack and deploys into namespace authelia, which belongs to Applications authelia, lldap"],
            ["Application argocd/router", true, "is not declared by the stack and deploys into namespace traefik, a namespace of the platform"],
            ["Application argocd/nowhere", true, "has no destination namespace"],
            ["Application argocd/remote", true, "deploys to https"],
            ["Application argocd/remote", false, "is not declared by the stack"],
            ["Application argocd/loose", false, "is not declared by the stack"],
        ]);
    });

    it("refuses an Application on a branch, a chart range or an abbreviated SHA; a stack that allows branches lets the branch through", () => {
        const lists = plannedCluster(HOME);
        const source = (name: string, source: Record<string, unknown>) => {
            const app = lists.applications.find(a => a.metadata.name === name)!;
            app.spec = { ...app.spec, source: { ...app.spec.source, ...source } };
        };
        source("authelia", { targetRevision: "HEAD" });
        source("lldap", { chart: "lldap", targetRevision: "1.*" });
        source("redis", { targetRevision: "6685f5e" });
        const found = (plan: AuditPlan) => auditCluster(plan, readCluster(plan, clusterKubectl(lists)).cluster).filter(f => f.breach).map(f => [f.object, f.problem.split(",")[0]]);
        assert.deepStrictEqual(found(HOME), [
            ["Application argocd/authelia", "deploys https://example.invalid/repo.git (spec.source) at HEAD"],
            ["Application argocd/lldap", "deploys chart lldap of https://example.invalid/repo.git (spec.source) at 1.*"],
            ["Application argocd/redis", "deploys https://example.invalid/repo.git (spec.source) at 6685f5e"],
        ]);
        const [head] = auditCluster(HOME, readCluster(HOME, clusterKubectl(lists)).cluster).filter(f => f.object === "Application argocd/authelia");
        assert.match(head.fix, /^set targetRevision to a full commit SHA \(40 hex digits\) or a release tag such as v1\.2\.3 \(for a lab, argoCdAllowBranchRevisions: true in the stack config allows branches\); in the stack's applications config, then pulumi up for stack home$/);
        assert.deepStrictEqual(found({ ...HOME, allowBranchRevisions: true }).map(([object]) => object), ["Application argocd/lldap", "Application argocd/redis"]);
    });

    it("refuses a whole-namespace Application beside Applications that declare workloads, as their annotations in the cluster say", () => {
        const lists = plannedCluster(HOME);
        for (const app of lists.applications.filter(a => a.spec.destination.namespace === "dns")) {
            app.metadata.annotations = { "homelab-network/workloads": JSON.stringify([{ name: "pihole", selector: { app: "pihole" } }]) };
        }
        lists.applications.push(application("dns-tools", "dns", HOME.inClusterServer, "argocd"));
        const found = breaches(lists).filter(f => f.problem.includes("as a whole"));
        assert.deepStrictEqual(found.map(f => [f.object, f.problem, f.fix]), [[
            "Application dns-tools",
            "deploys into namespace dns as a whole (it declares no workloads), beside pihole (workload pihole), pihole-03 (workload pihole): its policies select their pods too and hand them its connections",
            "declare its workloads with the labels of its own pods (workloads in the stack's applications config), or give it a namespace of its own",
        ]]);
        assert.deepStrictEqual(breaches(plannedCluster(HOME)).filter(f => f.problem.includes("as a whole")), [], "the planned cluster carries no annotations: no namespace declares workloads");
    });

    it("refuses a host-network pod outside the platform", () => {
        const lists = plannedCluster(HOME);
        lists.hostNetworkPods.push({ apiVersion: "v1", kind: "Pod", metadata: { name: "sniffer-x", namespace: "media", ownerReferences: [{ kind: "DaemonSet", name: "sniffer" }] }, spec: { hostNetwork: true } });
        assert.deepStrictEqual(breaches(lists).map(f => f.object), ["Pod media/sniffer-x (of DaemonSet sniffer)"]);
    });
});

describe("npm run audit: usage and unreadable input", () => {
    it("exits 2 on bad usage and on an unknown stack, 3 when the cluster cannot be read", async () => {
        const err: string[] = [];
        assert.strictEqual(await main([], { err: t => err.push(t) }), 2);
        assert.match(err[0], /^homelab-network audit: --stack is required \(there is no default stack\); the stacks here are: home, lab\nusage: homelab-network audit --stack <name>/);
        assert.strictEqual(await main(["--stack", "nosuch"], { err: t => err.push(t), run: () => "{}" }), 2);
        // kubectl prints klog lines before the one that says what went wrong; only that one is shown.
        const klog = 'E1205 08:42:37.145360   11549 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\n';
        const refused = await main(["--stack", "home"], { err: t => err.push(t), run: () => { throw Object.assign(new Error("x"), { stderr: `${klog}${klog}The connection to the server 192.168.1.230:6443 was refused\n` }); } });
        assert.strictEqual(refused, 3);
        assert.match(err[err.length - 1], /the cluster cannot be read\. kubectl get services failed: The connection to the server 192\.168\.1\.230:6443 was refused\. Check that kubectl's current context/);
        assert.doesNotMatch(err[err.length - 1], /memcache/);
    });
});

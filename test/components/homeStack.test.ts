// The fixture home stack (test/fixtures/stacks/Pulumi.home.yaml, a frozen
// copy shaped like the home cluster): its Applications, the addresses they
// own and the rules that matter most, read from what the program declares
// (both ends of each connection) and from what the offline plan prints.
import * as assert from "assert";
import { isDeepStrictEqual } from "util";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { ProgramRun, STACKS, findResource, resourcesOfType, plan, runProgram } from "../harness";

const T = {
    configMap: "kubernetes:core/v1:ConfigMap",
    namespace: "kubernetes:core/v1:Namespace",
    cnp: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
    application: "kubernetes:argoproj.io/v1alpha1:Application",
} as const;

const NS = "k8s:io.kubernetes.pod.namespace";
const ports = (...list: Array<[number, "TCP" | "UDP"]>) => [{ ports: list.map(([port, protocol]) => ({ port: String(port), protocol })) }];
const tcp = (...list: number[]) => ports(...list.map((port): [number, "TCP"] => [port, "TCP"]));
const DNS = ports([53, "UDP"], [53, "TCP"]);
const TRAEFIK = { [NS]: "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };

/** Whether a rule list holds this exact rule. */
function holds(rules: readonly unknown[], rule: unknown): boolean {
    return rules.some(r => isDeepStrictEqual(r, rule));
}

function policy(run: ProgramRun, namespace: string, name: string): any {
    const found = resourcesOfType(run, T.cnp).filter(r => r.inputs.metadata.namespace === namespace && r.inputs.metadata.name === name);
    assert.strictEqual(found.length, 1, `one CiliumNetworkPolicy ${namespace}/${name}`);
    return found[0].inputs.spec;
}

describe("the home stack's Applications", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("home");
    });

    it("declares the fixture's fourteen Applications, each in its namespace", () => {
        const apps = Object.fromEntries(resourcesOfType(run, T.application).map(r => [r.inputs.metadata.name, r.inputs.spec.destination.namespace]));
        assert.deepStrictEqual(apps, {
            "authelia": "authelia", "lldap": "authelia",
            "mariadb": "databases", "redis": "databases",
            "monitoring": "monitoring", "pushgateway": "monitoring", "blackbox-exporter": "monitoring", "ntfy-alertmanager": "monitoring",
            "emby": "media", "minecraft": "minecraft",
            "pihole": "dns", "pihole-03": "dns",
            "cert-manager": "certmanager", "whoami": "whoami",
        });
    });

    it("pins every source: charts to one release, the cluster's Git directories to one commit", () => {
        for (const app of resourcesOfType(run, T.application)) {
            const source = app.inputs.spec.source;
            if (source.chart !== undefined) {
                assert.match(source.targetRevision, /^v?\d+\.\d+\.\d+$/, `${app.inputs.metadata.name} pins a chart release`);
            } else {
                assert.deepStrictEqual([source.repoURL, source.targetRevision], ["https://github.com/madic-creates/k3s-git-ops.git", "6685f5e9edd9de72429d61d9de1b08c972892d2d"], app.inputs.metadata.name);
                assert.match(source.path, /^apps\//);
            }
        }
        assert.deepStrictEqual(findResource(run, T.application, "app-pihole-app").inputs.spec.source.chart, "pihole");
        assert.deepStrictEqual(findResource(run, T.application, "app-pihole-03-app").inputs.spec.source.helm.valuesObject.serviceDns.annotations, { "kube-vip.io/loadbalancerIPs": "192.168.1.238" });
    });

    it("gives every Application's namespace its baseline: created once, default deny both ways, DNS to CoreDNS", () => {
        const namespaces = [...new Set(resourcesOfType(run, T.application).map(r => r.inputs.spec.destination.namespace as string))].sort();
        assert.deepStrictEqual(namespaces, ["authelia", "certmanager", "databases", "dns", "media", "minecraft", "monitoring", "whoami"]);
        for (const namespace of namespaces) {
            assert.strictEqual(resourcesOfType(run, T.namespace).filter(r => r.inputs.metadata.name === namespace).length, 1, `one Namespace ${namespace}`);
            assert.deepStrictEqual(policy(run, namespace, "default-deny"), { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] }, namespace);
            assert.deepStrictEqual(policy(run, namespace, "allow-dns"), {
                endpointSelector: { matchLabels: {} },
                egress: [{ toEndpoints: [{ matchLabels: { [NS]: "kube-system", "k8s-app": "kube-dns" } }], toPorts: DNS }],
            }, namespace);
        }
    });

    it("hands the cloud provider the pool less Traefik's VIPs and the Applications' addresses", () => {
        assert.deepStrictEqual(findResource(run, T.configMap, "kube-vip-cloud-provider-pool").inputs.data, { "range-global": "192.168.1.234-192.168.1.234,192.168.1.236-192.168.1.237" });
        const owned = run.outputs.loadBalancerAddresses as Record<string, { application: string; namespace: string; ports: string[] }>;
        assert.deepStrictEqual(Object.fromEntries(Object.entries(owned).map(([address, o]) => [address, [o.application, o.namespace, o.ports.join(" ")]])), {
            "192.168.1.232": ["pihole", "dns", "53/UDP 53/TCP"],
            "192.168.1.233": ["emby", "media", "8096/TCP 8920/TCP"],
            "192.168.1.235": ["minecraft", "minecraft", "25565/TCP 19132/UDP 8080/TCP"],
            "192.168.1.238": ["pihole-03", "dns", "53/UDP 53/TCP"],
        });
    });

    it("lets Authelia reach MariaDB on 3306, at both ends", () => {
        const authelia = policy(run, "authelia", "app-authelia.authelia");
        assert.deepStrictEqual(authelia.endpointSelector, { matchLabels: { "app.kubernetes.io/name": "authelia" } });
        assert.ok(holds(authelia.egress, { toEndpoints: [{ matchLabels: { [NS]: "databases", "app.kubernetes.io/name": "mariadb" } }], toPorts: tcp(3306) }));
        const mariadb = policy(run, "databases", "app-mariadb.mariadb");
        assert.deepStrictEqual(mariadb.endpointSelector, { matchLabels: { "app.kubernetes.io/name": "mariadb" } });
        assert.deepStrictEqual(mariadb.ingress[0], { fromEndpoints: [{ matchLabels: { [NS]: "authelia", "app.kubernetes.io/name": "authelia" } }], toPorts: tcp(3306) });
        // And nothing else of MariaDB's is open but 3306 to its clients and 9104 to Prometheus.
        assert.deepStrictEqual(mariadb.ingress.map((r: any) => r.toPorts[0].ports.map((p: any) => p.port).join()), ["3306", "3306", "9104", "3306"]);
        assert.strictEqual(mariadb.egress, undefined);
    });

    it("lets Prometheus scrape node-exporter (host network) and the kubelet on the nodes", () => {
        const prometheus = policy(run, "monitoring", "app-monitoring.prometheus");
        assert.deepStrictEqual(prometheus.egress.find((r: any) => r.toEntities !== undefined && r.toEntities.includes("host")),
            { toEntities: ["host", "remote-node"], toPorts: tcp(9100, 10250, 10257, 10259, 2381) });
    });

    it("lets the LAN (and in-cluster clients) reach Emby on .233 on 8096 and 8920 only", () => {
        const emby = policy(run, "media", "app-emby.emby");
        assert.deepStrictEqual(emby.endpointSelector, { matchLabels: { "app.kubernetes.io/name": "emby" } });
        assert.deepStrictEqual(emby.ingress, [{ fromEntities: ["world", "cluster"], toPorts: tcp(8096, 8920) }]);
    });

    it("lets the LAN reach both Pi-holes on 53, UDP and TCP, and Traefik their web UI", () => {
        for (const [app, name] of [["pihole", "pihole"], ["pihole-03", "pihole-03"]]) {
            const pihole = policy(run, "dns", `app-${app}.pihole`);
            assert.deepStrictEqual(pihole.endpointSelector, { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": app } });
            assert.deepStrictEqual(pihole.ingress, [
                { fromEntities: ["world", "cluster"], toPorts: DNS },
                { fromEndpoints: [{ matchLabels: TRAEFIK }], toPorts: tcp(80) },
            ], app);
        }
    });

    it("lets the API server call cert-manager's webhook on 10250 from any server (remote-node in tunnel mode), and nothing else reach it", () => {
        assert.deepStrictEqual(policy(run, "certmanager", "app-cert-manager.webhook"), {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" } },
            ingress: [{ fromEntities: ["kube-apiserver", "remote-node"], toPorts: tcp(10250) }],
            egress: [{ toEntities: ["kube-apiserver"], toPorts: tcp(6443) }],
        });
    });

    it("admits the API server as remote-node too in every rule it generates from apiserver, and calls it as kube-apiserver only", () => {
        const fromApi: string[] = [];
        for (const cnp of resourcesOfType(run, T.cnp)) {
            const where = `${cnp.inputs.metadata.namespace}/${cnp.inputs.metadata.name}`;
            for (const rule of cnp.inputs.spec.ingress ?? []) {
                if ((rule.fromEntities ?? []).includes("kube-apiserver")) {
                    assert.deepStrictEqual(rule.fromEntities, ["kube-apiserver", "remote-node"], where);
                    fromApi.push(where);
                }
            }
            for (const rule of cnp.inputs.spec.egress ?? []) {
                if ((rule.toEntities ?? []).includes("kube-apiserver")) {
                    assert.deepStrictEqual(rule.toEntities, ["kube-apiserver"], where);
                }
            }
        }
        // The two webhooks of Pulumi.home.yaml: cert-manager's and the prometheus operator's.
        assert.deepStrictEqual(fromApi.sort(), ["certmanager/app-cert-manager.webhook", "monitoring/app-monitoring.prometheus-operator"]);
    });

    it("lets Traefik reach Grafana on 3000, at both ends", () => {
        const grafana = policy(run, "monitoring", "app-monitoring.grafana");
        assert.ok(holds(grafana.ingress, { fromEndpoints: [{ matchLabels: TRAEFIK }], toPorts: tcp(3000) }));
        const traefik = policy(run, "traefik", "traefik");
        assert.ok(holds(traefik.egress, { toEndpoints: [{ matchLabels: { [NS]: "monitoring", "app.kubernetes.io/name": "grafana" } }], toPorts: tcp(3000) }));
    });

    it("gives the pack config the four Application-owned addresses, named by their owners", () => {
        const config = JSON.parse(renderPolicyPackConfig(STACKS, "home"));
        assert.deepStrictEqual(config["unique-loadbalancer-addresses"].reservations, [
            { address: "192.168.1.231", holder: { kind: "traefik", service: "traefik" }, namespace: "traefik", ports: [{ port: 8000, protocol: "TCP" }, { port: 8443, protocol: "TCP" }] },
            { address: "192.168.1.239", holder: { kind: "traefik", service: "traefik-vip239" }, namespace: "traefik", ports: [{ port: 8001, protocol: "TCP" }, { port: 8444, protocol: "TCP" }] },
            { address: "192.168.1.233", holder: { kind: "application", name: "emby", workload: "emby" }, namespace: "media", ports: [{ port: 8096, protocol: "TCP" }, { port: 8920, protocol: "TCP" }] },
            { address: "192.168.1.235", holder: { kind: "application", name: "minecraft", workload: "server" }, namespace: "minecraft", ports: [{ port: 25565, protocol: "TCP" }, { port: 19132, protocol: "UDP" }, { port: 8080, protocol: "TCP" }] },
            { address: "192.168.1.232", holder: { kind: "application", name: "pihole", workload: "pihole" }, namespace: "dns", ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
            { address: "192.168.1.238", holder: { kind: "application", name: "pihole-03", workload: "pihole" }, namespace: "dns", ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
        ]);
    });
});

describe("the home stack's offline plan", () => {
    it("passes, listing each owned address with its owner and what the cloud provider may still hand out", async () => {
        const result = await plan("home");
        assert.strictEqual(result.exitCode, 0, result.report);
        const lines = result.report.split("\n");
        // The counts travel in the result (tools/planSynthetic.ts reads them there), and the report prints the same.
        const header = lines.findIndex(l => l.startsWith("Resources per component"));
        assert.strictEqual(lines[header], `Resources per component (${result.counts?.resources} in all)`);
        assert.ok(result.counts!.resources > 50, String(result.counts?.resources));
        assert.strictEqual(lines.slice(header + 1).findIndex(l => l === ""), result.counts?.components);
        const from = lines.findIndex(l => /^ {2}pool /.test(l));
        assert.deepStrictEqual(lines.slice(from, from + 8).map(l => l.trim().replace(/ +/g, " ")), [
            "pool 192.168.1.231-192.168.1.239 (9 addresses, 6 owned)",
            "192.168.1.231 Traefik Service traefik: pinned by Service traefik/traefik (from Helm release traefik)",
            "192.168.1.232 Application pihole (workload pihole, namespace dns): 53/UDP, 53/TCP",
            "192.168.1.233 Application emby (workload emby, namespace media): 8096/TCP, 8920/TCP",
            "192.168.1.235 Application minecraft (workload server, namespace minecraft): 25565/TCP, 19132/UDP, 8080/TCP",
            "192.168.1.238 Application pihole-03 (workload pihole, namespace dns): 53/UDP, 53/TCP",
            "192.168.1.239 Traefik Service traefik-vip239: pinned by Service traefik/traefik-vip239 (from Helm release traefik)",
            "unpinned 3: 192.168.1.234, 192.168.1.236-192.168.1.237 (the cloud provider's range-global)",
        ]);
        assert.match(result.report, /Policy violations: none/);
    });
});

// The connection vocabulary, peer kind by peer kind: what a declaration
// becomes as Cilium rules, at both ends, and every refusal with its path.
import * as assert from "assert";
import { connectionPolicies } from "../../components/network-policy/graph";
import { ciliumPolicySpec } from "../../components/network-policy/policy";
import { ingressFrontends } from "../../platform/traefik";
import { address } from "../../config/addressPlan";
import { parseApplications } from "../../config/applications";
import { formatConfigIssues } from "../../config/issues";

const NS = "k8s:io.kubernetes.pod.namespace";
// 192.168.1.231 and .239 as numbers: the frontends web/websecure and web239/websecure239.
const FRONTENDS = ingressFrontends(address(0xc0a801e7), address(0xc0a801ef));
const ENTRYPOINTS = ["web", "websecure", "web239", "websecure239"];
const source = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };
const tcp = (...ports: number[]) => [{ ports: ports.map(port => ({ port: String(port), protocol: "TCP" })) }];

/** Parses, derives and renders; returns every policy as namespace/name -> spec. */
function render(apps: unknown[]): Record<string, any> {
    const { specs, issues } = parseApplications(apps, { entrypoints: ENTRYPOINTS });
    assert.deepStrictEqual(issues, [], formatConfigIssues(issues, "homelab-network"));
    const graph = connectionPolicies(specs, FRONTENDS);
    const all = [
        ...[...graph.namespaces.values()].flat(),
        ...[...graph.applications.values()].flat(),
    ];
    const rendered: Record<string, any> = Object.fromEntries(all.map(p => [`${p.namespace}/${p.name}`, ciliumPolicySpec(p)]));
    for (const [id, extra] of graph.platform) {
        rendered[`platform:${id}`] = extra;
    }
    return rendered;
}

function refusals(apps: unknown[]): Array<[string, string]> {
    return parseApplications(apps, { entrypoints: ENTRYPOINTS }).issues.map(i => [i.key, i.problem]);
}

const monitoring = (workloads: unknown[]) => ({ name: "monitoring", path: "apps/monitoring", ...source, workloads });
const prometheus = (connections: unknown) => ({ name: "prometheus", selector: { "app.kubernetes.io/name": "prometheus" }, connections });
const databases = [
    { name: "mariadb", namespace: "databases", path: "apps/mariadb", ...source, workloads: [{ name: "mariadb", selector: { "app.kubernetes.io/name": "mariadb" } }] },
    { name: "redis", namespace: "databases", path: "apps/redis", ...source, workloads: [{ name: "redis", selector: { "app.kubernetes.io/name": "redis" } }] },
];

describe("connections between Applications", () => {
    it("allow a call declared at the caller on both ends: egress at the caller, ingress at the callee, in another namespace", () => {
        const policies = render([
            ...databases,
            { name: "authelia", path: "apps/authelia", ...source, workloads: [{ name: "authelia", selector: { "app.kubernetes.io/name": "authelia" }, connections: { to: [{ app: "mariadb", workload: "mariadb", ports: [3306] }, { app: "redis", ports: [6379] }] } }] },
        ]);
        assert.deepStrictEqual(policies["authelia/app-authelia.authelia"], {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "authelia" } },
            egress: [
                { toEndpoints: [{ matchLabels: { [NS]: "databases", "app.kubernetes.io/name": "mariadb" } }], toPorts: tcp(3306) },
                { toEndpoints: [{ matchLabels: { [NS]: "databases", "app.kubernetes.io/name": "redis" } }], toPorts: tcp(6379) },
            ],
        });
        assert.deepStrictEqual(policies["databases/app-mariadb.mariadb"], {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "mariadb" } },
            ingress: [{ fromEndpoints: [{ matchLabels: { [NS]: "authelia", "app.kubernetes.io/name": "authelia" } }], toPorts: tcp(3306) }],
        });
        assert.deepStrictEqual(policies["databases/app-redis.redis"].ingress, [{ fromEndpoints: [{ matchLabels: { [NS]: "authelia", "app.kubernetes.io/name": "authelia" } }], toPorts: tcp(6379) }]);
    });

    it("let the callee say who calls it (a Prometheus scraping many targets), writing the caller's egress too", () => {
        const policies = render([
            monitoring([prometheus(undefined)]),
            { ...databases[0], workloads: [{ name: "mariadb", selector: { "app.kubernetes.io/name": "mariadb" }, connections: { from: [{ app: "monitoring", workload: "prometheus", ports: [9104] }] } }] },
        ]);
        assert.deepStrictEqual(policies["monitoring/app-monitoring.prometheus"].egress, [{ toEndpoints: [{ matchLabels: { [NS]: "databases", "app.kubernetes.io/name": "mariadb" } }], toPorts: tcp(9104) }]);
        assert.deepStrictEqual(policies["databases/app-mariadb.mariadb"].ingress, [{ fromEndpoints: [{ matchLabels: { [NS]: "monitoring", "app.kubernetes.io/name": "prometheus" } }], toPorts: tcp(9104) }]);
    });

    it("write a connection declared at both ends once on each side", () => {
        const policies = render([
            monitoring([prometheus({ to: [{ app: "mariadb", ports: [9104] }] })]),
            { ...databases[0], workloads: [{ name: "mariadb", selector: { "app.kubernetes.io/name": "mariadb" }, connections: { from: [{ app: "monitoring", workload: "prometheus", ports: [9104] }] } }] },
        ]);
        assert.strictEqual(policies["monitoring/app-monitoring.prometheus"].egress.length, 1);
        assert.strictEqual(policies["databases/app-mariadb.mariadb"].ingress.length, 1);
    });

    it("let workloads of one Application talk on ports (alertmanager peers), with no namespace label for the own namespace", () => {
        const alertmanager = { name: "alertmanager", selector: { "app.kubernetes.io/name": "alertmanager" }, connections: { to: [{ app: "monitoring", workload: "alertmanager", ports: [9094, "9094/UDP"] }] } };
        const policies = render([monitoring([alertmanager])]);
        const peers = { matchLabels: { "app.kubernetes.io/name": "alertmanager" } };
        const ports = [{ ports: [{ port: "9094", protocol: "TCP" }, { port: "9094", protocol: "UDP" }] }];
        assert.deepStrictEqual(policies["monitoring/app-monitoring.alertmanager"], {
            endpointSelector: peers,
            ingress: [{ fromEndpoints: [peers], toPorts: ports }],
            egress: [{ toEndpoints: [peers], toPorts: ports }],
        });
    });

    it("reach every workload of an Application when the connection names no workload", () => {
        const policies = render([
            monitoring([prometheus(undefined), { name: "grafana", selector: { "app.kubernetes.io/name": "grafana" } }]),
            { name: "backup", path: "apps/backup", ...source, connections: { to: [{ app: "monitoring", ports: [9091] }] } },
        ]);
        assert.deepStrictEqual(policies["backup/app-backup"].egress.slice(1).map((r: any) => r.toEndpoints[0].matchLabels["app.kubernetes.io/name"]), ["prometheus", "grafana"]);
    });
});

describe("connections outside the Applications", () => {
    it("reach the internet as Cilium's world entity on ports, never as 0.0.0.0/0", () => {
        const policies = render([{ name: "grafana", path: "x", ...source, connections: { to: [{ entity: "world", ports: [443, 80] }] } }]);
        assert.deepStrictEqual(policies["grafana/app-grafana"].egress[1], { toEntities: ["world"], toPorts: tcp(443, 80) });
    });

    it("reach DNS names with toFQDNs, and send the same pods' lookups through Cilium's DNS proxy, without which toFQDNs matches nothing", () => {
        const policies = render([{ name: "cert-manager", namespace: "certmanager", path: "x", ...source, workloads: [{ name: "controller", selector: { "app.kubernetes.io/component": "controller" }, connections: { to: [{ fqdn: ["dns.quad9.net", "*.quad9.net"], ports: [53, "53/UDP"] }] } }] }]);
        assert.deepStrictEqual(policies["certmanager/app-cert-manager.controller"].egress, [
            {
                toEndpoints: [{ matchLabels: { [NS]: "kube-system", "k8s-app": "kube-dns" } }],
                toPorts: [{ ports: [{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }], rules: { dns: [{ matchPattern: "*" }] } }],
            },
            { toFQDNs: [{ matchName: "dns.quad9.net" }, { matchPattern: "*.quad9.net" }], toPorts: [{ ports: [{ port: "53", protocol: "TCP" }, { port: "53", protocol: "UDP" }] }] },
        ]);
    });

    it("reach the nodes (node-exporter, the kubelet) and hear from them (a pushgateway), as host and remote-node", () => {
        const policies = render([monitoring([
            prometheus({ to: [{ entity: "nodes", ports: [9100, 10250] }] }),
            { name: "pushgateway", selector: { "app.kubernetes.io/name": "pushgateway" }, connections: { from: [{ entity: "nodes", ports: [9091] }] } },
        ])]);
        assert.deepStrictEqual(policies["monitoring/app-monitoring.prometheus"].egress, [{ toEntities: ["host", "remote-node"], toPorts: tcp(9100, 10250) }]);
        assert.deepStrictEqual(policies["monitoring/app-monitoring.pushgateway"].ingress, [{ fromEntities: ["host", "remote-node"], toPorts: tcp(9091) }]);
    });

    it("call the API server, and hear from it (an admission webhook)", () => {
        const policies = render([{ name: "cert-manager", namespace: "certmanager", path: "x", ...source, workloads: [
            { name: "webhook", selector: { "app.kubernetes.io/component": "webhook" }, connections: { from: [{ entity: "apiserver", ports: [10250] }], to: [{ entity: "apiserver", ports: "any" }] } },
        ] }]);
        assert.deepStrictEqual(policies["certmanager/app-cert-manager.webhook"], {
            endpointSelector: { matchLabels: { "app.kubernetes.io/component": "webhook" } },
            ingress: [{ fromEntities: ["kube-apiserver", "remote-node"], toPorts: tcp(10250) }],
            egress: [{ toEntities: ["kube-apiserver"] }],
        });
    });

    it("take apiserver as the API server wherever it runs, and kube-apiserver as Cilium's entity exactly as written", () => {
        const policies = render([{ name: "operator", namespace: "operator", path: "x", ...source, workloads: [
            { name: "webhook", selector: { app: "webhook" }, connections: { apiServer: true, from: [{ entity: ["apiserver", "nodes"], ports: [9443] }] } },
            { name: "exact", selector: { app: "exact" }, connections: { from: [{ entity: "kube-apiserver", ports: [9443] }], to: [{ entity: "kube-apiserver", ports: [6443] }] } },
        ] }]);
        assert.deepStrictEqual(policies["operator/app-operator.webhook"].ingress, [{ fromEntities: ["kube-apiserver", "remote-node", "host"], toPorts: tcp(9443) }]);
        assert.deepStrictEqual(policies["operator/app-operator.webhook"].egress, [{ toEntities: ["kube-apiserver"] }]);
        assert.deepStrictEqual(policies["operator/app-operator.exact"].ingress, [{ fromEntities: ["kube-apiserver"], toPorts: tcp(9443) }]);
        assert.deepStrictEqual(policies["operator/app-operator.exact"].egress, [{ toEntities: ["kube-apiserver"], toPorts: tcp(6443) }]);
    });

    it("reach a LAN host by CIDR, and pods no Application declares by namespace and labels", () => {
        const policies = render([{ name: "emby", namespace: "media", path: "x", ...source, connections: { to: [{ cidr: "192.168.1.45/32", ports: [445] }, { pods: true, namespace: "longhorn", selector: { app: "longhorn-ui" }, ports: [8000] }] } }]);
        assert.deepStrictEqual(policies["media/app-emby"].egress.slice(1), [
            { toCIDRSet: [{ cidr: "192.168.1.45/32" }], toPorts: tcp(445) },
            { toEndpoints: [{ matchLabels: { [NS]: "longhorn", app: "longhorn-ui" } }], toPorts: tcp(8000) },
        ]);
    });

    it("ping with ICMP echo where a blackbox exporter needs it", () => {
        const policies = render([monitoring([{ name: "blackbox", selector: { "app.kubernetes.io/name": "blackbox-exporter" }, connections: { to: [{ entity: "world", icmp: [8] }] } }])]);
        assert.deepStrictEqual(policies["monitoring/app-monitoring.blackbox"].egress, [{ toEntities: ["world"], icmps: [{ fields: [{ type: 8, family: "IPv4" }] }] }]);
    });

    it("write a port, a protocol and a range (endPort) as Cilium reads them", () => {
        const policies = render([{ name: "games", path: "x", ...source, connections: { to: [{ entity: "world", ports: [25565, "19132/UDP", "27015-27030/UDP"] }] } }]);
        assert.deepStrictEqual(policies["games/app-games"].egress[1].toPorts, [{ ports: [
            { port: "25565", protocol: "TCP" },
            { port: "19132", protocol: "UDP" },
            { port: "27015", endPort: 27030, protocol: "UDP" },
        ] }]);
    });
});

describe("connections with the platform's pods", () => {
    it("take Traefik's traffic on pod ports, and open Traefik's egress to exactly those pods", () => {
        const policies = render([monitoring([{ name: "grafana", selector: { "app.kubernetes.io/name": "grafana" }, connections: { from: [{ platform: "traefik", ports: [3000] }] } }])]);
        const traefik = { [NS]: "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };
        assert.deepStrictEqual(policies["monitoring/app-monitoring.grafana"].ingress, [{ fromEndpoints: [{ matchLabels: traefik }], toPorts: tcp(3000) }]);
        assert.deepStrictEqual(policies["platform:traefik"].egress, [{ peer: { kind: "pods", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } }, ports: [{ port: 3000, protocol: "TCP" }] }]);
    });

    it("call an app's own public hostname through Traefik's pods on the entrypoints' container ports, and let Traefik take the call", () => {
        // With kube-proxy replacement the VIP is translated in the calling pod: Traefik sees the pod, not world.
        const policies = render([monitoring([{ name: "grafana", selector: { "app.kubernetes.io/name": "grafana" }, connections: { to: [{ ingress: ["websecure", "websecure239"] }] } }])]);
        const traefik = { [NS]: "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };
        assert.deepStrictEqual(policies["monitoring/app-monitoring.grafana"].egress, [{ toEndpoints: [{ matchLabels: traefik }], toPorts: tcp(8443, 8444) }]);
        assert.deepStrictEqual(policies["platform:traefik"].ingress, [{ peer: { kind: "pods", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } }, ports: [{ port: 8443, protocol: "TCP" }, { port: 8444, protocol: "TCP" }] }]);
    });

    it("hear from Argo CD's server (OIDC) with Argo CD's side written too, and scrape CoreDNS, which has no policy of ours", () => {
        const policies = render([
            { name: "authelia", path: "x", ...source, workloads: [{ name: "authelia", selector: { "app.kubernetes.io/name": "authelia" }, connections: { from: [{ platform: "argocd-server", ports: [9091] }] } }] },
            monitoring([prometheus({ to: [{ platform: "coredns", ports: [9153] }] })]),
        ]);
        assert.deepStrictEqual(policies["authelia/app-authelia.authelia"].ingress, [{ fromEndpoints: [{ matchLabels: { [NS]: "argocd", "app.kubernetes.io/name": "argocd-server" } }], toPorts: tcp(9091) }]);
        assert.deepStrictEqual(policies["platform:argocd-server"].egress.map((c: any) => c.peer), [{ kind: "pods", namespace: "authelia", labels: { "app.kubernetes.io/name": "authelia" } }]);
        assert.deepStrictEqual(policies["monitoring/app-monitoring.prometheus"].egress, [{ toEndpoints: [{ matchLabels: { [NS]: "kube-system", "k8s-app": "kube-dns" } }], toPorts: tcp(9153) }]);
        assert.strictEqual(policies["platform:coredns"], undefined, "CoreDNS is K3s's: no policy of ours selects it");
    });
});

describe("namespaces shared by several Applications", () => {
    it("get one baseline (default deny, DNS) and each workload only its own allows", () => {
        const policies = render([
            { ...databases[0], workloads: [{ name: "mariadb", selector: { "app.kubernetes.io/name": "mariadb" }, connections: { to: [{ entity: "world", ports: [443] }] } }] },
            { ...databases[1], workloads: [{ name: "redis", selector: { "app.kubernetes.io/name": "redis" }, connections: { from: [{ app: "mariadb", ports: [6379] }] } }] },
        ]);
        assert.deepStrictEqual(Object.keys(policies).filter(k => k.startsWith("databases/")).sort(), ["databases/allow-dns", "databases/app-mariadb.mariadb", "databases/app-redis.redis", "databases/default-deny"]);
        assert.deepStrictEqual(policies["databases/default-deny"], { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] });
        // Same namespace: the peer selector carries no namespace label.
        assert.deepStrictEqual(policies["databases/app-redis.redis"].ingress, [{ fromEndpoints: [{ matchLabels: { "app.kubernetes.io/name": "mariadb" } }], toPorts: tcp(6379) }]);
    });
});

describe("the connections config refuses, naming the entry", () => {
    const app = (connections: unknown) => [{ name: "a", path: "x", ...source, connections }];
    const cases: Array<[string, unknown[], string, RegExp]> = [
        ["an unknown field of a connection", app({ to: [{ entity: "world", prots: [443] }] }), "applications[0].connections.to[0].prots", /not a field of a connection/],
        ["a connection without ports", app({ to: [{ entity: "world" }] }), "applications[0].connections.to[0].ports", /not a non-empty list of ports/],
        ["a connection with two peers", app({ to: [{ entity: "world", cidr: "10.0.0.0/8", ports: [1] }] }), "applications[0].connections.to[0]", /names 2 peers/],
        ["a port out of range", app({ to: [{ entity: "world", ports: [65536] }] }), "applications[0].connections.to[0].ports[0]", /not a port/],
        ["an unknown entity", app({ to: [{ entity: "internet", ports: [443] }] }), "applications[0].connections.to[0].entity", /names no entity/],
        ["a DNS name as a source", app({ from: [{ fqdn: "example.org", ports: [443] }] }), "applications[0].connections.from[0].fqdn", /only be a destination/],
        ["a public hostname with ports", app({ to: [{ ingress: ["websecure"], ports: [443] }] }), "applications[0].connections.to[0].ports", /implied/],
        ["an entrypoint Traefik does not have", app({ to: [{ ingress: ["websecure240"] }] }), "applications[0].connections.to[0].ingress", /names no entrypoint/],
        ["an unknown platform pod", app({ from: [{ platform: "argocd", ports: [8080] }] }), "applications[0].connections.from[0].platform", /names no platform pods/],
        ["a call to an undeclared Application", app({ to: [{ app: "b", ports: [80] }] }), "applications[0].connections.to[0].app", /names no declared Application/],
        ["a workload selector without labels", [{ name: "a", path: "x", ...source, workloads: [{ name: "w", selector: {} }] }], "applications[0].workloads[0].selector", /non-empty map of pod labels/],
        ["connections beside workloads", [{ name: "a", path: "x", ...source, connections: {}, workloads: [{ name: "w", selector: { app: "w" } }] }], "applications[0].connections", /beside workloads/],
        ["an unknown field of a workload", [{ name: "a", path: "x", ...source, workloads: [{ name: "w", selector: { app: "w" }, ports: [80] }] }], "applications[0].workloads[0].ports", /not a field of a workload/],
    ];
    for (const [what, apps, key, message] of cases) {
        it(`${what}: ${key}`, () => {
            const found = refusals(apps);
            assert.ok(found.some(([k, problem]) => k === key && message.test(problem)), JSON.stringify(found, null, 1));
        });
    }

    it("a workload that names no workload of the other Application, with the ones it has", () => {
        const found = refusals([...databases, { name: "a", path: "x", ...source, connections: { to: [{ app: "mariadb", workload: "maria", ports: [3306] }] } }]);
        assert.deepStrictEqual(found, [["applications[2].connections.to[0].workload", "is not a workload of mariadb; did you mean mariadb?"]]);
    });

    it("two declarations of one workload (the same pods of one namespace)", () => {
        const found = refusals([databases[0], { ...databases[1], workloads: [{ name: "mariadb2", selector: { "app.kubernetes.io/name": "mariadb" } }] }]);
        assert.deepStrictEqual(found.map(([k]) => k), ["applications[1].workloads[0].selector"]);
        assert.match(found[0][1], /selects the same pods of namespace databases as applications\[0\]\.workloads\[0\]/);
    });

    it("every problem in one pass: a bad version and a duplicate name and a bad peer together", () => {
        const found = refusals([
            { name: "a", chart: "a", repoURL: "https://charts.example.org", targetRevision: "latest" },
            { name: "a", path: "x", ...source, connections: { to: [{ app: "nope", ports: [1] }] } },
        ]);
        assert.deepStrictEqual(found.map(([k]) => k), ["applications[0].targetRevision", "applications[1].name", "applications[1].connections.to[0].app"]);
    });
});

// The `applications` config: what a user may write, and the message for each
// mistake. A mistake here must never widen a network policy.
import * as assert from "assert";
import { ApplicationSpec, parseApplications } from "../../config/applications";
import { formatConfigIssues } from "../../config/issues";
import { connectionPolicies } from "../../components/network-policy/graph";
import { ingressFrontends } from "../../platform/traefik";
import { address } from "../../config/addressPlan";
import { repositoryPort, repositoryPorts } from "../../components/argocd/policies";

const chartApp = { name: "podinfo", repoURL: "https://stefanprodan.github.io/podinfo", chart: "podinfo", targetRevision: "6.7.1" };
const gitApp = { name: "guestbook", repoURL: "https://github.com/argoproj/argocd-example-apps.git", path: "guestbook", targetRevision: "HEAD" };

function parsedOk(raw: unknown): ApplicationSpec[] {
    const { specs, issues } = parseApplications(raw);
    assert.deepStrictEqual(issues, [], formatConfigIssues(issues, "homelab-network"));
    return specs;
}

describe("applications config", () => {
    it("reads a chart app and a Git app, namespaces defaulting to the name, ports as numbers or port/protocol", () => {
        const specs = parsedOk([
            { ...chartApp, connections: { ingressPorts: [9898], toApps: [{ app: "guestbook", ports: [80] }] } },
            { ...gitApp, namespace: "guestbook-ui", connections: { apiServer: true, toCidrs: [{ cidr: "192.168.1.0/24", ports: [443, "53/udp"] }] } },
        ]);
        assert.strictEqual(specs[0].namespace, "podinfo");
        // Without workloads: one workload, the whole namespace, named after the Application.
        assert.deepStrictEqual(specs[0].workloads.map(w => [w.id, w.namespace, w.selector, w.wholeNamespace]), [["podinfo", "podinfo", {}, true]]);
        assert.deepStrictEqual(specs[0].workloads[0].from, [{ peer: { kind: "platform", id: "traefik" }, ports: [{ port: 9898, protocol: "TCP" }], where: "applications[0].connections.ingressPorts" }]);
        assert.deepStrictEqual(specs[0].workloads[0].to, [{ peer: { kind: "app", app: "guestbook", workload: undefined }, ports: [{ port: 80, protocol: "TCP" }], where: "applications[0].connections.toApps[0]" }]);
        assert.deepStrictEqual(specs[1].workloads[0].to, [
            { peer: { kind: "entity", entities: ["kube-apiserver"] }, ports: [], where: "applications[1].connections.apiServer" },
            { peer: { kind: "cidr", cidr: "192.168.1.0/24" }, ports: [{ port: 443, protocol: "TCP" }, { port: 53, protocol: "UDP" }], where: "applications[1].connections.toCidrs[0]" },
        ]);
    });

    // One mistake per row: the key the message must name and words it must hold.
    const broken: Array<[string, unknown[], string, RegExp]> = [
        ["a misspelt connection field, which would have opened every port", [{ ...gitApp, connections: { toCidrs: [{ cidr: "0.0.0.0/0", prots: [443] }] } }],
            "applications[0].connections.toCidrs[0].prots", /not a field of this connection/],
        ["a call to an app without ports", [chartApp, { ...gitApp, connections: { toApps: [{ app: "podinfo" }] } }],
            "applications[1].connections.toApps[0].ports", /not a non-empty list of ports/],
        ["an egress to a network without ports", [{ ...gitApp, connections: { toCidrs: [{ cidr: "0.0.0.0/0" }] } }],
            "applications[0].connections.toCidrs[0].ports", /not a non-empty list of ports/],
        ["an unknown connection kind", [{ ...gitApp, connections: { toInternet: true } }], "applications[0].connections.toInternet", /not a known connection kind/],
        ["a misspelt Application field", [{ ...gitApp, helmvalues: {} }], "applications[0].helmvalues", /not a field of an Application/],
        ["two Applications with one name", [gitApp, { ...gitApp, namespace: "other" }], "applications[1].name", /also the name of applications\[0\]/],
        ["two Applications that both declare the whole of one namespace", [gitApp, { ...chartApp, namespace: "guestbook" }], "applications[1].namespace", /selects the same pods of namespace guestbook as applications\[0\]/],
        ["an Application in kube-system", [{ ...gitApp, namespace: "kube-system" }], "applications[0].namespace", /belongs to the platform/],
        ["an Application in any kube- namespace", [{ ...gitApp, namespace: "kube-extra" }], "applications[0].namespace", /belongs to the platform/],
        ["a repository URL on port 0, which a policy would read as every port", [{ ...gitApp, repoURL: "http://git.lan:0/x.git" }], "applications[0].repoURL", /names port 0/],
        ["an Application in Argo CD's namespace", [{ ...gitApp, namespace: "argocd" }], "applications[0].namespace", /belongs to the platform/],
        ["an Application named after Traefik's namespace", [{ ...gitApp, name: "traefik" }], "applications[0].namespace", /belongs to the platform/],
        ["a name that is not a DNS label", [{ ...gitApp, name: "Guest_Book" }], "applications[0].name", /not a DNS label/],
        ["both path and chart", [{ ...chartApp, path: "deploy" }], "applications[0]", /exactly one of path .* and chart/],
        ["neither path nor chart", [{ name: "x", repoURL: "https://example.org/x.git", targetRevision: "main" }], "applications[0]", /exactly one of path/],
        ["a chart version range", [{ ...chartApp, targetRevision: "^6.0.0" }], "applications[0].targetRevision", /does not pin one chart version/],
        ["a chart version wildcard", [{ ...chartApp, targetRevision: "6.*" }], "applications[0].targetRevision", /does not pin one chart version/],
        ["a version YAML read as a number", [{ ...chartApp, targetRevision: 2.1 }], "applications[0].targetRevision", /read by YAML as a number/],
        ["a repository that is no URL", [{ ...gitApp, repoURL: "github.com/argoproj/x" }], "applications[0].repoURL", /not a Git, Helm or OCI repository URL/],
        ["a repository URL that does not parse", [{ ...gitApp, repoURL: "https://git.lan:99999/x.git" }], "applications[0].repoURL", /not a well-formed URL/],
        ["a port above 65535", [{ ...gitApp, connections: { ingressPorts: [70000] } }], "applications[0].connections.ingressPorts[0]", /not a port/],
        ["a port range that ends before it starts", [{ ...gitApp, connections: { to: [{ entity: "world", ports: ["8010-8000"] }] } }], "applications[0].connections.to[0].ports[0]", /not a port .* or a range/],
        ["port 0", [{ ...gitApp, connections: { ingressPorts: [0] } }], "applications[0].connections.ingressPorts[0]", /not a port/],
        ["an SCTP port", [{ ...gitApp, connections: { ingressPorts: ["53/SCTP"] } }], "applications[0].connections.ingressPorts[0]", /not a port/],
        ["a fractional port", [{ ...gitApp, connections: { ingressPorts: [8080.5] } }], "applications[0].connections.ingressPorts[0]", /not a port/],
        ["an app calling itself", [{ ...gitApp, connections: { toApps: [{ app: "guestbook", ports: [80] }] } }], "applications[0].connections.toApps[0].app", /names the Application itself/],
        ["an app called twice", [chartApp, { ...gitApp, connections: { toApps: [{ app: "podinfo", ports: [80] }, { app: "podinfo", ports: [443] }] } }],
            "applications[1].connections.toApps[1].app", /listed twice/],
        ["a call to an undeclared app", [{ ...gitApp, connections: { toApps: [{ app: "redis", ports: [6379] }] } }], "applications[0].connections.toApps[0].app", /names no declared Application/],
        ["a CIDR with host bits", [{ ...gitApp, connections: { toCidrs: [{ cidr: "192.168.1.5/24", ports: [443] }] } }], "applications[0].connections.toCidrs[0].cidr", /host bits/],
        ["an owned address serving every port as 1-65535, as ports: any would", [{ ...gitApp, loadBalancerAddresses: [{ address: "192.168.1.236", ports: ["1-65535"] }] }],
            "applications[0].loadBalancerAddresses[0].ports", /opens every port of the workload to the LAN/],
        ["an owned address serving every UDP port in two ranges", [{ ...gitApp, loadBalancerAddresses: [{ address: "192.168.1.236", ports: ["1-1000/UDP", "1001-65535/UDP", 53] }] }],
            "applications[0].loadBalancerAddresses[0].ports", /opens every port of the workload to the LAN/],
        ["apiServer that is not a boolean", [{ ...gitApp, connections: { apiServer: "yes" } }], "applications[0].connections.apiServer", /not true or false/],
    ];
    for (const [what, raw, key, message] of broken) {
        it(`refuses ${what}, naming ${key}`, () => {
            const { issues } = parseApplications(raw);
            const issue = issues.find(i => i.key === key && message.test(i.problem));
            assert.ok(issue, `no issue on ${key} matching ${message}; got:\n${formatConfigIssues(issues, "homelab-network")}`);
            assert.ok(issue.fix.length > 0, "every issue says how to fix it");
        });
    }

    it("takes ICMP and ports to one peer as two connections, each listed once", () => {
        const world = { entity: ["world", "nodes"] };
        const specs = parsedOk([{ ...gitApp, connections: { to: [{ ...world, ports: [22] }, { ...world, icmp: [8, 0] }] } }]);
        const frontends = ingressFrontends(address(0xc0a801e7), address(0xc0a801ef));
        const policy = connectionPolicies(specs, frontends).applications.get("guestbook")![0];
        assert.deepStrictEqual(policy.egress!.slice(1).map(c => [c.ports, c.icmp]), [[[{ port: 22, protocol: "TCP" }], undefined], [[], [8, 0]]]);
        const twice = parseApplications([{ ...gitApp, connections: { to: [{ ...world, icmp: [8] }, { ...world, icmp: [0] }] } }]).issues;
        assert.deepStrictEqual(twice.map(i => [i.key, i.problem]), [["applications[0].connections.to[1]", "is listed twice with icmp"]]);
    });

    it("refuses applications that are not a list", () => {
        const { issues } = parseApplications({ name: "x" });
        assert.strictEqual(issues[0].key, "applications");
        assert.match(issues[0].problem, /not a list/);
    });

    it("does not report a call to an entry that has a problem of its own as a call to an undeclared app", () => {
        const { issues } = parseApplications([{ ...chartApp, targetRevision: "latest" }, { ...gitApp, connections: { toApps: [{ app: "podinfo", ports: [9898] }] } }]);
        assert.deepStrictEqual(issues.map(i => i.key), ["applications[0].targetRevision"]);
    });
});

describe("application policy names", () => {
    it("cannot collide, whatever the apps and workloads are called", () => {
        // Apps named like the fixed policies, and an app whose name reads like another's workload.
        const specs = parsedOk([
            { ...gitApp, name: "default-deny", namespace: "shared", workloads: [{ name: "x", selector: { app: "x" }, connections: { to: [{ entity: "world", ports: [443] }] } }] },
            { ...gitApp, name: "default-deny-x", namespace: "shared", workloads: [{ name: "y", selector: { app: "y" }, connections: { to: [{ entity: "world", ports: [443] }] } }] },
            { ...gitApp, name: "allow-dns", namespace: "shared", workloads: [{ name: "z", selector: { app: "z" }, connections: { to: [{ entity: "world", ports: [443] }] } }] },
        ]);
        const graph = connectionPolicies(specs, ingressFrontends(address(1), address(2)));
        const names = [...graph.namespaces.get("shared")!, ...specs.flatMap(s => graph.applications.get(s.name)!)].map(p => p.name);
        assert.strictEqual(new Set(names).size, names.length, `duplicate policy names: ${names.join(", ")}`);
    });
});

describe("Argo CD's repository ports", () => {
    const cases: Array<[string, number]> = [
        ["https://github.com/argoproj/argocd-example-apps.git", 443],
        ["oci://ghcr.io/stefanprodan/charts", 443],
        ["http://gitea.lan/org/repo.git", 80],
        ["http://gitea.lan:3000/org/repo.git", 3000],
        ["https://charts.lan:8443/", 8443],
        ["git@github.com:org/repo.git", 22],
        ["ssh://git@git.lan:2222/org/repo.git", 2222],
        ["ssh://git@git.lan/org/repo.git", 22],
    ];
    for (const [url, port] of cases) {
        it(`fetches ${url} on ${port}`, () => {
            assert.strictEqual(repositoryPort(url), port);
        });
    }

    it("opens each port once, sorted, with 443 always (Argo CD's own chart and Git hosting)", () => {
        const specs = parsedOk([
            { ...gitApp, repoURL: "ssh://git@git.lan:2222/org/repo.git" },
            { ...chartApp, repoURL: "http://charts.lan:8080/" },
            { ...chartApp, name: "other", repoURL: "http://charts.lan:8080/" },
        ]);
        assert.deepStrictEqual(repositoryPorts(specs).map(p => p.port), [443, 2222, 8080]);
    });
});

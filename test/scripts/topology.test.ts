// The topology document the offline plan writes: the network as it is (who
// announces which address, where its traffic goes, the cloud provider off
// the data path) and the declared connections (an overview of namespaces,
// then one diagram per namespace, each edge from its caller with its ports),
// for the home stack with a dozen Applications, for a generated stack of 55
// (the home cluster's size) and for the lab; and every diagram valid Mermaid,
// parsed and laid out by the real library.
import * as assert from "assert";
import { stackSettingsOf } from "../../scripts/policyConfig";
import { StackConfigValues } from "../../scripts/stackFiles";
import { syntheticApplications } from "../../tools/syntheticStack";
import {
    ConnectionDiagrams, NAMESPACES_IN_A_ROW, WORKLOADS_IN_ONE_DIAGRAM, connectionDiagrams, connectionGraph, mermaidBlocks, namespaceDiagram, portList, topologyDiagram, topologyDocument,
} from "../../scripts/topology";
import { EARLY_TIMEOUT } from "../early";
import { STACKS, plan } from "../harness";
import { startMermaid } from "../mermaid";
import { HOME_LIKE_APPLICATIONS, MONITORING_LOKI, MONITORING_PUSHGATEWAY } from "../topologyFixture";

interface Diagram {
    /** Node id to its label as text: `<br/>` as a new line, tags dropped. */
    readonly nodes: Map<string, string>;
    /** Subgraph id to its title and the ids directly inside it. */
    readonly groups: Map<string, { title: string; members: string[] }>;
    readonly edges: Array<{ from: string; to: string; dotted: boolean; label: string }>;
    /** Invisible links (`~~~`): they place nodes and draw nothing. */
    readonly links: Array<{ from: string; to: string }>;
    /** Node id to its style class. */
    readonly classes: Map<string, string>;
}

const textOf = (raw: string) => raw.replace(/<br\/>/g, "\n").replace(/<\/?b>/g, "").replace(/#quot;/g, "\"").replace(/#35;/g, "#");

/** Reads back the flowcharts topology.ts writes (one statement per line). */
function read(source: string): Diagram {
    const nodes = new Map<string, string>();
    const groups = new Map<string, { title: string; members: string[] }>();
    const edges: Diagram["edges"] = [];
    const links: Diagram["links"] = [];
    const classes = new Map<string, string>();
    const stack: string[] = [];
    const node = /^(\w+)(?:\[|\(\[|\(\()"(.*)"(?:\]|\]\)|\)\))$/;
    for (const line of source.split("\n").map(l => l.trim())) {
        let m: RegExpExecArray | null;
        if ((m = /^subgraph (\w+)\["(.*)"\]$/.exec(line)) !== null) {
            groups.get(stack[stack.length - 1])?.members.push(m[1]);
            groups.set(m[1], { title: textOf(m[2]), members: [] });
            stack.push(m[1]);
        } else if (line === "end") {
            stack.pop();
        } else if ((m = /^(\w+) (-->|-\.->)(?:\|"(.*?)"\|)? (.+)$/.exec(line)) !== null) {
            const target = node.exec(m[4]);
            if (target !== null) {
                nodes.set(target[1], textOf(target[2]));
            }
            edges.push({ from: m[1], to: target?.[1] ?? m[4], dotted: m[2] === "-.->", label: textOf(m[3] ?? "") });
        } else if ((m = /^(\w+) ~~~ (\w+)$/.exec(line)) !== null) {
            links.push({ from: m[1], to: m[2] });
        } else if ((m = node.exec(line)) !== null) {
            nodes.set(m[1], textOf(m[2]));
            groups.get(stack[stack.length - 1])?.members.push(m[1]);
        } else if ((m = /^class ([\w,]+) (\w+)$/.exec(line)) !== null) {
            const cls = m[2];
            m[1].split(",").forEach(id => classes.set(id, cls));
        }
    }
    return { nodes, groups, edges, links, classes };
}

/** The one node whose label's first line is `title`. */
function nodeTitled(d: Diagram, title: string | RegExp): string {
    const ids = [...d.nodes].filter(([, label]) => (typeof title === "string" ? label.split("\n")[0] === title : title.test(label))).map(([id]) => id);
    assert.strictEqual(ids.length, 1, `expected one node titled ${title}; nodes: ${[...d.nodes.values()].map(l => l.split("\n")[0]).join(" | ")}`);
    return ids[0];
}

function groupTitled(d: Diagram, title: string): { id: string; members: string[] } {
    const found = [...d.groups].filter(([, g]) => g.title === title);
    assert.strictEqual(found.length, 1, `expected one group titled ${title}; groups: ${[...d.groups.values()].map(g => g.title).join(" | ")}`);
    return { id: found[0][0], members: found[0][1].members };
}

function edgesBetween(d: Diagram, from: string, to: string): Diagram["edges"] {
    return d.edges.filter(e => e.from === from && e.to === to);
}

async function diagramsOf(stack: string, overrides: StackConfigValues = {}): Promise<{ document: string; network: Diagram }> {
    const result = await plan(stack, overrides);
    assert.strictEqual(result.exitCode, 0, result.report);
    return { document: result.diagram!, network: read(mermaidBlocks(result.diagram!)[0]) };
}

/** The connections' diagrams, read back: the overview, and each namespace's by name. */
function connectionsOf(diagrams: ConnectionDiagrams): { overview: Diagram; namespaces: Map<string, Diagram> } {
    return { overview: read(diagrams.overview), namespaces: new Map(diagrams.namespaces.map(n => [n.namespace, read(n.diagram)])) };
}

/** The first lines of nodes' labels. */
const titlesOf = (d: Diagram, ids: Iterable<string>) => [...ids].map(id => d.nodes.get(id)!.split("\n")[0]);

/** A namespace's own workloads: the nodes it draws as workloads. */
const ownNodes = (d: Diagram) => [...d.classes].filter(([, cls]) => cls === "workload").map(([id]) => id);

// The home stack with a dozen Applications, planned once for the describes below.
let homeLike: ReturnType<typeof diagramsOf> | undefined;
const homeLikeDiagrams = () => (homeLike ??= diagramsOf("home", { applications: HOME_LIKE_APPLICATIONS }));

describe("the topology: the network as it is", () => {
    let home: Awaited<ReturnType<typeof diagramsOf>>;
    before(async () => {
        home = await homeLikeDiagrams();
    });

    it("draws the LAN under the stack's own name, its clients in it, and every VIP on it", () => {
        const d = home.network;
        const lan = groupTitled(d, "LAN 192.168.1.0/24 (stack home)");
        const clients = nodeTitled(d, "LAN clients");
        assert.ok(lan.members.includes(clients));
        assert.ok(lan.members.includes(nodeTitled(d, "192.168.1.230:6443")));
        const pool = groupTitled(d, "LoadBalancer pool 192.168.1.231-192.168.1.239");
        assert.ok(lan.members.includes(pool.id));
        for (const vip of ["192.168.1.231", "192.168.1.232", "192.168.1.233", "192.168.1.235", "192.168.1.238", "192.168.1.239"]) {
            const id = nodeTitled(d, vip);
            assert.ok(pool.members.includes(id), `${vip} is in the pool`);
            assert.strictEqual(edgesBetween(d, clients, id).filter(e => !e.dotted).length, 1, `the LAN reaches ${vip}`);
        }
        // The home stack records no router: none is drawn, and nothing stands between the LAN and a VIP.
        assert.ok(![...d.nodes.values()].some(l => /router|gateway/i.test(l)));
    });

    it("names the kube-vip role that announces each VIP: the control-plane role the API's, the services role every pool address", () => {
        const d = home.network;
        const cp = nodeTitled(d, "kube-vip control-plane role");
        const services = nodeTitled(d, "kube-vip services role");
        assert.match(d.nodes.get(cp)!, /DaemonSet kube-vip-control-plane\n.*\nleader election, ARP on eno1/);
        assert.match(d.nodes.get(services)!, /DaemonSet kube-vip-services\nevery node\none election per Service\nARP on eno1/);
        assert.deepStrictEqual(edgesBetween(d, nodeTitled(d, "192.168.1.230:6443"), cp), [{ from: nodeTitled(d, "192.168.1.230:6443"), to: cp, dotted: true, label: "announced by" }]);
        const pool = groupTitled(d, "LoadBalancer pool 192.168.1.231-192.168.1.239");
        assert.deepStrictEqual(d.edges.filter(e => e.to === services), [{ from: pool.id, to: services, dotted: true, label: "every address announced by" }]);
        assert.deepStrictEqual(d.edges.filter(e => e.to === cp).map(e => d.nodes.get(e.from)!.split("\n")[0]), ["192.168.1.230:6443"]);
        assert.match(d.nodes.get(nodeTitled(d, "192.168.1.230:6443"))!, /API VIP/);
        assert.strictEqual(edgesBetween(d, nodeTitled(d, "192.168.1.230:6443"), nodeTitled(d, "kube-apiserver :6443")).filter(e => !e.dotted).length, 1);
    });

    it("labels each pool address with its owner, and sends its traffic to Traefik's entrypoints or the owning workload", () => {
        const d = home.network;
        const primary = nodeTitled(d, "192.168.1.231");
        const secondary = nodeTitled(d, "192.168.1.239");
        assert.strictEqual(d.nodes.get(primary), "192.168.1.231\nService traefik\nweb, websecure");
        assert.strictEqual(d.nodes.get(secondary), "192.168.1.239\nService traefik-vip239\nweb239, websecure239");
        const traefik = groupTitled(d, "Traefik, namespace traefik");
        const to = (from: string) => d.edges.filter(e => e.from === from && !e.dotted).map(e => `${d.nodes.get(e.to)!.replace(/\n/g, " ")} (${e.label})`);
        assert.deepStrictEqual(to(primary), ["entrypoint web :8000 (80 to 8000)", "entrypoint websecure :8443 TLS (443 to 8443)"]);
        assert.deepStrictEqual(to(secondary), ["entrypoint web239 :8001 (80 to 8001)", "entrypoint websecure239 :8444 TLS (443 to 8444)"]);
        assert.ok(d.edges.filter(e => e.from === primary || e.from === secondary).filter(e => !e.dotted).every(e => traefik.members.includes(e.to)));

        assert.strictEqual(d.nodes.get(nodeTitled(d, "192.168.1.233")), "192.168.1.233\nApplication emby\n8096, 8920/TCP");
        assert.deepStrictEqual(to(nodeTitled(d, "192.168.1.233")), ["emby namespace media (8096, 8920/TCP)"]);
        assert.deepStrictEqual(to(nodeTitled(d, "192.168.1.235")), ["Application minecraft every pod of namespace minecraft (8080, 25565/TCP; 19132/UDP)"]);
        assert.deepStrictEqual(to(nodeTitled(d, "192.168.1.232")), ["pihole namespace dns (53/TCP+UDP)"]);
        assert.deepStrictEqual(to(nodeTitled(d, "192.168.1.238")), ["pihole-02 namespace dns (53/TCP+UDP)"]);
    });

    it("draws the cloud provider as the allocator of what nobody pinned, never on the data path", () => {
        const d = home.network;
        const cloud = nodeTitled(d, "kube-vip cloud provider");
        assert.match(d.nodes.get(cloud)!, /writes an address of range-global\ninto each Service that pins none\ncarries no traffic/);
        const touching = d.edges.filter(e => e.from === cloud || e.to === cloud);
        const range = nodeTitled(d, "range-global");
        assert.deepStrictEqual(touching, [{ from: range, to: cloud, dotted: true, label: "allocated by" }]);
        assert.strictEqual(d.nodes.get(range), "range-global\n192.168.1.234\n192.168.1.236-192.168.1.237\nfor Services that pin none");
        assert.ok(groupTitled(d, "LoadBalancer pool 192.168.1.231-192.168.1.239").members.includes(range));
    });

    it("says so when nothing is left for the cloud provider to hand out", () => {
        const settings = stackSettingsOf(STACKS, "home", {
            loadBalancerPool: "192.168.1.231-192.168.1.233", ingressVip: "192.168.1.231", ingressSecondaryVip: "192.168.1.233",
            // The UIs' routes name the .239 entrypoints, which this plan does not have.
            argoCdUi: undefined, hubbleUi: undefined,
            applications: [{ name: "pihole", repoURL: "https://git.example.org/apps.git", path: "pihole", targetRevision: "v1.0.0", loadBalancerAddresses: [{ address: "192.168.1.232", ports: [53, "53/UDP"] }] }],
        });
        const d = read(topologyDiagram("home", settings));
        assert.strictEqual(d.nodes.get(nodeTitled(d, "range-global: none left")), "range-global: none left\na Service that pins\nno address stays pending");
        assert.strictEqual(d.nodes.get(nodeTitled(d, "192.168.1.232")), "192.168.1.232\nApplication pihole\n53/TCP+UDP");
    });

    it("draws the nodes with their devices and Cilium's CIDRs", () => {
        const d = home.network;
        const host = groupTitled(d, "K3s nodes, host network: eno1, vmbr0");
        const cilium = nodeTitled(d, "Cilium on every node");
        assert.ok(host.members.includes(cilium));
        assert.match(d.nodes.get(cilium)!, /devices eno1, vmbr0\npod CIDR 10\.42\.0\.0\/16\nService CIDR 10\.43\.0\.0\/16/);
        assert.ok(groupTitled(d, "pod network 10.42.0.0/16").members.includes(nodeTitled(d, "kube-vip cloud provider")));
    });

    it("draws the lab on its own network, its router and DHCP scope off the path to the VIPs, and never says Home", async () => {
        const lab = await diagramsOf("lab", {
            applications: [{
                name: "echo", repoURL: "https://git.example.org/lab.git", path: "echo", targetRevision: "v1.0.0",
                loadBalancerAddresses: [{ address: "10.20.1.25", ports: [7] }],
            }],
        });
        assert.doesNotMatch(lab.document, /home/i);
        const d = lab.network;
        groupTitled(d, "LAN 10.20.0.0/23 (stack lab)");
        const clients = nodeTitled(d, "LAN clients");
        const router = nodeTitled(d, "router 10.20.0.1");
        assert.match(d.nodes.get(router)!, /DHCP scope 10\.20\.0\.100-10\.20\.0\.250/);
        // The router leads to the internet only; no VIP lies behind it.
        assert.deepStrictEqual(d.edges.filter(e => e.from === router).map(e => d.nodes.get(e.to)), ["Internet"]);
        assert.deepStrictEqual(d.edges.filter(e => e.to === router).map(e => e.from), [clients]);
        assert.strictEqual(d.nodes.get(nodeTitled(d, "10.20.1.25")), "10.20.1.25\nApplication echo\n7/TCP");
        assert.strictEqual(d.nodes.get(nodeTitled(d, "10.20.1.40")), "10.20.1.40\nService traefik-vip40\nweb40, websecure40");
        assert.match(d.nodes.get(nodeTitled(d, "range-global"))!, /10\.20\.1\.21-10\.20\.1\.24\n10\.20\.1\.26-10\.20\.1\.39/);
        assert.match(d.nodes.get(nodeTitled(d, "kube-vip services role"))!, /ARP on enp1s0/);
        // And the stack file as it stands.
        assert.doesNotMatch((await plan("lab")).diagram!, /home/i);
    });
});

describe("the topology: the declared connections, an overview of namespaces", () => {
    let diagrams: ConnectionDiagrams;
    let overview: Diagram;
    let document: string;
    before(async () => {
        document = (await homeLikeDiagrams()).document;
        diagrams = connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: HOME_LIKE_APPLICATIONS }));
        overview = read(diagrams.overview);
    });

    it("draws one node per namespace, with its counts, and nothing else: no groups, no peers outside the Applications", () => {
        assert.deepStrictEqual([...overview.nodes.values()], [
            "authelia\n2 Applications, 2 workloads", "cert-manager\n1 Application, 1 workload", "databases\n2 Applications, 2 workloads",
            "dns\n2 Applications, 2 workloads", "media\n1 Application, 2 workloads", "minecraft\n1 Application, 1 workload",
            "monitoring\n1 Application, 3 workloads", "podinfo\n1 Application, 1 workload", "whoami\n1 Application, 1 workload",
        ]);
        assert.strictEqual(overview.groups.size, 0);
    });

    it("draws one unlabelled arrow from each namespace to every namespace it calls, however many connections", () => {
        const arrows = overview.edges.map(e => `${overview.nodes.get(e.from)!.split("\n")[0]} > ${overview.nodes.get(e.to)!.split("\n")[0]}${e.label}`);
        // authelia calls mariadb and redis, prometheus scrapes authelia, mariadb and both Pi-holes: four arrows, not six.
        assert.deepStrictEqual(arrows, ["authelia > databases", "monitoring > authelia", "monitoring > databases", "monitoring > dns"]);
    });

    it("lists per namespace its Applications and the peers outside them it talks to, each by one name", () => {
        const outside = Object.fromEntries(diagrams.summaries.map(s => [s.namespace, { in: s.calledBy, out: s.calls }]));
        assert.deepStrictEqual(outside, {
            "authelia": { in: ["Traefik"], out: ["DNS names"] },
            "cert-manager": { in: [], out: ["CIDRs", "DNS names", "Kubernetes API"] },
            "databases": { in: [], out: [] },
            "dns": { in: ["LAN clients", "Traefik"], out: ["Internet"] },
            "media": { in: ["LAN clients", "Traefik"], out: ["CIDRs", "Internet"] },
            "minecraft": { in: ["LAN clients"], out: ["Internet"] },
            "monitoring": { in: ["Traefik"], out: ["CoreDNS", "DNS names", "Kubernetes API", "Traefik", "the nodes"] },
            "podinfo": { in: ["Argo CD", "Traefik"], out: ["Traefik", "the LAN"] },
            "whoami": { in: ["Traefik"], out: [] },
        });
        assert.ok(document.includes("| monitoring | monitoring | 3 | Traefik | CoreDNS, DNS names, Kubernetes API, Traefik, the nodes |"), document);
        assert.ok(document.includes("| databases | mariadb, redis | 2 | - | - |"));
    });

    it("counts pods of an Application's namespace that no workload declares as that namespace, and names other namespaces' pods", () => {
        const git = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };
        const settings = stackSettingsOf(STACKS, "lab", {
            applications: [
                { name: "web", path: "web", ...git, connections: { to: [
                    { pods: true, namespace: "api", selector: { job: "migrate" }, ports: [8080] },
                    { pods: true, namespace: "kube-system", selector: { k8s: "metrics" }, ports: [443] },
                ] } },
                { name: "api", path: "api", ...git },
            ],
        });
        const result = connectionDiagrams("lab", settings);
        const d = read(result.overview);
        assert.deepStrictEqual(d.edges.map(e => `${d.nodes.get(e.from)!.split("\n")[0]} > ${d.nodes.get(e.to)!.split("\n")[0]}`), ["web > api"]);
        assert.deepStrictEqual(result.summaries.find(s => s.namespace === "web")!.calls, ["pods of kube-system"]);
    });

    it(`runs left to right up to ${NAMESPACES_IN_A_ROW} namespaces and top to bottom past them, the namespaces that talk to none in rows`, () => {
        const direction = (source: string) => /^flowchart (\w+)$/m.exec(source)![1];
        assert.strictEqual(direction(diagrams.overview), "LR");
        assert.deepStrictEqual(read(diagrams.overview).links, []);
        // Two generated Applications per namespace.
        const overviewOf = (apps: unknown[]) => connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: apps })).overview;
        const full = overviewOf(syntheticApplications(2 * NAMESPACES_IN_A_ROW));
        assert.strictEqual(read(full).nodes.size, NAMESPACES_IN_A_ROW);
        assert.strictEqual(direction(full), "LR");
        const past = overviewOf(syntheticApplications(2 * NAMESPACES_IN_A_ROW + 1));
        assert.strictEqual(read(past).nodes.size, NAMESPACES_IN_A_ROW + 1);
        assert.strictEqual(direction(past), "TB");
        // Past it, with six namespaces that talk to none: invisible links between those alone, rows of four.
        const git = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };
        const lone = Array.from({ length: 6 }, (_, i) => ({ name: `lone-${i}`, path: `lone-${i}`, ...git }));
        const d = read(overviewOf([...syntheticApplications(2 * NAMESPACES_IN_A_ROW), ...lone]));
        const title = (id: string) => d.nodes.get(id)!.split("\n")[0];
        assert.deepStrictEqual(d.links.map(l => `${title(l.from)} ~ ${title(l.to)}`), ["lone-0 ~ lone-4", "lone-1 ~ lone-5"]);
        assert.ok(d.edges.every(e => !title(e.from).startsWith("lone-") && !title(e.to).startsWith("lone-")));
    });

    it("says so when a stack declares no Applications, and draws no namespace", () => {
        const empty = connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: [] }));
        assert.match(empty.overview, /Stack home declares no Applications/);
        assert.deepStrictEqual(empty.namespaces, []);
    });
});

describe("the topology: one diagram per namespace", () => {
    let document: string;
    let namespaces: Map<string, Diagram>;
    before(async () => {
        document = (await homeLikeDiagrams()).document;
        namespaces = connectionsOf(connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: HOME_LIKE_APPLICATIONS }))).namespaces;
    });

    /** The labels of the edges from a node titled `from` to one titled `to`. */
    const labels = (d: Diagram, from: string, to: string) =>
        d.edges.filter(e => d.nodes.get(e.from)!.split("\n")[0] === from && d.nodes.get(e.to)!.split("\n")[0] === to).map(e => e.label);

    it("follows the network and the overview with one diagram per namespace, in name order, each under its heading", () => {
        const headings = [...document.matchAll(/^#{2,3} (.*)$/gm)].map(m => m[1]);
        assert.deepStrictEqual(headings, [
            "The network", "Declared connections", "Namespaces",
            ...["authelia", "cert-manager", "databases", "dns", "media", "minecraft", "monitoring", "podinfo", "whoami"].map(n => `Namespace \`${n}\``),
        ]);
        assert.strictEqual(mermaidBlocks(document).length, 2 + 9);
        assert.match(document, /### Namespace `media`\n\nApplication `emby`: /);
    });

    it(`draws a namespace of up to ${WORKLOADS_IN_ONE_DIAGRAM} workloads in one diagram, with no diagram per workload`, () => {
        const drawn = connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: HOME_LIKE_APPLICATIONS })).namespaces;
        assert.deepStrictEqual(drawn.filter(n => n.drawn !== "whole" || n.workloads.length > 0), []);
        assert.doesNotMatch(document, /^#### /m);
    });

    it("draws the namespace's own workloads, the Application's name where the workload's does not say it", () => {
        const own = (namespace: string) => ownNodes(namespaces.get(namespace)!).map(id => namespaces.get(namespace)!.nodes.get(id)!.replace(/\n/g, " ")).sort();
        assert.deepStrictEqual(own("authelia"), ["authelia", "lldap"]);
        assert.deepStrictEqual(own("databases"), ["mariadb", "redis"]);
        assert.deepStrictEqual(own("monitoring"), ["alertmanager", "grafana", "prometheus"]);
        assert.deepStrictEqual(own("media"), ["backup Application emby", "emby"]);
        assert.deepStrictEqual(own("minecraft"), ["minecraft whole namespace"]);
    });

    it("draws every edge from its caller: each peer beside the one workload of the namespace it talks to, no groups", () => {
        for (const [namespace, d] of namespaces) {
            const own = new Set(ownNodes(d));
            assert.strictEqual(d.groups.size, 0, namespace);
            assert.ok(d.edges.every(e => own.has(e.from) || own.has(e.to)), `${namespace}: every edge starts or ends at one of its workloads`);
            for (const id of d.nodes.keys()) {
                if (!own.has(id)) {
                    assert.strictEqual(d.edges.filter(e => e.from === id || e.to === id).length, 1, `${namespace}: ${d.nodes.get(id)} has one edge`);
                }
            }
            const pairs = d.edges.map(e => `${e.from}>${e.to}`);
            assert.strictEqual(new Set(pairs).size, pairs.length, `${namespace}: one edge per caller and callee`);
            assert.ok(d.edges.every(e => !e.dotted && e.label !== ""), `${namespace}: every edge says its ports`);
        }
        // Both Pi-holes call the internet: two arrows, each into an "Internet" of its own, not two into one.
        const dns = namespaces.get("dns")!;
        const internet = [...dns.nodes].filter(([, l]) => l.startsWith("Internet\n")).map(([id]) => id);
        assert.deepStrictEqual(internet.map(id => titlesOf(dns, dns.edges.filter(e => e.to === id).map(e => e.from))[0]), ["pihole", "pihole-02"]);
        // A connection between namespaces is in both diagrams, the other end dashed, with its namespace.
        assert.deepStrictEqual(labels(namespaces.get("authelia")!, "authelia", "mariadb"), ["3306/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("databases")!, "authelia", "mariadb"), ["3306/TCP"]);
        const databases = namespaces.get("databases")!;
        const caller = [...databases.nodes].find(([, l]) => l === "authelia\nnamespace authelia")![0];
        assert.strictEqual(databases.classes.get(caller), "neighbour");
    });

    it("labels edges with their ports, collapsed, and with what else the declaration says; a connection declared at both ends once", () => {
        assert.deepStrictEqual(labels(namespaces.get("authelia")!, "authelia", "lldap"), ["3890/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("monitoring")!, "prometheus", "the nodes"), ["9100, 10250/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("dns")!, "pihole", "Internet"), ["53/TCP+UDP; 853/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("media")!, "LAN clients", "emby"), ["VIP 192.168.1.233: 8096, 8920/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("minecraft")!, "LAN clients", "minecraft"), ["VIP 192.168.1.235: 8080, 25565/TCP; 19132/UDP"]);
        assert.deepStrictEqual(labels(namespaces.get("monitoring")!, "Traefik", "grafana"), ["3000/TCP"]);
        assert.deepStrictEqual(labels(namespaces.get("cert-manager")!, "cert-manager", "Kubernetes API"), ["any port"]);
        assert.deepStrictEqual(labels(namespaces.get("podinfo")!, "podinfo", "Traefik"), ["its hostname via websecure"]);
        assert.deepStrictEqual(labels(namespaces.get("podinfo")!, "Argo CD server", "podinfo"), ["ICMP 8"]);
        assert.deepStrictEqual(labels(namespaces.get("podinfo")!, "podinfo", "the LAN"), ["443/TCP"]);
    });

    it("merges parallel declarations between one pair into one edge, the union of their ports", () => {
        const git = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };
        const settings = stackSettingsOf(STACKS, "lab", {
            applications: [
                { name: "web", path: "web", ...git, connections: { to: [{ app: "api", ports: [8080, 8081] }, { fqdn: "example.org", ports: [443] }] } },
                { name: "api", path: "api", ...git, connections: { from: [{ app: "web", ports: [8082, "9000-9010", "8080/UDP"] }] } },
            ],
        });
        const web = connectionsOf(connectionDiagrams("lab", settings)).namespaces.get("web")!;
        assert.deepStrictEqual(labels(web, "web", "api"), ["8080-8082, 9000-9010/TCP; 8080/UDP"]);
    });
});

describe(`the topology: a namespace of more than ${WORKLOADS_IN_ONE_DIAGRAM} workloads, a map and one diagram per workload`, () => {
    const grown = [...HOME_LIKE_APPLICATIONS, MONITORING_PUSHGATEWAY, MONITORING_LOKI];
    const settings = stackSettingsOf(STACKS, "home", { applications: grown });
    const diagrams = connectionDiagrams("home", settings);
    const monitoring = diagrams.namespaces.find(n => n.namespace === "monitoring")!;
    const map = read(monitoring.diagram);
    const title = (d: Diagram, id: string) => d.nodes.get(id)!.split("\n")[0];

    it("draws monitoring, with six workloads, as a map followed by one diagram per workload in the config's order; the others whole", () => {
        assert.strictEqual(monitoring.drawn, "map");
        assert.deepStrictEqual(monitoring.workloads.map(w => w.workload.id), [
            "monitoring.prometheus", "monitoring.grafana", "monitoring.alertmanager", "pushgateway.pushgateway", "loki.loki", "loki.promtail",
        ]);
        assert.deepStrictEqual(diagrams.namespaces.filter(n => n.drawn === "map").map(n => n.namespace), ["monitoring"]);
        const document = topologyDocument("home", settings);
        const headings = [...document.matchAll(/^#{3,4} (.*)$/gm)].map(m => m[1]);
        const at = headings.indexOf("Namespace `monitoring`");
        assert.deepStrictEqual(headings.slice(at, at + 8), [
            "Namespace `monitoring`", "Workload `prometheus` of Application `monitoring`", "Workload `grafana` of Application `monitoring`",
            "Workload `alertmanager` of Application `monitoring`", "Workload `pushgateway`", "Workload `loki`", "Workload `promtail` of Application `loki`",
            "Namespace `podinfo`",
        ]);
        const blocks = mermaidBlocks(document);
        const first = blocks.indexOf(monitoring.diagram);
        assert.deepStrictEqual(blocks.slice(first, first + 7), [monitoring.diagram, ...monitoring.workloads.map(w => w.diagram)]);
    });

    it("draws a map from five workloads on, and one diagram up to four", () => {
        const drawnWith = (extra: unknown[]) => {
            const found = connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: [...HOME_LIKE_APPLICATIONS, ...extra] }));
            const entry = found.namespaces.find(n => n.namespace === "monitoring")!;
            return `${entry.drawn} ${entry.workloads.length}`;
        };
        assert.strictEqual(drawnWith([MONITORING_PUSHGATEWAY]), "whole 0");
        assert.strictEqual(drawnWith([MONITORING_LOKI]), "map 5");
    });

    it("maps the workloads and the namespaces they talk to, one unlabelled arrow per caller and callee, none from a workload to itself", () => {
        const own = ownNodes(map);
        assert.deepStrictEqual(titlesOf(map, own).sort(), ["alertmanager", "grafana", "loki", "prometheus", "promtail", "pushgateway"]);
        const others = [...map.nodes.keys()].filter(id => !own.includes(id));
        assert.ok(others.every(id => map.classes.get(id) === "neighbour" && /^namespace [a-z-]+$/.test(map.nodes.get(id)!)), [...map.nodes.values()].join(" | "));
        assert.strictEqual(map.groups.size, 0);
        assert.ok(map.edges.every(e => e.label === "" && !e.dotted));
        const arrows = map.edges.map(e => `${title(map, e.from)} > ${title(map, e.to)}`);
        assert.strictEqual(new Set(arrows).size, arrows.length);
        // prometheus scrapes authelia, mariadb, both Pi-holes and the pushgateway; mariadb pushes to it; loki's call to itself is not drawn.
        assert.deepStrictEqual(arrows.sort(), [
            "grafana > alertmanager", "grafana > loki", "grafana > prometheus", "namespace databases > pushgateway",
            "prometheus > alertmanager", "prometheus > namespace authelia", "prometheus > namespace databases", "prometheus > namespace dns",
            "prometheus > pushgateway", "promtail > loki",
        ]);
        // A namespace that both calls in and is called stands on each side: one node for each.
        assert.strictEqual(others.filter(id => map.nodes.get(id) === "namespace databases").length, 2);
    });

    it("names in each workload's box its peers outside the Applications, as the table does", () => {
        const box = (name: string) => map.nodes.get(nodeTitled(map, name))!.split("\n").slice(1);
        assert.deepStrictEqual(box("prometheus"), ["from Traefik", "to CoreDNS, Kubernetes API, Traefik, the nodes"]);
        assert.deepStrictEqual(box("grafana"), ["from Traefik", "to DNS names"]);
        assert.deepStrictEqual(box("loki"), ["to DNS names"]);
        assert.deepStrictEqual(box("promtail"), ["Application loki", "to Kubernetes API"]);
        assert.deepStrictEqual(box("pushgateway"), []);
    });

    it("draws each workload's connections in its own diagram, each peer beside it, and loses none of the namespace's", () => {
        const key = (d: Diagram, e: Diagram["edges"][number]) => `${d.nodes.get(e.from)!.split("\n")[0]} > ${d.nodes.get(e.to)!.split("\n")[0]}: ${e.label}`;
        const seen = new Set<string>();
        for (const { workload, diagram } of monitoring.workloads) {
            const d = read(diagram);
            const own = ownNodes(d);
            assert.deepStrictEqual(titlesOf(d, own), [workload.name], workload.id);
            assert.ok(d.edges.every(e => own.includes(e.from) || own.includes(e.to)), workload.id);
            for (const id of d.nodes.keys()) {
                if (!own.includes(id)) {
                    assert.strictEqual(d.edges.filter(e => e.from === id || e.to === id).length, 1, `${workload.id}: ${d.nodes.get(id)}`);
                }
            }
            assert.ok(d.edges.every(e => e.label !== ""), workload.id);
            d.edges.forEach(e => seen.add(key(d, e)));
        }
        const whole = read(namespaceDiagram("monitoring", connectionGraph(settings)));
        assert.deepStrictEqual([...seen].sort(), [...new Set(whole.edges.map(e => key(whole, e)))].sort());
        const prometheus = read(monitoring.workloads[0].diagram);
        assert.deepStrictEqual(prometheus.edges.filter(e => title(prometheus, e.to) === "mariadb").map(e => e.label), ["9104/TCP"]);
        // A call to itself goes to a dashed copy of it: Mermaid lays a loop's label over the nodes.
        const loki = read(monitoring.workloads[4].diagram);
        assert.ok(loki.edges.every(e => e.from !== e.to));
        const itself = nodeTitled(loki, /^loki\nitself$/);
        assert.strictEqual(loki.classes.get(itself), "neighbour");
        assert.deepStrictEqual(loki.edges.filter(e => e.to === itself).map(e => `${title(loki, e.from)}: ${e.label}`), ["loki: 7946/TCP"]);
    });
});

describe("the topology at the home cluster's size: 55 generated Applications", () => {
    const settings = stackSettingsOf(STACKS, "home", { applications: syntheticApplications(55) });
    const diagrams = connectionDiagrams("home", settings);
    const { overview, namespaces } = connectionsOf(diagrams);

    it("draws an overview of the 28 namespaces alone, top to bottom, and a map or a diagram for each", () => {
        assert.strictEqual(overview.nodes.size, 28);
        assert.match(diagrams.overview, /^flowchart TB$/m);
        assert.ok(titlesOf(overview, overview.nodes.keys()).every(t => /^team-\d+$/.test(t)));
        assert.ok(overview.edges.every(e => e.label === ""));
        assert.deepStrictEqual([...namespaces.keys()], Array.from({ length: 28 }, (_, i) => `team-${i}`).sort());
    });

    it("maps each namespace of six workloads, draws team-27's three whole, and keeps every workload's diagram small", () => {
        for (const entry of diagrams.namespaces) {
            const d = namespaces.get(entry.namespace)!;
            const own = new Set(ownNodes(d));
            if (entry.namespace === "team-27") {
                assert.strictEqual(entry.drawn, "whole");
                assert.strictEqual(own.size, 3);
                assert.ok(d.edges.every(e => own.has(e.from) || own.has(e.to)));
                continue;
            }
            assert.strictEqual(entry.drawn, "map", entry.namespace);
            assert.strictEqual(own.size, 6, entry.namespace);
            // Each workload calls the next Application's and the one seven on; the previous and the seventh before call it.
            assert.ok(d.nodes.size <= 6 + 8 && d.edges.every(e => e.label === ""), `${entry.namespace}: ${d.nodes.size} nodes`);
            assert.strictEqual(entry.workloads.length, 6);
            for (const { workload, diagram } of entry.workloads) {
                const w = read(diagram);
                // Four connections made, one taken from the platform or the nodes, and for web four from other Applications.
                assert.ok(w.edges.length <= 9 && w.nodes.size === w.edges.length + 1, `${workload.id}: ${w.nodes.size} nodes, ${w.edges.length} edges`);
            }
        }
    });
});

describe("port lists in labels", () => {
    it("merge adjacent ports, write a port open on both protocols once, and keep the ports' order", () => {
        assert.strictEqual(portList([{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]), "53/TCP+UDP");
        assert.strictEqual(portList([{ port: 8443, protocol: "TCP" }, { port: 8080, protocol: "TCP" }, { port: 8081, protocol: "TCP" }]), "8080-8081, 8443/TCP");
        assert.strictEqual(portList([{ port: 6000, endPort: 6010, protocol: "TCP" }, { port: 6005, endPort: 6020, protocol: "TCP" }]), "6000-6020/TCP");
        assert.strictEqual(portList([{ port: 19132, protocol: "UDP" }, { port: 25565, protocol: "TCP" }]), "19132/UDP; 25565/TCP");
        assert.strictEqual(portList([]), "any port");
    });
});

/**
 * The Mermaid library itself, in a worker thread (test/mermaid.ts). Every
 * diagram below is handed to it as mocha loads this file, so that the seconds
 * of parsing and layout under jsdom run beside the test files before this one
 * (in its turn among the early runs, test/early.ts); the tests check what
 * comes back.
 */
describe("the topology diagrams are valid Mermaid", function () {
    this.timeout(EARLY_TIMEOUT);
    const mermaid = startMermaid();
    after(() => mermaid.close());

    /** Checks that a rendered diagram is an SVG holding every node and edge label of its source. */
    const checkRendered = (what: string, source: string, svg: string): void => {
        assert.match(svg, /^<svg /);
        for (const label of source.matchAll(/"([^"]*)"/g)) {
            for (const line of textOf(label[1]).split("\n").filter(l => l !== "")) {
                assert.ok(svg.includes(line.replace(/&/g, "&amp;")), `${what}: "${line}" is not in the rendered SVG`);
            }
        }
    };

    /** Computes the diagrams now and hands them to the worker; a failure is the test's. */
    function handOver<T>(prepare: () => T): Promise<T> {
        const prepared = Promise.resolve().then(prepare);
        prepared.catch(() => undefined);
        return prepared;
    }

    // Every diagram is parsed. Laying one out takes seconds under jsdom (and
    // measures nothing: jsdom has no fonts), so a few are: the network, the
    // largest namespace's and, for the dozen Applications, the overview.
    const cases: Array<[string, string, StackConfigValues]> = [
        ["the home stack with a dozen Applications", "home", { applications: HOME_LIKE_APPLICATIONS }],
        ["the home stack as its file stands", "home", {}],
        ["the lab stack as its file stands", "lab", {}],
    ];
    for (const [what, stack, overrides] of cases) {
        const early = handOver(() => {
            const settings = stackSettingsOf(STACKS, stack, overrides);
            const blocks = mermaidBlocks(topologyDocument(stack, settings));
            const connections = connectionDiagrams(stack, settings);
            const largest = [...blocks.slice(2)].sort((a, b) => b.length - a.length)[0];
            const overview = overrides.applications === HOME_LIKE_APPLICATIONS ? [blocks[1]] : [];
            const laidOut = [blocks[0], ...overview, ...(largest === undefined ? [] : [largest])];
            return {
                blocks,
                expected: [topologyDiagram(stack, settings), connections.overview, ...connections.namespaces.flatMap(n => [n.diagram, ...n.workloads.map(w => w.diagram)])],
                parsed: blocks.map(source => mermaid.parse(source)),
                laidOut,
                rendered: laidOut.map((source, i) => mermaid.render(`${stack}-${i}`, source)),
            };
        });
        it(`parses every diagram of ${what}, and lays out the network and the largest namespace's`, async () => {
            const { blocks, expected, parsed, laidOut, rendered } = await early;
            assert.deepStrictEqual(blocks, expected);
            for (const result of parsed) {
                assert.deepStrictEqual(await result, { diagramType: "flowchart-v2", config: { flowchart: { wrappingWidth: 300 } } });
            }
            for (const [i, source] of laidOut.entries()) {
                checkRendered(what, source, (await rendered[i]).svg);
            }
        });
    }

    const generated = handOver(() => {
        const git = { repoURL: "https://git.example.org/apps.git", targetRevision: "v1.0.0" };
        const lone = Array.from({ length: 5 }, (_, i) => ({ name: `lone-${i}`, path: `lone-${i}`, ...git }));
        const connections = connectionDiagrams("home", stackSettingsOf(STACKS, "home", { applications: [...syntheticApplications(55), ...lone] }));
        const largest = (sources: string[]) => sources.sort((a, b) => b.length - a.length)[0];
        const map = largest(connections.namespaces.filter(n => n.drawn === "map").map(n => n.diagram));
        const workload = largest(connections.namespaces.flatMap(n => n.workloads.map(w => w.diagram)));
        return {
            overview: connections.overview,
            map,
            parsed: [connections.overview, map, workload].map(source => mermaid.parse(source)),
            rendered: mermaid.render("synthetic-map", map),
        };
    });
    it("parses the overview (with namespaces that talk to none), the largest map and the largest workload's diagram of 55 generated Applications, and lays out the map", async () => {
        const { overview, map, parsed, rendered } = await generated;
        assert.match(overview, / ~~~ /);
        for (const result of parsed) {
            assert.deepStrictEqual((await result).diagramType, "flowchart-v2");
        }
        checkRendered("55 generated Applications", map, (await rendered).svg);
    });

    const broken = [
        mermaid.parse("flowchart LR\n    a[\"unclosed --> b"),
        mermaid.parse("flowchart LR\n    subgraph x[\"a\"]\n    a --> b\n    end\n    end"),
    ];
    it("refuses what is not Mermaid, so the checks above can fail", async () => {
        await assert.rejects(broken[0], /Parse error/);
        await assert.rejects(broken[1], /Parse error/);
    });
});

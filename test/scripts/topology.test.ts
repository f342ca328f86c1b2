// The topology document the offline plan writes: the network as it is (who
// announces which address, where its traffic goes, the cloud provider off
// the data path) and the declared connections (one edge per pair, with its
// ports), for the home stack with a dozen Applications and for the lab; and
// both diagrams valid Mermaid, parsed and laid out by the real library.
import * as assert from "assert";
import { JSDOM } from "jsdom";
import { plan } from "../../scripts/plan";
import { stackSettingsOf } from "../../scripts/policyConfig";
import { StackConfigValues } from "../../scripts/stackFiles";
import { connectionDiagram, mermaidBlocks, portList, topologyDiagram, topologyDocument } from "../../scripts/topology";
import { REPO_ROOT } from "../harness";
import { HOME_LIKE_APPLICATIONS } from "../topologyFixture";

interface Diagram {
    /** Node id to its label as text: `<br/>` as a new line, tags dropped. */
    readonly nodes: Map<string, string>;
    /** Subgraph id to its title and the ids directly inside it. */
    readonly groups: Map<string, { title: string; members: string[] }>;
    readonly edges: Array<{ from: string; to: string; dotted: boolean; label: string }>;
}

const textOf = (raw: string) => raw.replace(/<br\/>/g, "\n").replace(/<\/?b>/g, "").replace(/#quot;/g, "\"").replace(/#35;/g, "#");

/** Reads back the flowcharts topology.ts writes (one statement per line). */
function read(source: string): Diagram {
    const nodes = new Map<string, string>();
    const groups = new Map<string, { title: string; members: string[] }>();
    const edges: Diagram["edges"] = [];
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
        } else if ((m = node.exec(line)) !== null) {
            nodes.set(m[1], textOf(m[2]));
            groups.get(stack[stack.length - 1])?.members.push(m[1]);
        }
    }
    return { nodes, groups, edges };
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

async function diagramsOf(stack: string, overrides: StackConfigValues = {}): Promise<{ document: string; network: Diagram; connections: Diagram }> {
    const result = await plan(stack, overrides);
    assert.strictEqual(result.exitCode, 0, result.report);
    const [network, connections] = mermaidBlocks(result.diagram!);
    return { document: result.diagram!, network: read(network), connections: read(connections) };
}

describe("the topology: the network as it is", () => {
    let home: Awaited<ReturnType<typeof diagramsOf>>;
    before(async () => {
        home = await diagramsOf("home", { applications: HOME_LIKE_APPLICATIONS });
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
        const settings = stackSettingsOf(REPO_ROOT, "home", {
            loadBalancerPool: "192.168.1.231-192.168.1.233", ingressVip: "192.168.1.231", ingressSecondaryVip: "192.168.1.233",
            applications: [{ name: "pihole", repoURL: "https://git.example.org/apps.git", path: "pihole", targetRevision: "main", loadBalancerAddresses: [{ address: "192.168.1.232", ports: [53, "53/UDP"] }] }],
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
                name: "echo", repoURL: "https://git.example.org/lab.git", path: "echo", targetRevision: "main",
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

describe("the topology: the declared connections", () => {
    let d: Diagram;
    before(async () => {
        d = (await diagramsOf("home", { applications: HOME_LIKE_APPLICATIONS })).connections;
    });

    it("groups workloads by namespace, Applications that share one included", () => {
        const members = (title: string) => groupTitled(d, title).members.map(id => d.nodes.get(id)!.replace(/\n/g, " ")).sort();
        assert.deepStrictEqual(members("namespace authelia"), ["authelia", "lldap"]);
        assert.deepStrictEqual(members("namespace databases"), ["mariadb", "redis"]);
        assert.deepStrictEqual(members("namespace monitoring"), ["alertmanager", "grafana", "prometheus"]);
        assert.deepStrictEqual(members("namespace media"), ["backup Application emby", "emby"]);
        assert.deepStrictEqual(members("namespace dns"), ["pihole", "pihole-02"]);
        assert.deepStrictEqual(members("namespace minecraft"), ["minecraft whole namespace"]);
    });

    it("draws a connection declared at both ends as one edge, labelled with its ports", () => {
        const authelia = nodeTitled(d, "authelia");
        assert.deepStrictEqual(edgesBetween(d, authelia, nodeTitled(d, "lldap")).map(e => e.label), ["3890/TCP"]);
        assert.deepStrictEqual(edgesBetween(d, authelia, nodeTitled(d, "mariadb")).map(e => e.label), ["3306/TCP"]);
        assert.deepStrictEqual(edgesBetween(d, authelia, nodeTitled(d, "redis")).map(e => e.label), ["6379/TCP"]);
        const pairs = d.edges.map(e => `${e.from}>${e.to}`);
        assert.strictEqual(new Set(pairs).size, pairs.length, "one edge per caller and callee");
        assert.ok(d.edges.every(e => !e.dotted && e.label !== ""), "every edge says its ports");
    });

    it("puts the internet, the nodes, the API, CIDRs, DNS names and platform pods outside the Applications: callers on one side, callees on the other", () => {
        const titles = (title: string) => groupTitled(d, title).members.map(id => d.nodes.get(id)!.replace(/\n/g, " ")).sort();
        assert.deepStrictEqual(titles("calling in"), ["Argo CD server namespace argocd", "LAN clients 192.168.1.0/24", "Traefik namespace traefik"]);
        assert.deepStrictEqual(titles("called"), [
            "1.1.1.1/32", "192.168.1.10/32", "CoreDNS namespace kube-system",
            "DNS names acme-v02.api.letsencrypt.org", "DNS names grafana.com *.grafana.com", "DNS names ntfy.sh", "DNS names smtp.gmail.com",
            "Internet entity world", "Kubernetes API entity kube-apiserver", "Traefik namespace traefik",
            "the LAN 192.168.1.0/24", "the nodes entity host, remote-node",
        ]);
        const calledIn = groupTitled(d, "calling in").members;
        const called = groupTitled(d, "called").members;
        assert.ok(d.edges.every(e => !called.includes(e.from) && !calledIn.includes(e.to)), "every edge runs from a caller to a callee");
    });

    it("labels edges with their ports, collapsed, and with what else the declaration says", () => {
        const prometheus = nodeTitled(d, "prometheus");
        const label = (from: string, to: string) => edgesBetween(d, from, to).map(e => e.label);
        const called = (title: string) => groupTitled(d, "called").members.find(id => d.nodes.get(id)!.split("\n")[0] === title)!;
        const calling = (title: string) => groupTitled(d, "calling in").members.find(id => d.nodes.get(id)!.split("\n")[0] === title)!;
        assert.deepStrictEqual(label(prometheus, called("the nodes")), ["9100, 10250/TCP"]);
        assert.deepStrictEqual(label(nodeTitled(d, "pihole"), called("Internet")), ["53/TCP+UDP; 853/TCP"]);
        assert.deepStrictEqual(label(calling("LAN clients"), nodeTitled(d, "emby")), ["VIP 192.168.1.233: 8096, 8920/TCP"]);
        assert.deepStrictEqual(label(calling("LAN clients"), nodeTitled(d, "minecraft")), ["VIP 192.168.1.235: 8080, 25565/TCP; 19132/UDP"]);
        assert.deepStrictEqual(label(calling("Traefik"), nodeTitled(d, "grafana")), ["3000/TCP"]);
        assert.deepStrictEqual(label(nodeTitled(d, "cert-manager"), called("Kubernetes API")), ["any port"]);
        assert.deepStrictEqual(label(nodeTitled(d, "podinfo"), called("Traefik")), ["its hostname via websecure"]);
        assert.deepStrictEqual(label(calling("Argo CD server"), nodeTitled(d, "podinfo")), ["ICMP 8"]);
        assert.deepStrictEqual(label(nodeTitled(d, "podinfo"), called("the LAN")), ["443/TCP"]);
    });

    it("merges parallel declarations between one pair into one edge, the union of their ports", () => {
        const git = { repoURL: "https://git.example.org/apps.git", targetRevision: "main" };
        const settings = stackSettingsOf(REPO_ROOT, "lab", {
            applications: [
                { name: "web", path: "web", ...git, connections: { to: [{ app: "api", ports: [8080, 8081] }, { fqdn: "example.org", ports: [443] }] } },
                { name: "api", path: "api", ...git, connections: { from: [{ app: "web", ports: [8082, "9000-9010", "8080/UDP"] }] } },
            ],
        });
        const graph = read(connectionDiagram("lab", settings));
        assert.deepStrictEqual(edgesBetween(graph, nodeTitled(graph, "web"), nodeTitled(graph, "api")).map(e => e.label), ["8080-8082, 9000-9010/TCP; 8080/UDP"]);
    });

    it("says so when a stack declares no Applications", () => {
        const settings = stackSettingsOf(REPO_ROOT, "home", { applications: [] });
        assert.match(connectionDiagram("home", settings), /Stack home declares no Applications/);
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
 * The Mermaid library itself, in this process: it is an ES module (imported
 * through a Function, which TypeScript's CommonJS output leaves alone) that
 * needs a DOM for its sanitiser, given here by jsdom for the duration of the
 * tests. Rendering also needs text measured: jsdom lays nothing out, so each
 * text is measured as 8 pixels a character.
 */
describe("the topology diagrams are valid Mermaid", function () {
    this.timeout(60000);
    const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;
    const GLOBALS = ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "Node", "DOMParser", "MutationObserver", "CSSStyleSheet"] as const;
    let dom: JSDOM;
    let mermaid: any;
    const saved = new Map<string, PropertyDescriptor | undefined>();

    before(async () => {
        dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
        const window = dom.window as any;
        const measure = function (this: Element) {
            const length = (this.textContent ?? "").length;
            return { x: 0, y: 0, width: 8 * length, height: 16, top: 0, left: 0, right: 8 * length, bottom: 16 };
        };
        window.SVGElement.prototype.getBBox = measure;
        window.SVGElement.prototype.getComputedTextLength = function (this: Element) {
            return 8 * (this.textContent ?? "").length;
        };
        for (const name of GLOBALS) {
            saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
            Object.defineProperty(globalThis, name, { value: window[name], configurable: true, writable: true });
        }
        mermaid = (await importModule("mermaid")).default;
        mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    });

    after(() => {
        for (const [name, descriptor] of saved) {
            if (descriptor === undefined) {
                delete (globalThis as any)[name];
            } else {
                Object.defineProperty(globalThis, name, descriptor);
            }
        }
        dom.window.close();
    });

    const cases: Array<[string, string, StackConfigValues]> = [
        ["the home stack with a dozen Applications", "home", { applications: HOME_LIKE_APPLICATIONS }],
        ["the home stack as its file stands", "home", {}],
        ["the lab stack as its file stands", "lab", {}],
    ];
    for (const [what, stack, overrides] of cases) {
        it(`parses and lays out both diagrams of ${what}`, async () => {
            const settings = stackSettingsOf(REPO_ROOT, stack, overrides);
            const blocks = mermaidBlocks(topologyDocument(stack, settings));
            assert.deepStrictEqual(blocks, [topologyDiagram(stack, settings), connectionDiagram(stack, settings)]);
            for (const [i, source] of blocks.entries()) {
                assert.deepStrictEqual(await mermaid.parse(source), { diagramType: "flowchart-v2", config: { flowchart: { wrappingWidth: 300 } } });
                const { svg } = await mermaid.render(`${stack}-${i}`, source);
                assert.match(svg, /^<svg /);
                // Every node and edge label made it into the picture.
                for (const label of source.matchAll(/"([^"]*)"/g)) {
                    for (const line of textOf(label[1]).split("\n").filter(l => l !== "")) {
                        assert.ok(svg.includes(line.replace(/&/g, "&amp;")), `${what}: "${line}" is not in the rendered SVG`);
                    }
                }
            }
        });
    }

    it("refuses what is not Mermaid, so the checks above can fail", async () => {
        await assert.rejects(mermaid.parse("flowchart LR\n    a[\"unclosed --> b"), /Parse error/);
        await assert.rejects(mermaid.parse("flowchart LR\n    subgraph x[\"a\"]\n    a --> b\n    end\n    end"), /Parse error/);
    });
});

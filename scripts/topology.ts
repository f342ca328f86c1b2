// The stack's network as two Mermaid diagrams, drawn from the stack's parsed
// settings (the same typed object the program reads its config into). Pure.
//
// - The network: the LAN and its clients (and its router and DHCP scope when
//   the stack records them), every VIP with its owner and the kube-vip role
//   that announces it, the cloud provider as the allocator it is (it writes
//   addresses into Services; no packet passes through it), Traefik's
//   entrypoints behind its two VIPs, the Applications' own addresses pointing
//   at their workloads, and the nodes with their devices and Cilium's CIDRs.
// - The declared connections: namespaces as groups, workloads as nodes, one
//   edge per pair of ends labelled with its ports (a connection declared at
//   both ends, or in pieces, is one edge), and everything outside the
//   Applications (the internet, the nodes, the API, CIDRs, DNS names, the
//   platform's pods) as external peers.

import type { ApplicationSpec, ConnectionSpec, PeerRef, PortSpec, WorkloadSpec } from "../config/applications";
import type { StackSettings } from "../config/stack";
import { KUBE_VIP } from "../components/kube-vip/names";
import { PLATFORM_PODS, PlatformId } from "../platform/pods";
import { allFrontends } from "../platform/traefik";
import { TRAEFIK } from "../components/traefik/names";

/** Text in a Mermaid label: a double quote would end it, `#` starts an entity code. */
function text(value: string): string {
    return value.replace(/#/g, "#35;").replace(/"/g, "#quot;");
}

/** A quoted label; `lines` are joined with line breaks, the first one bold when `title`. */
function label(lines: readonly string[], title = false): string {
    return `"${lines.map((line, i) => (i === 0 && title ? `<b>${text(line)}</b>` : text(line))).join("<br/>")}"`;
}

/** Unique Mermaid ids from readable hints (letters, digits and _ only; never a keyword such as `end`). */
class Ids {
    private readonly byKey = new Map<string, string>();
    private readonly used = new Set<string>();

    of(key: string, hint: string = key): string {
        const known = this.byKey.get(key);
        if (known !== undefined) {
            return known;
        }
        const base = `n_${hint.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`;
        let id = base;
        for (let i = 2; this.used.has(id); i++) {
            id = `${base}_${i}`;
        }
        this.used.add(id);
        this.byKey.set(key, id);
        return id;
    }
}

/**
 * Ports for a label, collapsed: adjacent ports merged into ranges, a port
 * open on both protocols written once. `8080, 25565/TCP; 19132/UDP`,
 * `53/TCP+UDP`, `6000-6010/TCP`; "any port" for none.
 */
export function portList(ports: readonly PortSpec[]): string {
    if (ports.length === 0) {
        return "any port";
    }
    const runs = new Map<string, { start: number; protocols: Set<string> }>();
    for (const protocol of ["TCP", "UDP"] as const) {
        const spans = ports.filter(p => p.protocol === protocol).map(p => [p.port, p.endPort ?? p.port]).sort((a, b) => a[0] - b[0]);
        const merged: number[][] = [];
        for (const [start, end] of spans) {
            const last = merged[merged.length - 1];
            if (last !== undefined && start <= last[1] + 1) {
                last[1] = Math.max(last[1], end);
            } else {
                merged.push([start, end]);
            }
        }
        for (const [start, end] of merged) {
            const key = start === end ? `${start}` : `${start}-${end}`;
            const run = runs.get(key) ?? { start, protocols: new Set<string>() };
            run.protocols.add(protocol);
            runs.set(key, run);
        }
    }
    const groups = new Map<string, string[]>();
    for (const [key, run] of [...runs].sort((a, b) => a[1].start - b[1].start)) {
        const protocols = [...run.protocols].join("+");
        groups.set(protocols, [...(groups.get(protocols) ?? []), key]);
    }
    return [...groups].map(([protocols, keys]) => `${keys.join(", ")}/${protocols}`).join("; ");
}

/** The platform's pods as people call them. */
const PLATFORM_NAMES: Record<PlatformId, string> = {
    "traefik": "Traefik",
    "argocd-server": "Argo CD server",
    "argocd-repo-server": "Argo CD repo server",
    "argocd-application-controller": "Argo CD application controller",
    "argocd-applicationset-controller": "Argo CD ApplicationSet controller",
    "hubble-relay": "Hubble Relay",
    "hubble-ui": "Hubble UI",
    "coredns": "CoreDNS",
};

/** Cilium's entities as people call them. */
const ENTITY_NAMES: Record<string, string> = {
    "world": "Internet",
    "cluster": "the whole cluster",
    "host": "the pod's own node",
    "remote-node": "the other nodes",
    "kube-apiserver": "Kubernetes API",
};

/**
 * The head of each diagram: node text wraps at 300 pixels instead of 200, so
 * that a Deployment's name stays on one line; left to right.
 */
const HEAD = ["---", "config:", "  flowchart:", "    wrappingWidth: 300", "---", "flowchart LR"];

/** Shared styles: addresses, controllers (no traffic passes through them), peers outside the Applications. */
const CLASSES = [
    "    classDef vip fill:#fff4d6,stroke:#b07d00,color:#222",
    "    classDef control fill:#eef1f6,stroke:#6b7a90,stroke-dasharray:4 3,color:#222",
    "    classDef external fill:#f3f3f3,stroke:#888,color:#222",
    "    classDef workload fill:#e5f3e8,stroke:#3b7d4a,color:#222",
    "    classDef platform fill:#e8eefc,stroke:#4a64a8,color:#222",
];

/** Where a workload lives, for labels: `workload emby of Application emby, namespace media`. */
function workloadLines(app: string, workload: string | undefined, namespace: string): string[] {
    if (workload === undefined) {
        return [`Application ${app}`, `every pod of namespace ${namespace}`];
    }
    return [workload === app ? `${workload}` : `${workload} (Application ${app})`, `namespace ${namespace}`];
}

/** The network as it is: who answers for which address, and where the traffic to each one goes. */
export function topologyDiagram(stack: string, settings: StackSettings): string {
    const a = settings.addresses;
    const ids = new Ids();
    const lines: string[] = [...HEAD];
    const classes = new Map<string, string[]>();
    const classify = (cls: string, id: string) => classes.set(cls, [...(classes.get(cls) ?? []), id]);

    // The LAN: its clients, and its router and DHCP scope when the stack records them.
    const routerEdges: string[] = [];
    const clients = ids.of("clients");
    lines.push(`    subgraph ${ids.of("lan")}[${label([`LAN ${a.lan.cidr} (stack ${stack})`])}]`);
    lines.push(`        ${clients}[${label(["LAN clients", "laptops, phones, other hosts"], true)}]`);
    classify("external", clients);
    if (a.gateway !== undefined || a.dhcpScope !== undefined) {
        const router = ids.of("router");
        lines.push(`        ${router}[${label([
            a.gateway !== undefined ? `router ${a.gateway.text}` : "DHCP server",
            ...(a.gateway !== undefined ? ["the LAN's default gateway"] : []),
            ...(a.dhcpScope !== undefined ? [`DHCP scope ${a.dhcpScope.text}`] : []),
        ], true)}]`);
        classify("external", router);
        if (a.gateway !== undefined) {
            // Outside the LAN: the router is the way out, not a hop to any VIP.
            const internet = ids.of("internet");
            routerEdges.push(`    ${clients} -->|"default route"| ${router}`, `    ${router} --> ${internet}((${label(["Internet"])}))`);
            classify("external", internet);
        }
    }

    // Every address the cluster answers for, inside the LAN.
    const apiVip = ids.of("vip-api", `vip_${a.controlPlaneVip.text}`);
    lines.push(`        ${apiVip}([${label([`${a.controlPlaneVip.text}:${settings.apiServerPort}`, "API VIP (controlPlaneVip)"], true)}])`);
    classify("vip", apiVip);
    const pool = ids.of("pool");
    lines.push(`        subgraph ${pool}[${label([`LoadBalancer pool ${a.loadBalancerPool.text}`])}]`);
    const reservations = settings.ownership.reservations.filter(r => r.owner.kind !== "api").sort((x, y) => x.address.value - y.address.value);
    const frontends = allFrontends(a.ingress);
    for (const reservation of reservations) {
        const id = ids.of(`vip-${reservation.address.text}`, `vip_${reservation.address.text}`);
        const owner = reservation.owner;
        const frontend = frontends.find(f => f.vip.value === reservation.address.value);
        const detail = frontend !== undefined
            ? [`Service ${frontend.serviceName}`, frontend.entrypoints.map(e => e.name).join(", ")]
            : [`Application ${owner.application}`, portList(owner.ports ?? [])];
        lines.push(`            ${id}([${label([reservation.address.text, ...detail], true)}])`);
        classify("vip", id);
    }
    const unpinned = ids.of("unpinned");
    lines.push(`            ${unpinned}[${label(settings.ownership.unpinned.length === 0
        ? [`${KUBE_VIP.cloudProvider.globalRangeKey}: none left`, "a Service that pins", "no address stays pending"]
        : [KUBE_VIP.cloudProvider.globalRangeKey, ...settings.ownership.unpinned.map(r => r.text), "for Services that pin none"], true)}]`);
    classify("vip", unpinned);
    lines.push("        end", "    end");

    // The cluster: the host network of every node, and the pod network.
    const host = ids.of("host");
    const cp = ids.of("kube-vip-control-plane");
    const services = ids.of("kube-vip-services");
    const apiserver = ids.of("apiserver");
    const cilium = ids.of("cilium");
    lines.push(`    subgraph ${host}[${label([`K3s nodes, host network: ${a.ciliumDevices.join(", ")}`])}]`);
    lines.push(`        ${cp}[${label(["kube-vip control-plane role", `DaemonSet ${KUBE_VIP.controlPlane.daemonSet}`, "control-plane nodes", `leader election, ARP on ${a.vipInterface}`], true)}]`);
    lines.push(`        ${services}[${label(["kube-vip services role", `DaemonSet ${KUBE_VIP.services.daemonSet}`, "every node", "one election per Service", `ARP on ${a.vipInterface}`], true)}]`);
    lines.push(`        ${apiserver}[${label([`kube-apiserver :${settings.apiServerPort}`, "on each K3s server"], true)}]`);
    lines.push(`        ${cilium}[${label([
        "Cilium on every node",
        `devices ${a.ciliumDevices.join(", ")}`,
        `pod CIDR ${a.podCidr.cidr}`,
        `Service CIDR ${a.serviceCidr.cidr}`,
        "no kube-proxy: eBPF",
        "WireGuard, GENEVE",
    ], true)}]`);
    lines.push("    end");
    classify("control", cp);
    classify("control", services);
    classify("platform", apiserver);
    classify("platform", cilium);

    const podNet = ids.of("pod-network");
    const cloud = ids.of("cloud-provider");
    const traefik = ids.of("traefik");
    lines.push(`    subgraph ${podNet}[${label([`pod network ${a.podCidr.cidr}`])}]`);
    lines.push(`        ${cloud}[${label([
        "kube-vip cloud provider",
        `Deployment ${KUBE_VIP.cloudProvider.deployment}`,
        `writes an address of ${KUBE_VIP.cloudProvider.globalRangeKey}`,
        "into each Service that pins none",
        "carries no traffic",
    ], true)}]`);
    classify("control", cloud);
    lines.push(`        subgraph ${traefik}[${label([`Traefik, namespace ${TRAEFIK.namespace}`])}]`);
    for (const frontend of frontends) {
        for (const entrypoint of frontend.entrypoints) {
            const id = ids.of(`ep-${entrypoint.name}`, `ep_${entrypoint.name}`);
            lines.push(`            ${id}[${label([`entrypoint ${entrypoint.name}`, `:${entrypoint.port}${entrypoint.tls ? " TLS" : ""}`], true)}]`);
            classify("platform", id);
        }
    }
    lines.push("        end");
    const owners = reservations.filter(r => r.owner.kind === "application");
    for (const reservation of owners) {
        const owner = reservation.owner;
        const id = ids.of(`w-${owner.application}-${owner.workload ?? ""}`, `w_${owner.application}_${owner.workload ?? "all"}`);
        lines.push(`        ${id}[${label(workloadLines(owner.application!, owner.workload, owner.namespace!), true)}]`);
        classify("workload", id);
    }
    lines.push("    end");

    // Traffic: solid. Who announces or allocates an address: dotted, drawn
    // from the address to its controller (no packet takes that way).
    lines.push(...routerEdges);
    lines.push(`    ${clients} -->|"${settings.apiServerPort}/TCP"| ${apiVip}`);
    lines.push(`    ${apiVip} --> ${apiserver}`);
    for (const frontend of frontends) {
        const vip = ids.of(`vip-${frontend.vip.text}`);
        lines.push(`    ${clients} --> ${vip}`);
        for (const entrypoint of frontend.entrypoints) {
            lines.push(`    ${vip} -->|"${entrypoint.exposedPort} to ${entrypoint.port}"| ${ids.of(`ep-${entrypoint.name}`)}`);
        }
    }
    for (const reservation of owners) {
        const owner = reservation.owner;
        const vip = ids.of(`vip-${reservation.address.text}`);
        lines.push(`    ${clients} --> ${vip}`);
        lines.push(`    ${vip} -->|${label([portList(owner.ports ?? [])])}| ${ids.of(`w-${owner.application}-${owner.workload ?? ""}`)}`);
    }
    lines.push(`    ${apiVip} -.->|"announced by"| ${cp}`);
    lines.push(`    ${pool} -.->|"every address announced by"| ${services}`);
    lines.push(`    ${unpinned} -.->|"allocated by"| ${cloud}`);
    lines.push("", ...CLASSES);
    for (const [cls, members] of classes) {
        lines.push(`    class ${members.join(",")} ${cls}`);
    }
    return lines.join("\n");
}

interface GraphEdge {
    readonly from: string;
    readonly to: string;
    readonly ports: PortSpec[];
    anyPort: boolean;
    readonly icmp: Set<number>;
    readonly notes: string[];
}

/**
 * The declared connections: every workload in its namespace, every peer
 * outside the Applications once, and one edge per ordered pair of ends, its
 * ports the union of every declaration between them.
 */
export function connectionDiagram(stack: string, settings: StackSettings): string {
    const apps = settings.applications;
    const lan = settings.addresses.lan.cidr;
    const ids = new Ids();
    const lines: string[] = [...HEAD];
    const classes = new Map<string, string[]>();
    const classify = (cls: string, id: string) => classes.set(cls, [...(classes.get(cls) ?? []), id]);
    if (apps.length === 0) {
        const none = ids.of("none");
        lines.push(`    ${none}[${label([`Stack ${stack} declares no Applications`, "nothing to connect"], true)}]`);
        return lines.join("\n");
    }

    const byName = new Map<string, ApplicationSpec>(apps.map(app => [app.name, app]));
    const workloadId = (w: WorkloadSpec) => ids.of(`w:${w.id}`, `w_${w.id}`);
    // Peers outside the Applications are drawn twice when they both call in
    // and are called: callers on the left, callees on the right, so every
    // arrow runs left to right and none crosses the graph back.
    const externals = { in: new Map<string, string>(), out: new Map<string, string>() };
    type Side = keyof typeof externals;
    const external = (side: Side, key: string, lines_: readonly string[], cls: string): string => {
        const id = ids.of(`x:${side}:${key}`, `${side}_${key}`);
        if (!externals[side].has(id)) {
            externals[side].set(id, `        ${id}[${label(lines_, true)}]`);
            classify(cls, id);
        }
        return id;
    };

    /** The ends a peer stands for, with a note for the edge label when the peer says more than its ports. */
    const resolve = (peer: PeerRef, side: Side): Array<{ id: string; note?: string }> => {
        switch (peer.kind) {
            case "app": {
                const targets = (byName.get(peer.app)?.workloads ?? []).filter(w => peer.workload === undefined || w.name === peer.workload);
                return targets.map(w => ({ id: workloadId(w) }));
            }
            case "entity": {
                const names = [...peer.entities].sort();
                const key = names.join("+");
                const title = key === "host+remote-node" ? "the nodes" : names.map(n => ENTITY_NAMES[n] ?? n).join(", ");
                return [{ id: external(side, `entity-${key}`, [title, `entity ${names.join(", ")}`], "external") }];
            }
            case "cidr":
                return [{ id: external(side, `cidr-${peer.cidr}`, peer.cidr === lan ? ["the LAN", peer.cidr] : [peer.cidr], "external") }];
            case "fqdn":
                return [{ id: external(side, `fqdn-${peer.patterns.join(",")}`, ["DNS names", ...peer.patterns], "external") }];
            case "platform": {
                const pods = PLATFORM_PODS[peer.id];
                return [{ id: external(side, `platform-${peer.id}`, [PLATFORM_NAMES[peer.id], `namespace ${pods.namespace}`], "platform") }];
            }
            case "ingress":
                return [{ id: external(side, "platform-traefik", [PLATFORM_NAMES.traefik, `namespace ${PLATFORM_PODS.traefik.namespace}`], "platform"), note: `its hostname via ${peer.entrypoints.join(", ")}` }];
            case "pods": {
                const selector = Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`).join(", ");
                return [{ id: external(side, `pods-${peer.namespace}-${selector}`, [`pods of namespace ${peer.namespace}`, selector === "" ? "every pod" : selector], "external") }];
            }
        }
    };

    const edges = new Map<string, GraphEdge>();
    const add = (from: string, to: string, connection: Pick<ConnectionSpec, "ports" | "icmp">, note?: string) => {
        const key = `${from}>${to}`;
        const edge = edges.get(key) ?? { from, to, ports: [], anyPort: false, icmp: new Set<number>(), notes: [] };
        edges.set(key, edge);
        if (note !== undefined) {
            if (!edge.notes.includes(note)) {
                edge.notes.push(note);
            }
        } else if (connection.icmp !== undefined) {
            connection.icmp.forEach(t => edge.icmp.add(t));
        } else if (connection.ports.length === 0) {
            edge.anyPort = true;
        } else {
            edge.ports.push(...connection.ports);
        }
    };

    for (const app of apps) {
        for (const workload of app.workloads) {
            const self = workloadId(workload);
            for (const lb of workload.loadBalancerAddresses) {
                const clients = external("in", "lan-clients", ["LAN clients", lan], "external");
                add(clients, self, { ports: [] }, `VIP ${lb.text}: ${portList(lb.ports)}`);
            }
            for (const connection of workload.to) {
                for (const end of resolve(connection.peer, "out")) {
                    add(self, end.id, connection, end.note);
                }
            }
            for (const connection of workload.from) {
                for (const end of resolve(connection.peer, "in")) {
                    add(end.id, self, connection, end.note);
                }
            }
        }
    }

    // Namespaces as groups, in the order the Applications first use them.
    const namespaces = new Map<string, WorkloadSpec[]>();
    for (const app of apps) {
        for (const workload of app.workloads) {
            namespaces.set(workload.namespace, [...(namespaces.get(workload.namespace) ?? []), workload]);
        }
    }
    for (const [namespace, workloads] of namespaces) {
        lines.push(`    subgraph ${ids.of(`ns:${namespace}`, `ns_${namespace}`)}[${label([`namespace ${namespace}`])}]`);
        for (const w of workloads) {
            // The Application's name when neither the workload's nor the namespace's says it.
            const title = w.wholeNamespace ? w.app : w.name;
            const detail = w.wholeNamespace ? "whole namespace" : w.app === w.name || w.app === namespace ? undefined : `Application ${w.app}`;
            lines.push(`        ${workloadId(w)}[${label([title, ...(detail === undefined ? [] : [detail])], true)}]`);
            classify("workload", workloadId(w));
        }
        lines.push("    end");
    }
    if (externals.in.size > 0) {
        lines.push(`    subgraph ${ids.of("callers")}[${label(["calling in"])}]`, ...externals.in.values(), "    end");
    }
    if (externals.out.size > 0) {
        lines.push(`    subgraph ${ids.of("callees")}[${label(["called"])}]`, ...externals.out.values(), "    end");
    }
    for (const edge of edges.values()) {
        const parts = [
            ...edge.notes,
            ...(edge.anyPort ? ["any port"] : edge.ports.length > 0 ? [portList(edge.ports)] : []),
            ...(edge.icmp.size > 0 ? [`ICMP ${[...edge.icmp].sort((x, y) => x - y).join(", ")}`] : []),
        ];
        lines.push(`    ${edge.from} -->|${label(parts)}| ${edge.to}`);
    }
    lines.push("", ...CLASSES);
    for (const [cls, members] of classes) {
        lines.push(`    class ${members.join(",")} ${cls}`);
    }
    return lines.join("\n");
}

/** The document `npm run plan` writes: both diagrams, each with what its lines and arrows mean. */
export function topologyDocument(stack: string, settings: StackSettings): string {
    return [
        `# Topology of stack \`${stack}\``,
        "",
        "Generated by `npm run plan` from the stack's config; do not edit by hand.",
        "",
        "## The network",
        "",
        "Solid arrows carry traffic. Dotted arrows lead from an address to the controller that answers for it: the kube-vip role that announces it over ARP, and for Services that pin no address the cloud provider that writes one into them. No packet passes through either.",
        "",
        "```mermaid",
        topologyDiagram(stack, settings),
        "```",
        "",
        "## Declared connections",
        "",
        "Each Application's workloads in their namespace, and every connection declared in the stack's `applications`: one arrow from caller to callee per pair, with its ports, however many times and at whichever end it is declared. Peers outside the Applications stand on the left when they call in and on the right when they are called (Traefik can be on both sides). Not drawn: every namespace's DNS to CoreDNS, and traffic inside an Application declared without workloads (its whole namespace).",
        "",
        "```mermaid",
        connectionDiagram(stack, settings),
        "```",
        "",
    ].join("\n");
}

/** The Mermaid sources of a document, in order. */
export function mermaidBlocks(document: string): string[] {
    return [...document.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map(m => m[1]);
}

// The stack's network as a Mermaid diagram, drawn from the stack's parsed
// settings (the same typed object the program reads its config into): the LAN
// and its clients (and its router and DHCP scope when the stack records them),
// every VIP with its owner and the kube-vip role that announces it, the cloud
// provider as the allocator it is (it writes addresses into Services; no
// packet passes through it), Traefik's entrypoints behind its two VIPs, the
// Applications' own addresses pointing at their workloads, and the nodes with
// their devices and Cilium's CIDRs. Pure.

import type { StackSettings } from "../../config/stack";
import { KUBE_VIP } from "../../platform/kube-vip";
import { TRAEFIK, allFrontends } from "../../platform/traefik";
import { Classes, Ids, head, label, portList } from "./mermaid";

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
    const lines: string[] = head();
    const classes = new Classes();
    const classify = (cls: string, id: string) => classes.add(cls, id);

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
    lines.push(...classes.lines());
    return lines.join("\n");
}

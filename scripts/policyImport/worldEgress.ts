// Egress to the world on every port, which the pack's
// egress-to-world-needs-ports refuses, in an import: a prober whose config
// says what it reaches (probes.ts: the blackbox exporter's chart release in
// the Application's folder) gets the ports its probes use, and the rule is
// reported as narrowed, with the reason; any other is listed as a place where
// the printed config fails the pack, with the fix. Pure.

import type { CiliumEntityName } from "../../config/applications";
import { CiliumPorts, describePods, portsText } from "./cilium";
import type { ImportedApplication, ImportedConnection, Reason } from "./importResult";
import { ruleId } from "./importResult";
import type { ChartRelease } from "./manifests";
import { ProberPorts, blackboxReleases, isProber, proberPortsText } from "./probes";

export interface WorldEgress {
    /** Per workload narrowed, what it got and why. */
    readonly narrowed: readonly string[];
    readonly packFailures: readonly string[];
    /** Per rule (ruleId), what was narrowed. */
    readonly reasons: ReadonlyMap<string, readonly Reason[]>;
}

type MutableTo = { to: ImportedConnection[]; readonly namespace: string; readonly selector: Readonly<Record<string, string>> };

const WORLD: CiliumEntityName = "world";

function within(file: string, folder: string): boolean {
    return folder === "" || file === folder || file.startsWith(`${folder}/`);
}

/** Replaces the workload's world-on-every-port connections by the prober's ports (and ICMP); other entities of them keep every port. */
function narrow(workload: MutableTo, wide: readonly ImportedConnection[], prober: ProberPorts): void {
    const rules = [...new Set(wide.flatMap(c => [...c.rules]))];
    for (const connection of wide) {
        const at = workload.to.indexOf(connection);
        const rest = (connection.peer as { entities: readonly CiliumEntityName[] }).entities.filter(e => e !== WORLD);
        if (rest.length === 0) {
            workload.to.splice(at, 1);
        } else {
            workload.to[at] = { ...connection, peer: { kind: "entity", entities: rest } };
        }
    }
    // The program refuses a peer listed twice: world's other connections (ports, or ICMP) take the probes' in.
    const add = (ports: CiliumPorts) => {
        const same = workload.to.findIndex(c => c.peer.kind === "entity" && c.peer.entities.length === 1 && c.peer.entities[0] === WORLD && c.ports.kind === ports.kind);
        if (same < 0) {
            workload.to.push({ peer: { kind: "entity", entities: [WORLD] }, ports, rules });
            return;
        }
        const before = workload.to[same];
        const merged: CiliumPorts = before.ports.kind === "ports" && ports.kind === "ports"
            ? { kind: "ports", ports: [...before.ports.ports, ...ports.ports.filter(p => !(before.ports as { ports: typeof ports.ports }).ports.some(q => q.port === p.port && q.protocol === p.protocol && q.endPort === p.endPort))] }
            : before.ports.kind === "icmp" && ports.kind === "icmp" ? { kind: "icmp", types: [...new Set([...before.ports.types, ...ports.types])] } : before.ports;
        workload.to[same] = { ...before, ports: merged, rules: [...new Set([...before.rules, ...rules])] };
    };
    if (prober.ports.length > 0) {
        add({ kind: "ports", ports: [...prober.ports] });
    }
    if (prober.icmp.length > 0) {
        add({ kind: "icmp", types: [...prober.icmp] });
    }
}

/** Narrows (or lists) every workload's world egress on every port; `apps` are edited in place. */
export function narrowWorldEgress(apps: readonly ImportedApplication[], charts: readonly ChartRelease[]): WorldEgress {
    const narrowed: string[] = [];
    const packFailures: string[] = [];
    const reasons = new Map<string, Reason[]>();
    for (const app of apps) {
        const probers = blackboxReleases(charts.filter(c => within(c.file, app.folder)));
        for (const workload of app.workloads as unknown as MutableTo[]) {
            const wide = workload.to.filter(c => c.peer.kind === "entity" && c.peer.entities.includes(WORLD) && c.ports.kind === "any");
            if (wide.length === 0) {
                continue;
            }
            const pods = `${describePods({ namespace: workload.namespace, labels: workload.selector })} (Application ${app.name})`;
            const prober = probers.find(p => isProber(p, workload.namespace, workload.selector));
            if (prober === undefined || "unknown" in prober) {
                packFailures.push(`${pods}: its policy lets it out to the world on every port (${wide.flatMap(c => c.rules).map(r => `${r.policy} ${r.section}#${r.index}`).join(", ")}), which the pack's egress-to-world-needs-ports refuses` +
                    `${prober === undefined ? "" : ` (its blackbox exporter's probes cannot be told: ${prober.unknown})`}: list the ports it needs on that connection (world, ports: [...])`);
                continue;
            }
            narrow(workload, wide, prober);
            const written = proberPortsText(prober);
            narrowed.push(`${pods}: world on every port written as ${written}, the ports its probes use: ${prober.why}`);
            for (const rule of wide.flatMap(c => c.rules)) {
                reasons.set(ruleId(rule), [...(reasons.get(ruleId(rule)) ?? []), { code: "probes", detail: `world on ${portsText({ kind: "any" })} is written as ${written}, the ports its probes use (${prober.why})` }]);
            }
        }
    }
    return { narrowed, packFailures, reasons };
}

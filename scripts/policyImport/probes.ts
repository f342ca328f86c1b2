// What a prober reaches in the world, from its own config: the Prometheus
// blackbox exporter's chart release (kustomize helmCharts) in an imported
// folder, its modules (config.modules: the prober of each, http, tcp, icmp,
// dns, grpc) and its targets (serviceMonitor.targets, each with its module or
// serviceMonitor.defaults.module). A blackbox exporter's original policy
// typically lets it out to the world on every port, which the pack's
// egress-to-world-needs-ports refuses; its probes need only these ports (and
// ICMP echo for the icmp prober). A SOPS-encrypted values file is read for its
// clear parts (keys, modules); an encrypted URL hides its scheme and port, so
// the http prober's 80 and 443 are assumed and the reason says so. Pure.

import type { PortSpec } from "../../policy/ports";
import { formatPort } from "../../policy/ports";
import { isObject } from "./cilium";
import type { ChartRelease } from "./manifests";

/** The chart, as kustomize names it. */
export const BLACKBOX_CHART = "prometheus-blackbox-exporter";
/** ICMPv4 echo request: what the icmp prober sends. */
const ICMP_ECHO = 8;

export interface ProberPorts {
    readonly namespace: string;
    /** The chart's pod labels (app.kubernetes.io/name and instance). */
    readonly labels: Readonly<Record<string, string>>;
    readonly release: string;
    readonly ports: readonly PortSpec[];
    readonly icmp: readonly number[];
    /** Where they come from, and what was assumed. */
    readonly why: string;
}

export type ProberResult = ProberPorts | { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly release: string; readonly unknown: string };

const isEncrypted = (value: unknown) => typeof value === "string" && value.startsWith("ENC[");

/** Values merged in kustomize's order: the values files, then valuesInline over them. */
function merged(layers: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
    const merge = (a: unknown, b: unknown): unknown => (isObject(a) && isObject(b)
        ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map(k => [k, k in b ? merge(a[k], b[k]) : a[k]]))
        : b);
    return layers.reduce<Record<string, unknown>>((all, layer) => merge(all, layer) as Record<string, unknown>, {});
}

/** The port a `host:port` target names, if it is in clear. */
function hostPort(target: unknown): number | undefined {
    if (typeof target !== "string" || isEncrypted(target)) {
        return undefined;
    }
    const match = /:([0-9]{1,5})$/.exec(target.replace(/^[a-z]+:\/\//, "").split("/")[0]);
    return match === null ? undefined : Number(match[1]);
}

interface TargetPorts {
    readonly ports: readonly PortSpec[];
    readonly icmp: readonly number[];
    readonly assumed?: string;
}

function targetPorts(prober: string, target: unknown, module: Record<string, unknown>): TargetPorts | string {
    switch (prober) {
        case "http": {
            if (typeof target !== "string" || isEncrypted(target)) {
                return { ports: [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "TCP" }], icmp: [], assumed: "URLs encrypted with SOPS hide their scheme and port, so the http prober's 80 and 443 are assumed" };
            }
            const url = /^[a-z]+:\/\//i.test(target) ? target : `http://${target}`;
            const explicit = hostPort(url);
            return { ports: [{ port: explicit ?? (url.toLowerCase().startsWith("https:") ? 443 : 80), protocol: "TCP" }], icmp: [] };
        }
        case "icmp":
            return { ports: [], icmp: [ICMP_ECHO] };
        case "dns": {
            const dns = isObject(module.dns) ? module.dns : {};
            const protocol = String(dns.transport_protocol ?? "udp").toUpperCase() === "TCP" ? "TCP" : "UDP";
            return { ports: [{ port: hostPort(target) ?? 53, protocol }], icmp: [] };
        }
        case "tcp":
        case "grpc": {
            const port = hostPort(target);
            return port === undefined ? `a ${prober} target names its port in its address, and ${isEncrypted(target) ? "that address is encrypted" : `${String(target)} names none`}` : { ports: [{ port, protocol: "TCP" }], icmp: [] };
        }
        default:
            return `the prober ${prober} is not one whose ports are known (http, tcp, icmp, dns, grpc)`;
    }
}

/** The ports the blackbox exporter of one chart release probes, or why they cannot be told. */
export function proberPorts(release: ChartRelease): ProberResult {
    const values = merged(release.values.map(v => v.values));
    const labels = { "app.kubernetes.io/name": typeof values.nameOverride === "string" ? values.nameOverride : release.chart, "app.kubernetes.io/instance": release.release };
    const base = { namespace: release.namespace ?? "default", labels, release: release.release };
    const sources = release.values.map(v => v.source).join(", ");
    const serviceMonitor = isObject(values.serviceMonitor) ? values.serviceMonitor : {};
    const targets = serviceMonitor.enabled === false || !Array.isArray(serviceMonitor.targets) ? [] : serviceMonitor.targets.filter(isObject);
    if (targets.length === 0) {
        return { ...base, unknown: `no probe targets in the chart's values (serviceMonitor.targets${sources === "" ? "" : ` in ${sources}`}): what it probes is configured elsewhere` };
    }
    const defaults = isObject(serviceMonitor.defaults) ? serviceMonitor.defaults : {};
    const modules = isObject(values.config) && isObject(values.config.modules) ? values.config.modules : {};
    const ports: PortSpec[] = [];
    const icmp: number[] = [];
    const assumed = new Set<string>();
    const byModule = new Map<string, number>();
    for (const target of targets) {
        const moduleName = String(target.module ?? defaults.module ?? "http_2xx");
        // The chart's own config has http_2xx alone.
        const module = isObject(modules[moduleName]) ? modules[moduleName] : moduleName === "http_2xx" ? { prober: "http" } : undefined;
        if (module === undefined) {
            return { ...base, unknown: `target ${String(target.name)} uses module ${moduleName}, which the values do not define` };
        }
        const prober = String(module.prober ?? "");
        const found = targetPorts(prober, target.url, module);
        if (typeof found === "string") {
            return { ...base, unknown: `target ${String(target.name)} (module ${moduleName}): ${found}` };
        }
        byModule.set(`${moduleName} (prober ${prober})`, (byModule.get(`${moduleName} (prober ${prober})`) ?? 0) + 1);
        for (const port of found.ports) {
            if (!ports.some(p => p.port === port.port && p.protocol === port.protocol)) {
                ports.push(port);
            }
        }
        icmp.push(...found.icmp.filter(t => !icmp.includes(t)));
        if (found.assumed !== undefined) {
            assumed.add(found.assumed);
        }
    }
    const modulesText = [...byModule].map(([m, n]) => `${n} of module ${m}`).join(", ");
    const assumedText = assumed.size === 0 ? "" : `; ${[...assumed].join("; ")} (add any other port a URL names)`;
    return {
        ...base,
        ports: ports.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port),
        icmp,
        why: `the ${targets.length} probe targets of chart ${release.chart}'s release ${release.release} (${sources}): ${modulesText}${assumedText}`,
    };
}

/** `80/TCP, 443/TCP, ICMP 8`. */
export function proberPortsText(prober: ProberPorts): string {
    return [...prober.ports.map(formatPort), ...(prober.icmp.length === 0 ? [] : [`ICMP ${prober.icmp.join(", ")}`])].join(", ");
}

/** Every blackbox exporter release among a folder's charts. */
export function blackboxReleases(charts: readonly ChartRelease[]): ProberResult[] {
    return charts.filter(c => c.chart === BLACKBOX_CHART).map(proberPorts);
}

/** Whether a workload (by namespace and selector) is a prober's pods: its selector picks some of the chart's labels and no other. */
export function isProber(prober: Pick<ProberResult, "namespace" | "labels">, namespace: string, selector: Readonly<Record<string, string>>): boolean {
    const keys = Object.keys(selector);
    return prober.namespace === namespace && keys.length > 0 && keys.every(k => prober.labels[k] === selector[k]);
}

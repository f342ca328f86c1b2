// Argo CD Applications as the stack config declares them, and the connections
// each one needs. Pure: parsed and checked here, turned into resources by
// components/argoCd.ts and into CiliumNetworkPolicies by networkPolicies.ts.

import { Parsed, parseCidr } from "../policy/addressing";
import type { ConfigIssue } from "./addressPlan";

/** A port a workload listens on or connects to. */
export interface PortSpec {
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
}

export interface CidrEgress {
    readonly cidr: string;
    readonly ports: readonly PortSpec[];
}

export interface AppEgress {
    readonly app: string;
    readonly ports: readonly PortSpec[];
}

/** What an Application's pods may talk to; everything else is denied. */
export interface AppConnections {
    /** Pod ports Traefik may reach (the app is published through an Ingress). */
    readonly ingressPorts: readonly PortSpec[];
    /** Whether the app's pods talk to the Kubernetes API (operators, controllers). */
    readonly apiServer: boolean;
    /** Other declared Applications this app calls, on their pod ports. */
    readonly toApps: readonly AppEgress[];
    /** Addresses outside the cluster (the LAN, the internet). */
    readonly toCidrs: readonly CidrEgress[];
}

export interface ApplicationSpec {
    readonly name: string;
    readonly namespace: string;
    readonly repoURL: string;
    /** Exactly one of `path` (a Git directory) and `chart` (a Helm chart) is set. */
    readonly path?: string;
    readonly chart?: string;
    readonly targetRevision: string;
    readonly helmValues?: Record<string, unknown>;
    readonly connections: AppConnections;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONFIG_KEY = "applications";

type Report = (where: string, value: unknown, problem: string, fix: string) => void;

/**
 * Parses the `applications` config value. Returns every problem at once; the
 * `where` of each names the entry, e.g. `applications[1].connections.toApps[0]`.
 */
export function parseApplications(raw: unknown): { specs: ApplicationSpec[]; issues: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    const report: Report = (where, value, problem, fix) =>
        issues.push({ key: where, value: typeof value === "string" ? value : JSON.stringify(value) ?? "undefined", problem, fix });
    if (raw === undefined || raw === null) {
        return { specs: [], issues };
    }
    if (!Array.isArray(raw)) {
        report(CONFIG_KEY, raw, "is not a list", "write applications as a YAML list of objects, or [] for none");
        return { specs: [], issues };
    }
    const specs: ApplicationSpec[] = [];
    raw.forEach((entry, index) => {
        const spec = parseApplication(entry, `${CONFIG_KEY}[${index}]`, report);
        if (spec !== undefined) {
            specs.push(spec);
        }
    });
    const names = specs.map(s => s.name);
    specs.forEach((spec, index) => {
        if (names.indexOf(spec.name) !== index) {
            report(`${CONFIG_KEY}[${index}].name`, spec.name, "is used by an earlier Application too", "give every Application its own name");
        }
        spec.connections.toApps.forEach((target, t) => {
            if (!names.includes(target.app)) {
                report(`${CONFIG_KEY}[${index}].connections.toApps[${t}].app`, target.app, "names no declared Application", `use one of: ${names.join(", ")}`);
            } else if (target.app === spec.name) {
                report(`${CONFIG_KEY}[${index}].connections.toApps[${t}].app`, target.app, "names the Application itself; traffic inside its namespace is already allowed", "remove this entry");
            }
        });
    });
    return { specs, issues };
}

function parseApplication(entry: unknown, where: string, report: Report): ApplicationSpec | undefined {
    if (!isObject(entry)) {
        report(where, entry, "is not an object", "write each Application as a map with name, repoURL, targetRevision, namespace and path or chart");
        return undefined;
    }
    const before = countingReport(report);
    const text = (field: string, required: boolean): string | undefined => {
        const value = entry[field];
        if (value === undefined && !required) {
            return undefined;
        }
        if (typeof value !== "string" || value.trim() === "") {
            before.report(`${where}.${field}`, value, "is missing or not a string", `set ${field}`);
            return undefined;
        }
        return value.trim();
    };
    const name = text("name", true);
    if (name !== undefined && !DNS_LABEL.test(name)) {
        before.report(`${where}.name`, name, "is not a DNS label (lower-case letters, digits and '-', at most 63)", "rename the Application, e.g. my-app");
    }
    const namespace = text("namespace", false) ?? name;
    if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
        before.report(`${where}.namespace`, namespace, "is not a valid namespace name", "use lower-case letters, digits and '-'");
    }
    const repoURL = text("repoURL", true);
    if (repoURL !== undefined && !/^(https?:\/\/|ssh:\/\/|git@|oci:\/\/)/.test(repoURL)) {
        before.report(`${where}.repoURL`, repoURL, "is not a Git, Helm or OCI repository URL", "use https://..., git@host:org/repo.git or oci://...");
    }
    const path = text("path", false);
    const chart = text("chart", false);
    if ((path === undefined) === (chart === undefined)) {
        before.report(`${where}`, { path, chart }, "must set exactly one of path (a directory of a Git repository) and chart (a Helm chart)", "set path or chart, not both");
    }
    const targetRevision = text("targetRevision", true);
    if (targetRevision !== undefined && chart !== undefined && /^(latest|\*|HEAD)$/i.test(targetRevision)) {
        before.report(`${where}.targetRevision`, targetRevision, "does not pin a chart version", "pin a chart version such as 6.9.2");
    }
    const helmValues = entry.helmValues;
    if (helmValues !== undefined && !isObject(helmValues)) {
        before.report(`${where}.helmValues`, helmValues, "is not a map of Helm values", "write helmValues as a YAML map");
    }
    const connections = parseConnections(entry.connections, `${where}.connections`, before.report);
    if (before.count() > 0 || name === undefined || namespace === undefined || repoURL === undefined || targetRevision === undefined) {
        return undefined;
    }
    return {
        name,
        namespace,
        repoURL,
        path,
        chart,
        targetRevision,
        helmValues: isObject(helmValues) ? helmValues : undefined,
        connections,
    };
}

function parseConnections(raw: unknown, where: string, report: Report): AppConnections {
    const none: AppConnections = { ingressPorts: [], apiServer: false, toApps: [], toCidrs: [] };
    if (raw === undefined) {
        return none;
    }
    if (!isObject(raw)) {
        report(where, raw, "is not a map", "write connections as a map with ingressPorts, apiServer, toApps, toCidrs");
        return none;
    }
    const known = ["ingressPorts", "apiServer", "toApps", "toCidrs"];
    for (const key of Object.keys(raw).filter(k => !known.includes(k))) {
        report(`${where}.${key}`, raw[key], "is not a known connection kind", `use one of: ${known.join(", ")}`);
    }
    if (raw.apiServer !== undefined && typeof raw.apiServer !== "boolean") {
        report(`${where}.apiServer`, raw.apiServer, "is not true or false", "set apiServer: true when the app's pods call the Kubernetes API");
    }
    return {
        ingressPorts: parsePorts(raw.ingressPorts, `${where}.ingressPorts`, report),
        apiServer: raw.apiServer === true,
        toApps: listOf(raw.toApps, `${where}.toApps`, report, (item, at) => {
            const app = typeof item.app === "string" ? item.app : "";
            if (app === "") {
                report(`${at}.app`, item.app, "is missing", "name the Application to call");
            }
            return { app, ports: parsePorts(item.ports, `${at}.ports`, report) };
        }),
        toCidrs: listOf(raw.toCidrs, `${where}.toCidrs`, report, (item, at) => {
            const cidr = typeof item.cidr === "string" ? item.cidr : "";
            const parsed: Parsed<unknown> = parseCidr(cidr);
            if (!parsed.ok) {
                report(`${at}.cidr`, item.cidr, parsed.reason, "write a network such as 0.0.0.0/0 or 192.168.1.0/24");
            }
            return { cidr, ports: parsePorts(item.ports, `${at}.ports`, report) };
        }),
    };
}

function listOf<T>(raw: unknown, where: string, report: Report, parse: (item: Record<string, unknown>, at: string) => T): T[] {
    if (raw === undefined) {
        return [];
    }
    if (!Array.isArray(raw)) {
        report(where, raw, "is not a list", "write a YAML list");
        return [];
    }
    const items: T[] = [];
    raw.forEach((item, i) => {
        if (!isObject(item)) {
            report(`${where}[${i}]`, item, "is not a map", "write each entry as a map");
        } else {
            items.push(parse(item, `${where}[${i}]`));
        }
    });
    return items;
}

/** Ports as `8080`, `"53/UDP"` or `{port: 53, protocol: UDP}`. */
function parsePorts(raw: unknown, where: string, report: Report): PortSpec[] {
    if (raw === undefined) {
        return [];
    }
    if (!Array.isArray(raw) || raw.length === 0) {
        report(where, raw, "is not a non-empty list of ports", "write ports as a list, e.g. [8080, \"53/UDP\"]");
        return [];
    }
    const ports: PortSpec[] = [];
    raw.forEach((item, i) => {
        const match = /^([0-9]{1,5})(?:\/(TCP|UDP))?$/i.exec(String(typeof item === "object" && item !== null ? "" : item));
        const port = Number(match?.[1]);
        if (match === null || port < 1 || port > 65535) {
            report(`${where}[${i}]`, item, "is not a port (1-65535, optionally /TCP or /UDP)", "write e.g. 8080 or \"53/UDP\"");
            return;
        }
        ports.push({ port, protocol: (match[2]?.toUpperCase() ?? "TCP") as PortSpec["protocol"] });
    });
    return ports;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function countingReport(report: Report): { report: Report; count: () => number } {
    let count = 0;
    return {
        report: (...args) => {
            count++;
            report(...args);
        },
        count: () => count,
    };
}

// Argo CD Applications as the stack config declares them, and the connections
// each one needs. Pure: parsed and checked here, turned into Application
// objects by components/argocd/application.ts and into CiliumNetworkPolicies
// by components/argocd/applicationPolicies.ts.

import { Parsed, parseCidr } from "../policy/addressing";
import { ARGOCD } from "../components/argocd/names";
import { TRAEFIK } from "../components/traefik/names";
import type { ConfigIssue } from "./issues";

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
/** One exact release (semver, optional leading v): never a range, a wildcard or latest. */
export const EXACT_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const APPLICATION_FIELDS = ["name", "namespace", "repoURL", "path", "chart", "targetRevision", "helmValues", "connections"];

/**
 * Namespaces the platform owns. An Application there would share (and, on
 * removal, delete) the platform's namespace, and its default deny would cut
 * off CoreDNS, Traefik or Argo CD.
 */
export const RESERVED_NAMESPACES = ["default", ARGOCD.namespace, TRAEFIK.namespace] as const;

function isReservedNamespace(namespace: string): boolean {
    return namespace.startsWith("kube-") || (RESERVED_NAMESPACES as readonly string[]).includes(namespace);
}

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
    const parsed = raw.map((entry, index) => ({ index, spec: parseApplication(entry, `${CONFIG_KEY}[${index}]`, report) }));
    const specs = parsed.flatMap(p => (p.spec === undefined ? [] : [p.spec]));
    // Names as typed, so that a call to an entry with a problem of its own is
    // not reported a second time as a call to an undeclared app.
    const declared = raw.map(entry => (isObject(entry) && typeof entry.name === "string" ? entry.name.trim() : undefined));
    const seenNames = new Map<string, number>();
    const seenNamespaces = new Map<string, number>();
    for (const { index, spec } of parsed) {
        if (spec === undefined) {
            continue;
        }
        const where = `${CONFIG_KEY}[${index}]`;
        const earlierName = seenNames.get(spec.name);
        if (earlierName !== undefined) {
            report(`${where}.name`, spec.name, `is also the name of ${CONFIG_KEY}[${earlierName}]`, "give every Application its own name");
        }
        seenNames.set(spec.name, earlierName ?? index);
        const earlierNamespace = seenNamespaces.get(spec.namespace);
        if (earlierNamespace !== undefined) {
            report(`${where}.namespace`, spec.namespace, `is also the namespace of ${CONFIG_KEY}[${earlierNamespace}]; each Application owns its namespace and its policies`, "give this Application a namespace of its own");
        }
        seenNamespaces.set(spec.namespace, earlierNamespace ?? index);
        const targets = new Set<string>();
        spec.connections.toApps.forEach((target, t) => {
            const at = `${where}.connections.toApps[${t}].app`;
            if (target.app === spec.name) {
                report(at, target.app, "names the Application itself; traffic inside its namespace is already allowed", "remove this entry");
            } else if (targets.has(target.app)) {
                report(at, target.app, "is listed twice", "list the Application once, with all its ports");
            } else if (!declared.includes(target.app)) {
                report(at, target.app, "names no declared Application", `use one of: ${declared.filter(n => n !== undefined && n !== spec.name).join(", ") || "(none declared)"}`);
            }
            targets.add(target.app);
        });
    }
    return { specs, issues };
}

function parseApplication(entry: unknown, where: string, report: Report): ApplicationSpec | undefined {
    if (!isObject(entry)) {
        report(where, entry, "is not an object", "write each Application as a map with name, repoURL, targetRevision, namespace and path or chart");
        return undefined;
    }
    const before = countingReport(report);
    for (const field of Object.keys(entry).filter(f => !APPLICATION_FIELDS.includes(f))) {
        before.report(`${where}.${field}`, entry[field], "is not a field of an Application", `use only: ${APPLICATION_FIELDS.join(", ")}`);
    }
    const text = (field: string, required: boolean): string | undefined => {
        const value = entry[field];
        if (value === undefined && !required) {
            return undefined;
        }
        if (typeof value === "number") {
            before.report(`${where}.${field}`, value, "was read by YAML as a number, which may have dropped characters (2.10 becomes 2.1)", `quote it: ${field}: "…"`);
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
    } else if (namespace !== undefined && isReservedNamespace(namespace)) {
        before.report(`${where}.namespace`, namespace, "belongs to the platform; an Application there would share its policies and delete the namespace when removed", `choose a namespace of its own (not ${RESERVED_NAMESPACES.join(", ")} or kube-*)`);
    }
    const repoURL = text("repoURL", true);
    if (repoURL !== undefined && !/^(https?:\/\/|ssh:\/\/|git@|oci:\/\/)/.test(repoURL)) {
        before.report(`${where}.repoURL`, repoURL, "is not a Git, Helm or OCI repository URL", "use https://..., git@host:org/repo.git or oci://...");
    } else if (repoURL !== undefined && !repoURL.startsWith("git@") && !URL.canParse(repoURL)) {
        before.report(`${where}.repoURL`, repoURL, "is not a well-formed URL", "write it as a browser would accept it, e.g. https://git.example.org/org/repo.git");
    } else if (repoURL !== undefined && !repoURL.startsWith("git@") && new URL(repoURL).port === "0") {
        // Port 0 in a CiliumNetworkPolicy means every port.
        before.report(`${where}.repoURL`, repoURL, "names port 0", "write the repository's real port, or none for the scheme's default");
    }
    const path = text("path", false);
    const chart = text("chart", false);
    if ((path === undefined) === (chart === undefined)) {
        before.report(`${where}`, { path, chart }, "must set exactly one of path (a directory of a Git repository) and chart (a Helm chart)", "set path or chart, not both");
    }
    const targetRevision = text("targetRevision", true);
    if (targetRevision !== undefined && chart !== undefined && !EXACT_VERSION.test(targetRevision)) {
        before.report(`${where}.targetRevision`, targetRevision, "does not pin one chart version (ranges, wildcards and latest let the app change unreviewed)", "pin an exact chart version such as 6.9.2");
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
        // A connection always names its ports: a missing or misspelt `ports`
        // must not turn into "every port".
        toApps: listOf(raw.toApps, `${where}.toApps`, report, ["app", "ports"], (item, at) => {
            const app = typeof item.app === "string" ? item.app.trim() : "";
            if (app === "") {
                report(`${at}.app`, item.app, "is missing", "name the Application to call");
            }
            return { app, ports: parsePorts(item.ports, `${at}.ports`, report, true) };
        }),
        toCidrs: listOf(raw.toCidrs, `${where}.toCidrs`, report, ["cidr", "ports"], (item, at) => {
            const cidr = typeof item.cidr === "string" ? item.cidr.trim() : "";
            const parsed: Parsed<unknown> = parseCidr(cidr);
            if (!parsed.ok) {
                report(`${at}.cidr`, item.cidr, parsed.reason, "write a network such as 0.0.0.0/0 or 192.168.1.0/24");
            }
            return { cidr, ports: parsePorts(item.ports, `${at}.ports`, report, true) };
        }),
    };
}

function listOf<T>(raw: unknown, where: string, report: Report, fields: readonly string[], parse: (item: Record<string, unknown>, at: string) => T): T[] {
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
            for (const field of Object.keys(item).filter(f => !fields.includes(f))) {
                report(`${where}[${i}].${field}`, item[field], "is not a field of this connection", `use only: ${fields.join(", ")}`);
            }
            items.push(parse(item, `${where}[${i}]`));
        }
    });
    return items;
}

/** Ports as `8080` or `"53/UDP"` (TCP unless said). */
function parsePorts(raw: unknown, where: string, report: Report, required = false): PortSpec[] {
    if (raw === undefined && !required) {
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

// Reading the fields of the Applications' config: names, labels, ports,
// CIDRs and ICMP types, lists and maps, each problem reported with its path
// and, for a typo, the name it most likely meant. Pure; config/applications.ts
// puts them together.

import type { Labels } from "../platform/pods";
import { parseCidr } from "../policy/addressing";
import type { PortSpec } from "../policy/ports";
import { nearestName } from "./hints";


export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
export const FQDN = /^(\*\.)?([a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?\.)*[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?\.?$/i;
/** What the config accepts as a pod label, a namespace and a DNS name; the policy importer writes nothing else. */
export const accepts = {
    label: (key: string, value: string): boolean => LABEL_KEY.test(key) && LABEL_VALUE.test(value),
    namespace: (name: string): boolean => DNS_LABEL.test(name),
    fqdn: (pattern: string): boolean => FQDN.test(pattern),
} as const;

/** One problem at `where`; `subject`, when given, is what the problem line speaks of instead of the value (a misspelt field's name). */
export type Report = (where: string, value: unknown, problem: string, fix: string, subject?: string) => void;

export function shown(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

export function parseLabels(raw: unknown, where: string, report: Report, required: boolean): Labels {
    if (raw === undefined && !required) {
        return {};
    }
    if (!isObject(raw) || Object.keys(raw).length === 0) {
        report(where, raw, "is not a non-empty map of pod labels", "write the labels the workload's pods carry, e.g. app.kubernetes.io/name: grafana");
        return {};
    }
    const labels: Labels = {};
    for (const [key, value] of Object.entries(raw)) {
        const text = typeof value === "number" || typeof value === "boolean" ? String(value) : value;
        if (!LABEL_KEY.test(key) || typeof text !== "string" || !LABEL_VALUE.test(text)) {
            report(`${where}.${key}`, value, "is not a Kubernetes label (key: prefix/name; value: up to 63 letters, digits, '-', '_', '.')", "copy the label from the pod template");
        } else {
            labels[key] = text;
        }
    }
    return labels;
}

export function textField(entry: Record<string, unknown>, field: string, where: string, required: boolean, report: Report): string | undefined {
    const value = entry[field];
    if (value === undefined && !required) {
        return undefined;
    }
    if (typeof value === "number") {
        report(where, value, "was read by YAML as a number, which may have dropped characters (2.10 becomes 2.1)", `quote it: ${field}: "…"`);
        return undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
        report(where, value, "is missing or not a string", `set ${field}`);
        return undefined;
    }
    return value.trim();
}

export function requiredName(value: unknown, where: string, report: Report, fix: string): string | undefined {
    const text = typeof value === "string" ? value.trim() : "";
    if (text === "") {
        report(where, value, "is missing", fix);
        return undefined;
    }
    return text;
}

export function parseCidrText(value: unknown, where: string, report: Report): string | undefined {
    const text = typeof value === "string" ? value.trim() : "";
    const parsed = parseCidr(text);
    if (!parsed.ok) {
        report(where, value, parsed.reason, "write a network such as 0.0.0.0/0 or 192.168.1.0/24");
        return undefined;
    }
    return parsed.value.cidr;
}

export function onlyFields(item: Record<string, unknown>, at: string, fields: readonly string[], report: Report, what: string): void {
    unknownFields(item, at, fields, report, what, `use only: ${fields.join(", ")}`);
}

/**
 * Reports every field of `item` not among `fields`, with the field it most
 * likely meant. Returns those meant fields that are not set, whose absence is
 * then this one mistake, not a second one.
 */
export function unknownFields(item: Record<string, unknown>, at: string, fields: readonly string[], report: Report, what: string, fix: string): Set<string> {
    const meant = new Set<string>();
    for (const field of Object.keys(item).filter(f => !fields.includes(f))) {
        const near = nearestName(field, fields);
        const unset = near !== undefined && item[near] === undefined;
        if (unset) {
            meant.add(near);
        }
        report(`${at}.${field}`, item[field], `is not a field ${what}${near === undefined ? "" : `; did you mean ${near}?`}`, unset ? `rename ${field} to ${near}` : fix, field);
    }
    return meant;
}

/** "; did you mean redis?" when `typed` is near one of `names`, else nothing. */
export function didYouMean(typed: unknown, names: readonly string[]): string {
    const near = typeof typed === "string" ? nearestName(typed, names) : undefined;
    return near === undefined ? "" : `; did you mean ${near}?`;
}

export function listOf(raw: unknown, where: string, report: Report, parse: (item: Record<string, unknown>, at: string) => void): void {
    if (raw === undefined) {
        return;
    }
    if (!Array.isArray(raw)) {
        report(where, raw, "is not a list", "write a YAML list");
        return;
    }
    raw.forEach((item, i) => {
        if (!isObject(item)) {
            report(`${where}[${i}]`, item, "is not a map", "write each entry as a map");
        } else {
            parse(item, `${where}[${i}]`);
        }
    });
}

const PORT = /^([0-9]{1,5})(?:-([0-9]{1,5}))?(?:\/(TCP|UDP))?$/i;

/**
 * Ports as `8080`, `"53/UDP"` (TCP unless said) or a range `"6000-6010"`, or
 * `any` for every port. With `required`, a missing list is a problem: a
 * connection must say its ports.
 */
export function parsePorts(raw: unknown, where: string, report: Report, required: boolean): PortSpec[] {
    if (raw === undefined && !required) {
        return [];
    }
    if (raw === "any") {
        return [];
    }
    if (!Array.isArray(raw) || raw.length === 0) {
        report(where, raw, "is not a non-empty list of ports", "write ports as a list, e.g. [8080, \"53/UDP\", \"6000-6010\"], or ports: any for every port");
        return [];
    }
    const ports: PortSpec[] = [];
    raw.forEach((item, i) => {
        const match = PORT.exec(String(typeof item === "object" && item !== null ? "" : item));
        const port = Number(match?.[1]);
        const endPort = match?.[2] === undefined ? undefined : Number(match[2]);
        if (match === null || port < 1 || port > 65535 || (endPort !== undefined && (endPort <= port || endPort > 65535))) {
            report(`${where}[${i}]`, item, "is not a port (1-65535, optionally /TCP or /UDP) or a range first-last", "write e.g. 8080, \"53/UDP\" or \"6000-6010\"");
            return;
        }
        ports.push({ port, ...(endPort === undefined ? {} : { endPort }), protocol: (match[3]?.toUpperCase() ?? "TCP") as PortSpec["protocol"] });
    });
    return ports;
}

export function parseIcmp(raw: unknown, where: string, report: Report): number[] {
    const list = Array.isArray(raw) ? raw : [raw];
    const bad = list.filter(t => !Number.isInteger(t) || (t as number) < 0 || (t as number) > 255);
    if (list.length === 0 || bad.length > 0) {
        report(where, raw, "is not a list of ICMPv4 types (0-255)", "write e.g. icmp: [8] for echo requests");
        return [];
    }
    return list as number[];
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function countingReport(report: Report): { report: Report; count: () => number } {
    let count = 0;
    return {
        report: (...args) => {
            count++;
            report(...args);
        },
        count: () => count,
    };
}

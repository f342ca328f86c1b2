// Port sets for the policy diff: per protocol, sorted disjoint ranges, so that
// "what one side allows that the other does not" is a set difference. A
// named container port is a protocol bucket of its own (its number unknown).
// Pure.

import type { PortRange } from "../../policy/policyModel";

/** Protocol (or `TCP:name` for a named port) to sorted, disjoint, inclusive ranges. */
export type PortSet = ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;

/** What `ANY` stands for. */
const ANY_PROTOCOLS = ["TCP", "UDP", "SCTP", "ICMP"];

export const NO_PORTS: PortSet = new Map();
export const EVERY_PORT: PortSet = new Map(ANY_PROTOCOLS.map(p => [p, [[0, 65535] as const]]));

function normalise(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (const [from, to] of sorted) {
        const last = out[out.length - 1];
        if (last !== undefined && from <= last[1] + 1) {
            last[1] = Math.max(last[1], to);
        } else {
            out.push([from, to]);
        }
    }
    return out;
}

export function portSetOf(ports: readonly PortRange[]): PortSet {
    const buckets = new Map<string, Array<readonly [number, number]>>();
    const add = (key: string, range: readonly [number, number]) => buckets.set(key, [...(buckets.get(key) ?? []), range]);
    for (const port of ports) {
        const protocols = port.protocol === "ANY" ? (port.named === undefined ? ANY_PROTOCOLS : ["TCP", "UDP", "SCTP"]) : [port.protocol];
        for (const protocol of protocols) {
            // Port 0 and 1-65535 both mean every port.
            add(port.named === undefined ? protocol : `${protocol}:${port.named}`, port.named === undefined ? [port.from <= 1 ? 0 : port.from, port.to] : [0, 0]);
        }
    }
    return new Map([...buckets].map(([k, v]) => [k, normalise(v)]));
}

export function union(a: PortSet, b: PortSet): PortSet {
    if (a.size === 0) {
        return b;
    }
    if (b.size === 0) {
        return a;
    }
    const out = new Map(a);
    for (const [key, ranges] of b) {
        out.set(key, normalise([...(out.get(key) ?? []), ...ranges]));
    }
    return out;
}

export function intersect(a: PortSet, b: PortSet): PortSet {
    const out = new Map<string, Array<[number, number]>>();
    for (const [key, ranges] of a) {
        const other = b.get(key);
        if (other === undefined) {
            continue;
        }
        const both: Array<[number, number]> = [];
        for (const [f1, t1] of ranges) {
            for (const [f2, t2] of other) {
                const from = Math.max(f1, f2);
                const to = Math.min(t1, t2);
                if (from <= to) {
                    both.push([from, to]);
                }
            }
        }
        if (both.length > 0) {
            out.set(key, normalise(both));
        }
    }
    return out;
}

export function minus(a: PortSet, b: PortSet): PortSet {
    const out = new Map<string, Array<[number, number]>>();
    for (const [key, ranges] of a) {
        let rest: Array<[number, number]> = ranges.map(r => [r[0], r[1]]);
        for (const [f, t] of b.get(key) ?? []) {
            rest = rest.flatMap(([from, to]): Array<[number, number]> => {
                if (t < from || f > to) {
                    return [[from, to]];
                }
                return [...(from < f ? [[from, f - 1] as [number, number]] : []), ...(t < to ? [[t + 1, to] as [number, number]] : [])];
            });
        }
        if (rest.length > 0) {
            out.set(key, rest);
        }
    }
    return out;
}

export function isEmpty(set: PortSet): boolean {
    return set.size === 0;
}

export function samePorts(a: PortSet, b: PortSet): boolean {
    return isEmpty(minus(a, b)) && isEmpty(minus(b, a));
}

/** e.g. `8080/TCP, 53/UDP, every TCP port, port http/TCP`. */
export function portSetText(set: PortSet): string {
    if (samePorts(set, EVERY_PORT)) {
        return "every port";
    }
    const parts: string[] = [];
    for (const [key, ranges] of [...set].sort(([a], [b]) => a.localeCompare(b))) {
        const [protocol, named] = key.split(":");
        if (named !== undefined) {
            parts.push(`port ${named}/${protocol}`);
            continue;
        }
        for (const [from, to] of ranges) {
            parts.push(from === 0 && to === 65535 ? `every ${protocol} port` : `${from}${to === from ? "" : `-${to}`}/${protocol}`);
        }
    }
    return parts.join(", ");
}

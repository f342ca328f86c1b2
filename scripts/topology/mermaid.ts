// What every topology diagram shares: Mermaid's quoting, unique node ids, the
// head and the styles, and port lists for labels. Pure.

import type { PortSpec } from "../../config/applications";

/** Text in a Mermaid label: a double quote would end it, `#` starts an entity code. */
export function text(value: string): string {
    return value.replace(/#/g, "#35;").replace(/"/g, "#quot;");
}

/** A quoted label; `lines` are joined with line breaks, the first one bold when `title`. */
export function label(lines: readonly string[], title = false): string {
    return `"${lines.map((line, i) => (i === 0 && title ? `<b>${text(line)}</b>` : text(line))).join("<br/>")}"`;
}

/** Unique Mermaid ids from readable hints (letters, digits and _ only; never a keyword such as `end`). */
export class Ids {
    private readonly byKey = new Map<string, string>();
    private readonly used = new Set<string>();

    /** Whether `key` has an id yet. */
    has(key: string): boolean {
        return this.byKey.has(key);
    }

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

/** Node ids by style class, written as `class` statements at the end of a diagram. */
export class Classes {
    private readonly members = new Map<string, string[]>();

    add(cls: string, id: string): void {
        this.members.set(cls, [...(this.members.get(cls) ?? []), id]);
    }

    lines(): string[] {
        return ["", ...CLASSES, ...[...this.members].map(([cls, ids]) => `    class ${ids.join(",")} ${cls}`)];
    }
}

/**
 * The head of each diagram: node text wraps at 300 pixels instead of 200, so
 * that a Deployment's name stays on one line; left to right unless told
 * (a row of many nodes is read better as a column).
 */
export function head(direction: "LR" | "TB" = "LR"): string[] {
    return ["---", "config:", "  flowchart:", "    wrappingWidth: 300", "---", `flowchart ${direction}`];
}

/**
 * Shared styles: addresses, controllers (no traffic passes through them),
 * peers outside the Applications, the workloads a diagram is about, the
 * platform's pods, and workloads of other namespaces seen from one namespace.
 */
const CLASSES = [
    "    classDef vip fill:#fff4d6,stroke:#b07d00,color:#222",
    "    classDef control fill:#eef1f6,stroke:#6b7a90,stroke-dasharray:4 3,color:#222",
    "    classDef external fill:#f3f3f3,stroke:#888,color:#222",
    "    classDef workload fill:#e5f3e8,stroke:#3b7d4a,color:#222",
    "    classDef platform fill:#e8eefc,stroke:#4a64a8,color:#222",
    "    classDef neighbour fill:#f4faf5,stroke:#8fb89a,stroke-dasharray:4 3,color:#222",
];

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

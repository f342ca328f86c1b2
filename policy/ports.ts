// A port as everything holds it: a number, or a range, and a protocol. The
// config parses what the user writes into this, the pack config carries it as
// JSON values, and text (`8096/TCP`) is made only for people, here. Pure.

export type PortProtocol = "TCP" | "UDP";

/** A port, or a range of ports (`endPort`), a workload listens on or connects to. */
export interface PortSpec {
    readonly port: number;
    readonly endPort?: number;
    readonly protocol: PortProtocol;
}

/**
 * A port for people: `8096/TCP`, `6000-6010/UDP`. The policies' own rule
 * ports may carry Cilium's protocol `ANY`, so any protocol name is accepted.
 */
export function formatPort(port: { readonly port: number; readonly endPort?: number; readonly protocol: string }): string {
    return `${port.port}${port.endPort === undefined ? "" : `-${port.endPort}`}/${port.protocol}`;
}

const PROTOCOLS: readonly PortProtocol[] = ["TCP", "UDP"];

/**
 * The protocols whose every port (1-65535) a list of ports covers, its ranges
 * joined: `1-65535`, or `1-1000` with `1001-65535`, opens as much as `ports: any`.
 */
export function everyPortOf(ports: readonly PortSpec[]): PortProtocol[] {
    return PROTOCOLS.filter(protocol => {
        const ranges = ports.filter(p => p.protocol === protocol).map(p => [p.port, p.endPort ?? p.port]).sort((a, b) => a[0] - b[0]);
        let next = 1;
        for (const [from, to] of ranges) {
            if (from > next) {
                return false;
            }
            next = Math.max(next, to + 1);
        }
        return next > 65535;
    });
}
const isPortNumber = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;

/** Whether a value read from JSON is a port: a number 1-65535, an optional higher endPort, TCP or UDP, nothing else. */
export function isPortSpec(value: unknown): value is PortSpec {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return false;
    }
    const { port, endPort, protocol, ...rest } = value as Record<string, unknown>;
    return Object.keys(rest).length === 0 && isPortNumber(port) && PROTOCOLS.includes(protocol as PortProtocol) &&
        (endPort === undefined || (isPortNumber(endPort) && endPort > port));
}

/** The JSON schema of a port in the pack config. */
export const PORT_SCHEMA = {
    type: "object",
    properties: {
        port: { type: "integer", minimum: 1, maximum: 65535 },
        endPort: { type: "integer", minimum: 1, maximum: 65535 },
        protocol: { type: "string", enum: [...PROTOCOLS] },
    },
    required: ["port", "protocol"],
    additionalProperties: false,
} as const;

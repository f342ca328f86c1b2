// Addresses of the LAN someone owns, as the pack config lists them
// (`reservations`): the address, who holds it (a structure the policies match
// resources against), the namespace of the pods behind it and the ports they
// serve. The sentence naming the owner in messages is made here, from the
// holder, and never read back. Pure.

import { Parsed, parseIpv4 } from "./addressing";
import { PORT_SCHEMA, PortSpec, everyPortOf, isPortSpec } from "./ports";

/**
 * Who may pin a reserved address: one of Traefik's Services (by name, in the
 * reservation's namespace: a Service serves pods of its own namespace), or an
 * Argo CD Application (by name), whatever Service its manifests or values
 * declare. Any other object pinning the address collides with the holder.
 */
export type ReservationHolder =
    | { readonly kind: "traefik"; readonly service: string }
    | { readonly kind: "application"; readonly name: string; readonly workload?: string };

/** A reservation as the pack config writes it (JSON). */
export interface Reservation {
    readonly address: string;
    readonly holder: ReservationHolder;
    /** The namespace of the pods behind the address; required for a Traefik holder. */
    readonly namespace?: string;
    /** The pod ports served there. */
    readonly ports?: readonly PortSpec[];
}

/** A reservation with its address as a number and its owner named for people. */
export interface ParsedReservation {
    readonly address: number;
    readonly holder: ReservationHolder;
    /** e.g. "Traefik Service traefik", "workload emby of namespace media, Application emby". */
    readonly owner: string;
    readonly namespace?: string;
    /** The pod ports served there, when known: the only ports the LAN may reach in that namespace. */
    readonly ports?: readonly PortSpec[];
}

/** How messages name a reservation's owner. */
export function ownerText(holder: ReservationHolder, namespace: string | undefined): string {
    switch (holder.kind) {
        case "traefik":
            return `Traefik Service ${holder.service}`;
        case "application":
            return `${holder.workload === undefined ? "" : `workload ${holder.workload} of `}${namespace === undefined ? "" : `namespace ${namespace}, `}Application ${holder.name}`;
    }
}

const HOLDER_SCHEMA = {
    oneOf: [
        { type: "object", properties: { kind: { type: "string", enum: ["traefik"] }, service: { type: "string" } }, required: ["kind", "service"], additionalProperties: false },
        {
            type: "object",
            properties: { kind: { type: "string", enum: ["application"] }, name: { type: "string" }, workload: { type: "string" } },
            required: ["kind", "name"],
            additionalProperties: false,
        },
    ],
};

/** The JSON schema of the reservations list; optional, [] when the stack reserves nothing. */
export const RESERVATIONS_SCHEMA = {
    type: "array",
    default: [],
    items: {
        type: "object",
        properties: { address: { type: "string" }, holder: HOLDER_SCHEMA, namespace: { type: "string" }, ports: { type: "array", items: PORT_SCHEMA } },
        required: ["address", "holder"],
        additionalProperties: false,
    },
};

const isText = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";

function isHolder(value: unknown): value is ReservationHolder {
    if (typeof value !== "object" || value === null) {
        return false;
    }
    const { kind, ...rest } = value as Record<string, unknown>;
    const keys = Object.keys(rest).sort().join(",");
    if (kind === "traefik") {
        return keys === "service" && isText(rest.service);
    }
    return kind === "application" && (keys === "name" || keys === "name,workload") && isText(rest.name) && (rest.workload === undefined || isText(rest.workload));
}

export function parseReservations(list: Reservation[]): Parsed<ParsedReservation[]> {
    const parsed: ParsedReservation[] = [];
    for (const [index, entry] of list.entries()) {
        if (typeof entry !== "object" || entry === null || typeof entry.address !== "string" || !isHolder(entry.holder)) {
            return { ok: false, reason: `entry ${index} is ${JSON.stringify(entry)}, not {address, holder: {kind: "traefik", service} or {kind: "application", name}}` };
        }
        const namespace = (entry as { namespace?: unknown }).namespace;
        const owner = ownerText(entry.holder, typeof namespace === "string" ? namespace : undefined);
        const address = parseIpv4(entry.address);
        if (!address.ok) {
            return { ok: false, reason: `entry ${index} (${owner}) has the address "${entry.address}", which ${address.reason}` };
        }
        if (entry.holder.kind === "traefik" && !isText(namespace)) {
            return { ok: false, reason: `entry ${index} (${owner}) names no namespace, so the pack cannot tell which Service ${entry.holder.service} holds it` };
        }
        const ports = (entry as { ports?: unknown }).ports;
        if (ports !== undefined && (!Array.isArray(ports) || !ports.every(isPortSpec))) {
            return { ok: false, reason: `entry ${index} (${owner}) has the ports ${JSON.stringify(ports)}, not a list like [{"port": 8096, "protocol": "TCP"}]` };
        }
        const every = Array.isArray(ports) ? everyPortOf(ports) : [];
        if (every.length > 0) {
            return { ok: false, reason: `entry ${index} (${owner}) serves every ${every.join(" and ")} port (1-65535), which would let the LAN reach every port of its namespace` };
        }
        parsed.push({
            address: address.value,
            holder: entry.holder,
            owner,
            ...(typeof namespace === "string" ? { namespace } : {}),
            ...(ports === undefined ? {} : { ports }),
        });
    }
    return { ok: true, value: parsed };
}

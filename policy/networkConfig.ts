// The pack's view of the network: the addresses it checks resources against,
// and the one stack setting the pack reads besides them (whether Argo CD
// sources may follow branches), from the pack's config (--policy-pack-config). Each policy declares the keys
// it reads, and its config schema lists exactly those; the pack holds no
// environment's addresses, so a pack run without its config stops with one
// message saying which file to pass. Each environment's file under config/ is
// generated from its stack config (npm run policy-config).

import { PolicyConfigSchema } from "@pulumi/policy";
import { Ipv4Block, Ipv4Range, LanLayout, Parsed, parseCidr, parseIpv4, parseRange } from "./addressing";
import { ParsedReservation, RESERVATIONS_SCHEMA, Reservation, parseReservations } from "./reservations";

/** The network as the pack config writes it: text, one key per fact. */
export interface NetworkConfig {
    lan: string;
    lanGateway: string;
    dhcpScope: string;
    controlPlaneVip: string;
    loadBalancerPool: string;
    podCidr: string;
    serviceCidr: string;
    /** Addresses someone owns (the Traefik VIPs, an Application's address); optional, [] when none. */
    reservations: Reservation[];
    /** The stack lets Argo CD sources follow branches (a lab); optional, false when absent. */
    argoCdAllowBranchRevisions: boolean;
}

export type NetworkKey = keyof NetworkConfig;

/** The network, parsed: the same keys, as numbers and blocks. */
export interface Network {
    readonly lan: Ipv4Block;
    /** Absent when the stack does not record it. */
    readonly lanGateway?: number;
    readonly dhcpScope?: Ipv4Range;
    readonly controlPlaneVip: number;
    readonly loadBalancerPool: Ipv4Range;
    readonly podCidr: Ipv4Block;
    readonly serviceCidr: Ipv4Block;
    readonly reservations: readonly ParsedReservation[];
    readonly argoCdAllowBranchRevisions: boolean;
}

interface KeySpec<K extends NetworkKey> {
    readonly description: string;
    /** Optional string keys may be "" (unknown); an optional key of another type may be left out. */
    readonly optional: boolean;
    /** The key's JSON schema; a string unless said otherwise. */
    readonly schema?: Record<string, unknown>;
    readonly parse: (value: NetworkConfig[K]) => Parsed<NonNullable<Network[K]>>;
}

const KEYS: { readonly [K in NetworkKey]: KeySpec<K> } = {
    lan: { description: "The LAN the nodes sit on, as a CIDR block.", optional: false, parse: parseCidr },
    lanGateway: { description: "The router's address; empty when unknown.", optional: true, parse: parseIpv4 },
    dhcpScope: { description: "The router's DHCP scope as first-last; empty when unknown.", optional: true, parse: parseRange },
    controlPlaneVip: { description: "The Kubernetes API's VIP.", optional: false, parse: parseIpv4 },
    loadBalancerPool: { description: "The LoadBalancer pool as first-last.", optional: false, parse: parseRange },
    podCidr: { description: "Cilium's pod CIDR.", optional: false, parse: parseCidr },
    serviceCidr: { description: "The cluster's Service CIDR.", optional: false, parse: parseCidr },
    reservations: {
        description: "Addresses someone owns, each {address, holder, namespace, ports}; holder names the object that may pin it: {kind: \"traefik\", service} or {kind: \"application\", name}.",
        optional: true,
        schema: RESERVATIONS_SCHEMA,
        parse: parseReservations,
    },
    argoCdAllowBranchRevisions: {
        description: "The stack lets Argo CD sources follow a branch (HEAD, main) instead of a commit or tag: a lab's setting; false when absent.",
        optional: true,
        // No schema default: the pack holds no setting of its own; absent reads as false.
        schema: { type: "boolean" },
        parse: value => ({ ok: true, value }),
    },
};

/** The keys that describe the LAN around the VIPs. */
export const LAN_KEYS = ["lan", "lanGateway", "dhcpScope"] as const;

export function lanLayout(network: Pick<Network, "lan" | "lanGateway" | "dhcpScope">): LanLayout {
    return { lan: network.lan, gateway: network.lanGateway, dhcpScope: network.dhcpScope };
}

/** Why the pack's config cannot be used, phrased for whoever runs the pack. */
export class PackConfigError extends Error {}

/** What a policy needs of the network: its config schema and a reader of its config. */
export interface NetworkNeeds<K extends NetworkKey> {
    readonly keys: readonly K[];
    readonly schema: PolicyConfigSchema;
    read(policy: string, config: Partial<Record<string, unknown>>): Pick<Network, K>;
}

export function networkNeeds<K extends NetworkKey>(...keys: K[]): NetworkNeeds<K> {
    const cache = new Map<string, Pick<Network, K>>();
    const byObject = new WeakMap<object, Pick<Network, K>>();
    return {
        keys,
        schema: {
            properties: Object.fromEntries(keys.map(key => [key, { type: "string", ...KEYS[key].schema, description: KEYS[key].description }])),
            // Keys of another type than string are optional; string keys are
            // required (an optional one may be "").
            required: keys.filter(key => KEYS[key].schema === undefined),
        },
        // Called once per resource: parse each distinct config once.
        read(policy, config) {
            const same = byObject.get(config);
            if (same !== undefined) {
                return same;
            }
            const cacheKey = JSON.stringify(keys.map(key => config[key]));
            const parsed = cache.get(cacheKey) ?? parseNetworkKeys(policy, keys, config);
            cache.set(cacheKey, parsed);
            byObject.set(config, parsed);
            return parsed;
        },
    };
}

/** The message for a pack run without its config: the same whichever policy notices first. */
export const MISSING_CONFIG_HINT =
    "pass the stack's network with --policy-pack-config policy/config/<stack>.json " +
    "(npm run policy-config writes it from Pulumi.<stack>.yaml), e.g. " +
    "pulumi preview --stack home --policy-pack policy --policy-pack-config policy/config/home.json";

function parseNetworkKeys<K extends NetworkKey>(policy: string, keys: readonly K[], config: Partial<Record<string, unknown>>): Pick<Network, K> {
    const parsed: Partial<Record<NetworkKey, unknown>> = {};
    const problems: string[] = [];
    for (const key of keys.filter(k => KEYS[k].schema !== undefined)) {
        const boolean = KEYS[key].schema!.type === "boolean";
        const value = config[key] ?? KEYS[key].schema!.default ?? (boolean ? false : undefined);
        if (boolean ? typeof value !== "boolean" : !Array.isArray(value)) {
            throw new PackConfigError(`The policy pack's config for ${policy} is wrong: ${key} is ${JSON.stringify(value)}, not ${boolean ? "true or false" : "a list"}. Regenerate it with npm run policy-config.`);
        }
        const result = (KEYS[key] as KeySpec<NetworkKey>).parse(value as never);
        if (result.ok) {
            parsed[key] = result.value;
        } else {
            problems.push(`${key} ${result.reason}`);
        }
    }
    const stringKeys = keys.filter(k => KEYS[k].schema === undefined);
    const missing = stringKeys.filter(key => typeof config[key] !== "string");
    if (missing.length > 0) {
        const wrongType = missing.filter(key => config[key] !== undefined);
        if (wrongType.length === 0) {
            throw new PackConfigError(`The policy pack has no network config (policy ${policy} needs ${missing.join(", ")}): ${MISSING_CONFIG_HINT}.`);
        }
        throw new PackConfigError(
            `The policy pack's config for ${policy} is wrong: ${wrongType.map(key => `${key} is ${JSON.stringify(config[key])}, not a string`).join("; ")}. ` +
            "Regenerate it with npm run policy-config.",
        );
    }
    for (const key of stringKeys) {
        const text = (config[key] as string).trim();
        if (text === "" && KEYS[key].optional) {
            continue;
        }
        const result = (KEYS[key] as KeySpec<NetworkKey>).parse(text as never);
        if (result.ok) {
            parsed[key] = result.value;
        } else {
            problems.push(`${key} "${text}" ${result.reason}`);
        }
    }
    if (problems.length > 0) {
        throw new PackConfigError(`The policy pack's config for ${policy} is invalid: ${problems.join("; ")}. Regenerate it with npm run policy-config.`);
    }
    return parsed as Pick<Network, K>;
}

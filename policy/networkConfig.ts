// The pack's view of the network: the addresses it checks resources against,
// from the pack's config (--policy-pack-config), with the home network as the
// default. Each environment's file under config/ is generated from its stack
// config (npm run policy-config), so the two cannot drift apart.

import { PolicyConfigSchema } from "@pulumi/policy";
import { Ipv4Block, Ipv4Range, LanLayout, parseCidr, parseIpv4, parseRange } from "./addressing";

export interface NetworkConfig {
    lan: string;
    lanGateway: string;
    dhcpScope: string;
    controlPlaneVip: string;
    loadBalancerPool: string;
    podCidr: string;
    serviceCidr: string;
}

export const HOME_NETWORK: NetworkConfig = {
    lan: "192.168.1.0/24",
    lanGateway: "",
    dhcpScope: "",
    controlPlaneVip: "192.168.1.230",
    loadBalancerPool: "192.168.1.231-192.168.1.239",
    podCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
};

const DESCRIPTIONS: Record<keyof NetworkConfig, string> = {
    lan: "The LAN the nodes sit on, as a CIDR block.",
    lanGateway: "The router's address; empty when unknown.",
    dhcpScope: "The router's DHCP scope as first-last; empty when unknown.",
    controlPlaneVip: "The Kubernetes API's VIP.",
    loadBalancerPool: "The LoadBalancer pool as first-last.",
    podCidr: "Cilium's pod CIDR.",
    serviceCidr: "The cluster's Service CIDR.",
};

/** Every policy that checks addresses takes the whole network, with home defaults. */
export const NETWORK_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: Object.fromEntries((Object.keys(HOME_NETWORK) as Array<keyof NetworkConfig>).map(key => [
        key,
        { type: "string", default: HOME_NETWORK[key], description: DESCRIPTIONS[key] },
    ])),
};

/** The network, parsed. A malformed pack config is an error of its own, not a silent pass. */
export interface Network {
    readonly layout: LanLayout;
    readonly controlPlaneVip: number;
    readonly pool: Ipv4Range;
    readonly podCidr: Ipv4Block;
    readonly serviceCidr: Ipv4Block;
    readonly text: NetworkConfig;
}

export function parseNetwork(config: Partial<NetworkConfig>): Network {
    const text: NetworkConfig = { ...HOME_NETWORK, ...config };
    const problems: string[] = [];
    const must = <T>(key: keyof NetworkConfig, parsed: { ok: true; value: T } | { ok: false; reason: string }): T => {
        if (!parsed.ok) {
            problems.push(`${key} "${text[key]}" ${parsed.reason}`);
            return undefined as unknown as T;
        }
        return parsed.value;
    };
    const network: Network = {
        layout: {
            lan: must("lan", parseCidr(text.lan)),
            gateway: text.lanGateway === "" ? undefined : must("lanGateway", parseIpv4(text.lanGateway)),
            dhcpScope: text.dhcpScope === "" ? undefined : must("dhcpScope", parseRange(text.dhcpScope)),
        },
        controlPlaneVip: must("controlPlaneVip", parseIpv4(text.controlPlaneVip)),
        pool: must("loadBalancerPool", parseRange(text.loadBalancerPool)),
        podCidr: must("podCidr", parseCidr(text.podCidr)),
        serviceCidr: must("serviceCidr", parseCidr(text.serviceCidr)),
        text,
    };
    if (problems.length > 0) {
        throw new Error(`The policy pack's network config is invalid: ${problems.join("; ")}. Regenerate it with npm run policy-config.`);
    }
    return network;
}

// getConfig is called once per resource; parse each distinct config once.
const parsedByText = new Map<string, Network>();

export function networkOf(config: Partial<NetworkConfig>): Network {
    const key = JSON.stringify(config);
    let network = parsedByText.get(key);
    if (network === undefined) {
        network = parseNetwork(config);
        parsedByText.set(key, network);
    }
    return network;
}

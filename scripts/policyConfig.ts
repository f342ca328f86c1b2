// Generates the pack's per-environment config (policy/config/<stack>.json)
// from the stack's own config, so the addresses the pack enforces are the ones
// the program deploys. `npm run policy-config` rewrites every file; a test
// fails when a committed file is out of date.

import * as fs from "fs";
import * as path from "path";
import { buildAddressPlan, describeAddresses, RawAddressConfig } from "../components/addressPlan";
import { traefikLayout } from "../components/traefikValues";
import { Reservation } from "../policy/definitions";
import { NetworkConfig } from "../policy/networkConfig";
import { resourcePolicies, stackPolicies } from "../policy/policies";
import { StackConfigValues, listStacks, loadStackConfig } from "./stackFiles";

export function networkConfigOf(root: string, stack: string, overrides: StackConfigValues = {}): NetworkConfig {
    const values = { ...loadStackConfig(root, stack).values, ...overrides };
    const text = (key: keyof RawAddressConfig) => (values[key] === undefined ? "" : String(values[key]));
    const raw: RawAddressConfig = {
        lan: text("lan"), lanGateway: text("lanGateway"), dhcpScope: text("dhcpScope"),
        controlPlaneVip: text("controlPlaneVip"), vipInterface: text("vipInterface"),
        loadBalancerPool: text("loadBalancerPool"), ingressVip: text("ingressVip"), ingressSecondaryVip: text("ingressSecondaryVip"),
        podCidr: text("podCidr"), serviceCidr: text("serviceCidr"),
        ciliumDevices: Array.isArray(values.ciliumDevices) ? values.ciliumDevices.map(String) : [],
    };
    const plan = buildAddressPlan(raw);
    if (!plan.ok) {
        throw new Error(`stack ${stack} has config errors; run npm run plan -- --stack ${stack} to see them`);
    }
    const a = describeAddresses(plan.plan);
    return {
        lan: a.lan, lanGateway: a.gateway ?? "", dhcpScope: a.dhcpScope ?? "",
        controlPlaneVip: a.controlPlaneVip, loadBalancerPool: a.loadBalancerPool,
        podCidr: a.podCidr, serviceCidr: a.serviceCidr,
        reservations: traefikReservations(a.ingressVip, a.ingressSecondaryVip),
    };
}

/**
 * The addresses Traefik's Services hold, named as the program names them
 * (`traefik`, `traefik-vip<octet>`). Each owner ends with `Service <name>`, so
 * the pack knows those Services may pin them and nothing else may.
 */
export function traefikReservations(ingressVip: string, ingressSecondaryVip: string): Reservation[] {
    const layout = traefikLayout(ingressVip, ingressSecondaryVip);
    return [layout.primary, layout.secondary].map(frontend => ({ address: frontend.vip, owner: `Traefik Service ${frontend.serviceName}` }));
}

/** The --policy-pack-config file of a stack: for each policy, the keys of the network it reads. */
export function policyPackConfigOf(root: string, stack: string, overrides: StackConfigValues = {}): Record<string, Record<string, unknown>> {
    const network = networkConfigOf(root, stack, overrides);
    const config: Record<string, Record<string, unknown>> = {};
    for (const policy of [...resourcePolicies, ...stackPolicies]) {
        if (policy.configSchema !== undefined) {
            const keys = Object.keys(policy.configSchema.properties) as Array<keyof NetworkConfig>;
            config[policy.name] = Object.fromEntries(keys.map(key => [key, network[key]]));
        }
    }
    return config;
}

export function policyConfigPath(root: string, stack: string): string {
    return path.join(root, "policy", "config", `${stack}.json`);
}

export function renderPolicyPackConfig(root: string, stack: string): string {
    return `${JSON.stringify(policyPackConfigOf(root, stack), null, 2)}\n`;
}

if (require.main === module) {
    const root = path.resolve(__dirname, "..");
    fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
    for (const stack of listStacks(root)) {
        fs.writeFileSync(policyConfigPath(root, stack), renderPolicyPackConfig(root, stack));
        console.log(`wrote policy/config/${stack}.json`);
    }
}

// Generates the pack's per-environment config (policy/config/<stack>.json)
// from the stack's own config, so the addresses the pack enforces are the ones
// the program deploys. `homelab-network policy-config` (scripts/cli/policyConfig.ts)
// writes or checks the files; a test fails when a committed file is out of date.

import * as path from "path";
import { formatConfigIssues } from "../config/issues";
import { AddressOwnership } from "../config/reservations";
import { StackSettings, parseStackConfig } from "../config/stack";
import { NetworkConfig } from "../policy/networkConfig";
import { resourcePolicies, stackPolicies } from "../policy/policies";
import { Reservation } from "../policy/reservations";
import { StackConfigValues, StackFileError, configReader, loadStackConfig, secretTeller } from "./stackFiles";

/** A stack's settings, parsed from its files as the program parses its config; throws on a config error. */
export function stackSettingsOf(root: string, stack: string, overrides: StackConfigValues = {}): StackSettings {
    const { project, values } = loadStackConfig(root, stack);
    const merged = { ...values, ...overrides };
    const parsed = parseStackConfig(configReader(merged), secretTeller(merged));
    if (!parsed.ok) {
        throw new StackFileError(formatConfigIssues(parsed.issues, project, stack));
    }
    return parsed.settings;
}

/** The network as the pack reads it, from the stack's address plan. */
export function networkConfigOf(settings: StackSettings): NetworkConfig {
    const a = settings.addresses;
    return {
        lan: a.lan.cidr,
        lanGateway: a.gateway?.text ?? "",
        dhcpScope: a.dhcpScope?.text ?? "",
        controlPlaneVip: a.controlPlaneVip.text,
        loadBalancerPool: a.loadBalancerPool.text,
        podCidr: a.podCidr.cidr,
        serviceCidr: a.serviceCidr.cidr,
        reservations: reservationsOf(settings.ownership),
        argoCdAllowBranchRevisions: settings.argoCdAllowBranchRevisions,
    };
}

/**
 * The addresses of the pool someone owns, each with its holder: one of
 * Traefik's Services by name, or an Application, so the pack lets that one pin
 * the address and names the owner when anything else does.
 */
export function reservationsOf(ownership: AddressOwnership): Reservation[] {
    return ownership.reservations.flatMap(({ address, owner }): Reservation[] => {
        const served = { namespace: owner.namespace, ports: owner.ports ?? [] };
        switch (owner.kind) {
            case "api":
                // The pack knows the API VIP as controlPlaneVip.
                return [];
            case "traefik":
                return [{ address: address.text, holder: { kind: "traefik", service: owner.service! }, ...served }];
            case "application":
                return [{ address: address.text, holder: { kind: "application", name: owner.application!, ...(owner.workload === undefined ? {} : { workload: owner.workload }) }, ...served }];
        }
    });
}

/** The --policy-pack-config file of a stack: for each policy, the keys of the network it reads. */
export function policyPackConfigOf(root: string, stack: string, overrides: StackConfigValues = {}): Record<string, Record<string, unknown>> {
    return policyPackConfigFor(stackSettingsOf(root, stack, overrides));
}

/** The same, from settings already parsed. */
export function policyPackConfigFor(settings: StackSettings): Record<string, Record<string, unknown>> {
    const network = networkConfigOf(settings);
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

// Runs the CrossGuard pack's policies in-process over resources recorded by an
// offline run: the same policy objects `pulumi preview --policy-pack policy`
// loads, given the same per-policy config, with no CLI and no cluster.

import { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError, unknownCheckingProxy } from "@pulumi/policy";
import { PACK_NAME } from "../policy/definitions";
import { MISSING_CONFIG_HINT, PackConfigError } from "../policy/networkConfig";
import { resourcePolicies, stackPolicies } from "../policy/policies";

/** A resource as the policies see it. */
export interface PolicyInput {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, any>;
    /** The parent's URN, as the engine sends it with AnalyzeStack. */
    readonly parent?: string;
}

const PACK_VERSION: string = require("../policy/package.json").version;

/** The policy SDK's markers of values a preview cannot know (its proxy module's unknown*Value constants). */
const UNKNOWN_SENTINELS = new Set(Object.entries(require("@pulumi/policy/proxy") as Record<string, unknown>)
    .filter(([name, value]) => /^unknown[A-Za-z]*Value$/.test(name) && typeof value === "string")
    .map(([, value]) => value as string));

function holdsUnknown(value: unknown): boolean {
    if (typeof value === "string") {
        return UNKNOWN_SENTINELS.has(value);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(holdsUnknown);
    }
    return false;
}

/**
 * Props as the SDK hands them to a policy: reading a value the preview cannot
 * know throws UnknownValueError. Only props that hold one need the SDK's
 * proxy; the offline plan's never do, and the proxy costs on every read.
 */
function asPolicySees(props: Record<string, any>): Record<string, any> {
    return holdsUnknown(props) ? unknownCheckingProxy(props) : props;
}

/** What the policy SDK reports when a policy reads a value the preview cannot know. */
function unknownAdvisory(policy: AnyPolicy, error: UnknownValueError): Omit<Violation, "urn"> {
    return {
        policy: policy.name,
        enforcementLevel: "advisory",
        message: `can't run policy '${policy.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${error.message}`,
    };
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    /** The resource's URN, or undefined for a stack-wide finding. */
    readonly urn?: string;
    readonly message: string;
}

/** The pack config file's shape: per policy, its enforcement level and properties. */
export type PolicyPackConfig = Record<string, Record<string, unknown> | EnforcementLevel>;

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

function configFor(policy: AnyPolicy, packConfig: PolicyPackConfig): { level: EnforcementLevel; config: Record<string, unknown> } {
    const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([key, schema]) => [key, (schema as { default?: unknown }).default]));
    const entry = packConfig[policy.name];
    const all = typeof packConfig.all === "string" ? packConfig.all : undefined;
    if (typeof entry === "string") {
        return { level: entry, config: defaults };
    }
    const { enforcementLevel, ...props } = (entry ?? {}) as Record<string, unknown>;
    return {
        level: (enforcementLevel as EnforcementLevel | undefined) ?? all ?? policy.enforcementLevel ?? "advisory",
        config: { ...defaults, ...props },
    };
}

const JSON_TYPES: Record<string, (value: unknown) => boolean> = {
    string: value => typeof value === "string",
    number: value => typeof value === "number",
    integer: value => Number.isInteger(value),
    boolean: value => typeof value === "boolean",
    array: value => Array.isArray(value),
    object: value => typeof value === "object" && value !== null && !Array.isArray(value),
};

/**
 * Checks each enabled policy's config against its schema before any policy
 * runs, as the Pulumi CLI does before it configures a pack: one error for a
 * pack run without its config, one naming each wrong key otherwise.
 */
export function validatePackConfig(packConfig: PolicyPackConfig): void {
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const policy of [...resourcePolicies, ...stackPolicies]) {
        const { level, config } = configFor(policy, packConfig);
        if (level === "disabled" || policy.configSchema === undefined) {
            continue;
        }
        for (const key of policy.configSchema.required ?? []) {
            if (config[key] === undefined) {
                missing.push(`${policy.name}.${key}`);
            }
        }
        for (const [key, schema] of Object.entries(policy.configSchema.properties)) {
            const type = (schema as { type?: string }).type;
            const value = config[key];
            if (value !== undefined && type !== undefined && JSON_TYPES[type] !== undefined && !JSON_TYPES[type](value)) {
                wrong.push(`${policy.name}.${key} is ${JSON.stringify(value)}, which is not of type ${type}`);
            }
        }
    }
    if (missing.length > 0 && missing.length === countRequired(packConfig)) {
        throw new PackConfigError(`The policy pack has no network config: ${MISSING_CONFIG_HINT}.`);
    }
    const problems = [...missing.map(key => `${key} is missing`), ...wrong];
    if (problems.length > 0) {
        throw new PackConfigError(`The policy pack's config is wrong: ${problems.join("; ")}. Regenerate it with npm run policy-config.`);
    }
}

function countRequired(packConfig: PolicyPackConfig): number {
    return [...resourcePolicies, ...stackPolicies]
        .filter(policy => configFor(policy, packConfig).level !== "disabled")
        .reduce((sum, policy) => sum + (policy.configSchema?.required?.length ?? 0), 0);
}

class NotApplicable extends Error {}

function validationArgs(config: Record<string, unknown>) {
    return {
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

export async function runPolicies(resources: readonly PolicyInput[], packConfig: PolicyPackConfig = {}): Promise<Violation[]> {
    validatePackConfig(packConfig);
    const violations: Violation[] = [];
    const props = resources.map(resource => asPolicySees(resource.props));
    for (const policy of resourcePolicies) {
        const { level, config } = configFor(policy, packConfig);
        if (level === "disabled") {
            continue;
        }
        const validate = policy.validateResource;
        const validators = Array.isArray(validate) ? validate : validate === undefined ? [] : [validate];
        const { stackTags, getConfig, notApplicable } = validationArgs(config);
        for (const [index, resource] of resources.entries()) {
            // A literal of fixed shape per resource: spreading the shared
            // arguments into each one was most of a pack run's time.
            const args = {
                stackTags,
                getConfig,
                notApplicable,
                type: resource.type,
                name: resource.name,
                urn: resource.urn,
                props: props[index],
                opts: {} as any,
                isType: () => false,
                asType: () => undefined,
            };
            const report = (message: string, urn?: string) => violations.push({ policy: policy.name, enforcementLevel: level, urn: urn ?? resource.urn, message });
            for (const validator of validators) {
                try {
                    await validator(args, report);
                } catch (error) {
                    if (error instanceof UnknownValueError) {
                        violations.push({ ...unknownAdvisory(policy, error), urn: resource.urn });
                    } else if (!(error instanceof NotApplicable)) {
                        throw error;
                    }
                }
            }
        }
    }
    const stackResources: any[] = resources.map((resource, index) => ({
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: props[index],
        opts: {} as any,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    // The SDK links each resource to its parent's object.
    const byUrn = new Map(stackResources.map(r => [r.urn, r]));
    resources.forEach((resource, index) => {
        if (resource.parent !== undefined && byUrn.has(resource.parent)) {
            stackResources[index].parent = byUrn.get(resource.parent);
        }
    });
    for (const policy of stackPolicies) {
        const { level, config } = configFor(policy, packConfig);
        if (level === "disabled") {
            continue;
        }
        try {
            await policy.validateStack({ ...validationArgs(config), resources: stackResources }, (message, urn) =>
                violations.push({ policy: policy.name, enforcementLevel: level, urn, message }));
        } catch (error) {
            if (error instanceof UnknownValueError) {
                violations.push(unknownAdvisory(policy, error));
            } else if (!(error instanceof NotApplicable)) {
                throw error;
            }
        }
    }
    return violations;
}

// The edge where stack config enters the program: every key read once,
// validated once, and handed on as one typed object. Pure: the Pulumi program
// (config/load.ts), the offline plan and the pack-config generator all call
// `parseStackConfig` with a reader of the stack's values.

import { allFrontends } from "../platform/traefik";
import { AddressPlan, RawAddressConfig, buildAddressPlan } from "./addressPlan";
import { ALLOW_BRANCH_REVISIONS_KEY, EXACT_VERSION } from "../policy/revisions";
import { ApplicationSpec, parseApplications } from "./applications";
import { ConfigIssue, withApplicationNames } from "./issues";
import { PlatformAccess, parsePlatformAccess } from "./platformAccess";
import { type ConfigReader, type SecretTeller, UNDECRYPTED_SECRET } from "./reading";

export type { ConfigReader, SecretTeller } from "./reading";
export { UNDECRYPTED_SECRET } from "./reading";
import { AddressOwnership, addressOwnership } from "./reservations";
import { revisionPinIssues } from "./revisionPins";

/** Chart versions and image tags; every one pinned. */
export interface Versions {
    readonly cilium: string;
    readonly traefikChart: string;
    readonly argoCdChart: string;
    /** One tag for both kube-vip roles, so they are upgraded in lockstep. */
    readonly kubeVip: string;
    readonly kubeVipCloudProvider: string;
}

export interface StackSettings {
    readonly addresses: AddressPlan;
    /** Who owns which address of the pool, and what is left for Services that pin nothing. */
    readonly ownership: AddressOwnership;
    readonly apiServerPort: number;
    readonly ciliumOperatorReplicas: number;
    readonly versions: Versions;
    readonly applications: readonly ApplicationSpec[];
    readonly postDeployChecks: boolean;
    /**
     * The cluster already runs kube-vip on the stack's VIPs (a take-over of a
     * running cluster): the first deploy's preflight accepts a VIP that answers
     * when this cluster's kube-vip holds it. Defaults to false.
     */
    readonly adoptRunningKubeVip: boolean;
    /** Argo CD's Git sources may follow branches (HEAD, main): a lab's setting. Defaults to false: a commit SHA or a release tag. */
    readonly argoCdAllowBranchRevisions: boolean;
    /** The bcrypt hash of Argo CD's admin password, when the stack sets one (a secret). */
    readonly argoCdAdminPasswordBcrypt?: string;
    /** Argo CD's age key for SOPS (a secret) and the UIs' hostnames. */
    readonly platformAccess: PlatformAccess;
}

/** Config keys as `Pulumi.yaml` declares them; `keyof` keeps code and file in step. */
export const VERSION_KEYS = {
    cilium: "ciliumVersion",
    traefikChart: "traefikChartVersion",
    argoCdChart: "argoCdChartVersion",
    kubeVip: "kubeVipVersion",
    kubeVipCloudProvider: "kubeVipCloudProviderVersion",
} as const satisfies Record<keyof Versions, string>;

/**
 * Keys Pulumi.yaml declares without a default: a stack must set every one (a
 * test keeps this list and Pulumi.yaml in step). The Pulumi CLI refuses a stack
 * that lacks any of them; a program that sees none of them was given another
 * project's config, or a stack file whose keys are not under `config:`.
 */
export const REQUIRED_KEYS = [
    "lan", "controlPlaneVip", "loadBalancerPool", "ingressVip", "ingressSecondaryVip", "ciliumDevices",
    ...Object.values(VERSION_KEYS),
] as const;

/** The required keys, when the stack sets none of them; undefined when it sets any. */
export function missingProjectConfig(read: ConfigReader): readonly string[] | undefined {
    return REQUIRED_KEYS.every(key => read(key) === undefined) ? REQUIRED_KEYS : undefined;
}

/** The message for a stack in which the program finds none of the project's required keys. */
export function noProjectConfigMessage(project: string, stack: string, missing: readonly string[]): string {
    return [
        `No config for project ${project} was found in stack "${stack}"; nothing was deployed.`,
        "",
        `  None of its ${missing.length} required keys is set: ${missing.join(", ")}.`,
        `  The program reads them as ${missing.slice(0, 2).map(key => `${project}:${key}`).join(", ")} and so on, from the config: section of Pulumi.${stack}.yaml`,
        "  (or the stack's environment).",
        `  fix: put the keys under config:, prefixed with the project's name (${project}, the name: in Pulumi.yaml),`,
        `       and check that ${stack} is the stack you meant (pulumi stack ls).`,
        "",
    ].join("\n");
}

/**
 * A bcrypt hash as Argo CD's Go bcrypt reads it: $2a$, $2b$ or $2y$, a cost of
 * 04-31, then 53 characters of bcrypt's base64 (22 of salt, 31 of hash).
 */
export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

const PASSWORD_KEY = "argoCdAdminPasswordBcrypt";

/** Validates versions; kube-vip's images are tagged with a leading v. */
export function versionIssues(raw: Record<keyof Versions, string>): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const field of Object.keys(VERSION_KEYS) as Array<keyof Versions>) {
        const key = VERSION_KEYS[field];
        const value = raw[field].trim();
        const wantsV = field === "kubeVip" || field === "kubeVipCloudProvider";
        if (!EXACT_VERSION.test(value)) {
            issues.push({ key, value, problem: "is not a pinned release version", fix: `set ${key} to an exact release such as ${wantsV ? "v1.0.0" : "1.2.3"} (never latest or a range)` });
        } else if (wantsV && value.includes("+")) {
            issues.push({ key, value, problem: "has build metadata (+...), which an image tag cannot hold", fix: `write the image tag as published, e.g. ${value.split("+")[0]}` });
        } else if (wantsV !== value.startsWith("v")) {
            issues.push({ key, value, problem: wantsV ? "lacks the leading v of kube-vip's image tags" : "has a leading v, which Helm chart versions do not", fix: `write ${wantsV ? `v${value}` : value.slice(1)}` });
        }
    }
    return issues;
}


export type ParsedStack = { ok: true; settings: StackSettings } | { ok: false; issues: ConfigIssue[] };

/**
 * Reads and validates the whole stack config: the settings, or every problem
 * at once. `isSecret` tells which values are secrets; without it, whether the
 * admin password's hash was written in clear is not checked.
 */
export function parseStackConfig(read: ConfigReader, isSecret?: SecretTeller): ParsedStack {
    const text = (key: string): string => read(key) ?? "";
    const raw: RawAddressConfig = {
        lan: text("lan"),
        lanGateway: text("lanGateway"),
        dhcpScope: text("dhcpScope"),
        controlPlaneVip: text("controlPlaneVip"),
        vipInterface: text("vipInterface"),
        loadBalancerPool: text("loadBalancerPool"),
        ingressVip: text("ingressVip"),
        ingressSecondaryVip: text("ingressSecondaryVip"),
        ingressSecondaryName: text("ingressSecondaryName"),
        podCidr: text("podCidr"),
        serviceCidr: text("serviceCidr"),
        ciliumDevices: undefined,
    };
    const issues: ConfigIssue[] = [];
    raw.ciliumDevices = readDevices(read, issues);
    const apiServerPort = integer(read, "apiServerPort", 6443, issues);
    if (apiServerPort !== undefined && (apiServerPort < 1 || apiServerPort > 65535)) {
        issues.push({ key: "apiServerPort", value: text("apiServerPort"), problem: "is not a TCP port", fix: "K3s serves the API on 6443" });
    }
    const ciliumOperatorReplicas = integer(read, "ciliumOperatorReplicas", 2, issues);
    if (ciliumOperatorReplicas !== undefined && ciliumOperatorReplicas < 1) {
        issues.push({ key: "ciliumOperatorReplicas", value: text("ciliumOperatorReplicas"), problem: "is not a whole number of at least 1", fix: "use 1 on a single-node cluster, 2 otherwise" });
    }
    const versions = Object.fromEntries(
        (Object.keys(VERSION_KEYS) as Array<keyof Versions>).map(field => [field, text(VERSION_KEYS[field]).trim()]),
    ) as unknown as Versions;
    issues.push(...versionIssues(versions));
    const plan = buildAddressPlan(raw);
    const entrypoints = plan.ok ? allFrontends(plan.plan.ingress).flatMap(f => f.entrypoints.map(e => e.name)) : undefined;
    const rawApplications = readJson(read, "applications", issues);
    const apps = parseApplications(rawApplications, { entrypoints });
    issues.push(...apps.issues);
    const postDeployChecks = boolean(read, "postDeployChecks", true, issues);
    const adoptRunningKubeVip = boolean(read, "adoptRunningKubeVip", false, issues);
    const argoCdAllowBranchRevisions = boolean(read, ALLOW_BRANCH_REVISIONS_KEY, false, issues);
    issues.push(...revisionPinIssues(rawApplications, argoCdAllowBranchRevisions ?? true));
    const password = text(PASSWORD_KEY);
    issues.push(...passwordIssues(password, isSecret));
    const access = parsePlatformAccess(read, isSecret, entrypoints);
    issues.push(...access.issues);

    if (!plan.ok) {
        issues.unshift(...plan.issues);
    }
    const owned = plan.ok ? addressOwnership(plan.plan, apps.specs) : undefined;
    issues.push(...(owned?.issues ?? []));
    if (!plan.ok || owned === undefined || issues.length > 0 || apiServerPort === undefined || ciliumOperatorReplicas === undefined || postDeployChecks === undefined || adoptRunningKubeVip === undefined || argoCdAllowBranchRevisions === undefined) {
        return { ok: false, issues: withApplicationNames(issues, rawApplications) };
    }
    return {
        ok: true,
        settings: {
            addresses: plan.plan,
            ownership: owned.ownership,
            apiServerPort,
            ciliumOperatorReplicas,
            versions,
            applications: apps.specs,
            postDeployChecks,
            adoptRunningKubeVip,
            argoCdAllowBranchRevisions,
            argoCdAdminPasswordBcrypt: password === "" ? undefined : password,
            platformAccess: access.access,
        },
    };
}

/**
 * An integer key as the Pulumi CLI accepts it for the type integer: decimal
 * digits with an optional sign (Go's strconv.Atoi), nothing else. `fallback`
 * when unset (the default Pulumi.yaml declares).
 */
function integer(read: ConfigReader, key: string, fallback: number, issues: ConfigIssue[]): number | undefined {
    const value = read(key);
    if (value === undefined) {
        return fallback;
    }
    if (!/^[+-]?[0-9]+$/.test(value)) {
        issues.push({ key, value, problem: "is not a whole number", fix: `write ${key} as digits only, e.g. ${key}: ${fallback}` });
        return undefined;
    }
    return Number(value);
}

/**
 * A boolean key: true or false, nothing else. The Pulumi CLI accepts only
 * these for the type boolean; YAML 1.1's yes/no/on/off are text to it.
 */
function boolean(read: ConfigReader, key: string, fallback: boolean, issues: ConfigIssue[]): boolean | undefined {
    const value = read(key);
    if (value === undefined) {
        return fallback;
    }
    if (value !== "true" && value !== "false") {
        issues.push({ key, value, problem: "is neither true nor false (yes, no, on, off and quoted words are not booleans here)", fix: `write ${key}: true or ${key}: false` });
        return undefined;
    }
    return value === "true";
}

/** The Cilium devices, or undefined when the value cannot be read as a list of names (reported here). */
function readDevices(read: ConfigReader, issues: ConfigIssue[]): string[] | undefined {
    const key = "ciliumDevices";
    const value = read(key);
    if (value === undefined) {
        return [];
    }
    let devices: unknown;
    try {
        devices = JSON.parse(value);
    } catch {
        devices = value;
    }
    if (Array.isArray(devices) && devices.every(d => typeof d === "string")) {
        return devices;
    }
    if (typeof devices === "string") {
        const names = devices.split(/[\s,]+/).filter(name => name !== "");
        issues.push({ key, value, problem: "is one piece of text, not a list of interface names", fix: `write ciliumDevices as a YAML list: [${names.join(", ") || "eno1"}]` });
    } else {
        issues.push({ key, value, problem: "is not a list of interface names", fix: 'write ciliumDevices as a YAML list, e.g. ["eno1", "vmbr0"]' });
    }
    return undefined;
}

/**
 * The admin password's bcrypt hash: empty (Argo CD generates a password), or a
 * well-formed hash kept as a secret. Never printed: a mistaken value may be the
 * password itself.
 */
function passwordIssues(value: string, isSecret: SecretTeller | undefined): ConfigIssue[] {
    if (value === "") {
        return [];
    }
    const secret = isSecret?.(PASSWORD_KEY);
    const setSecret = `pulumi config set --secret ${PASSWORD_KEY} "$(htpasswd -nbBC 10 '' 'the password' | tr -d ':\\n')"`;
    const issues: ConfigIssue[] = [];
    if (secret === false) {
        issues.push({
            key: PASSWORD_KEY, value, hideValue: true,
            problem: "is written in clear in the stack's config; it must be a secret, or anyone who reads the stack file can try to crack it",
            fix: `set it again as a secret: ${setSecret}`,
        });
    }
    // Offline, a secret reads as a placeholder: its format cannot be checked there.
    if (!(value === UNDECRYPTED_SECRET && secret === true) && !BCRYPT_HASH.test(value)) {
        issues.push({
            key: PASSWORD_KEY, value, hideValue: true,
            problem: "is not a bcrypt hash ($2a$, $2b$ or $2y$, a two-digit cost, then 53 characters: 60 in all); Argo CD compares the login password against it, so no password would work",
            fix: `put the hash of the password, not the password: ${setSecret}`,
        });
    }
    return issues;
}

function readJson(read: ConfigReader, key: string, issues: ConfigIssue[]): unknown {
    const value = read(key);
    if (value === undefined || value.trim() === "") {
        return undefined;
    }
    try {
        return JSON.parse(value);
    } catch {
        issues.push({ key, value, problem: "is not a structured value", fix: `write ${key} as a YAML list in the stack file` });
        return undefined;
    }
}

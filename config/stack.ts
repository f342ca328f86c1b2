// The edge where stack config enters the program: every key read once,
// validated once, and handed on as one typed object. Pure: the Pulumi program
// (config/load.ts), the offline plan and the pack-config generator all call
// `parseStackConfig` with a reader of the stack's values.

import { allFrontends } from "../components/traefik/frontends";
import { AddressPlan, RawAddressConfig, buildAddressPlan } from "./addressPlan";
import { ApplicationSpec, EXACT_VERSION, parseApplications } from "./applications";
import { ConfigIssue } from "./issues";

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
    readonly apiServerPort: number;
    readonly ciliumOperatorReplicas: number;
    readonly versions: Versions;
    readonly applications: readonly ApplicationSpec[];
    readonly postDeployChecks: boolean;
    /** The bcrypt hash of Argo CD's admin password, when the stack sets one (a secret). */
    readonly argoCdAdminPasswordBcrypt?: string;
}

/** Config keys as `Pulumi.yaml` declares them; `keyof` keeps code and file in step. */
export const VERSION_KEYS = {
    cilium: "ciliumVersion",
    traefikChart: "traefikChartVersion",
    argoCdChart: "argoCdChartVersion",
    kubeVip: "kubeVipVersion",
    kubeVipCloudProvider: "kubeVipCloudProviderVersion",
} as const satisfies Record<keyof Versions, string>;

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

/** Reads one key of the stack's config as the Pulumi SDK gives it: text, or JSON text for structured values. */
export type ConfigReader = (key: string) => string | undefined;

export type ParsedStack = { ok: true; settings: StackSettings } | { ok: false; issues: ConfigIssue[] };

/** Reads and validates the whole stack config: the settings, or every problem at once. */
export function parseStackConfig(read: ConfigReader): ParsedStack {
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
        podCidr: text("podCidr"),
        serviceCidr: text("serviceCidr"),
        ciliumDevices: [],
    };
    const issues: ConfigIssue[] = [];
    const devices = readJson(read, "ciliumDevices", issues);
    if (Array.isArray(devices) && devices.every(d => typeof d === "string")) {
        raw.ciliumDevices = devices;
    } else if (devices !== undefined) {
        issues.push({ key: "ciliumDevices", value: JSON.stringify(devices), problem: "is not a list of interface names", fix: 'write e.g. ["eno1", "vmbr0"]' });
    }
    const apiServerPort = Number(text("apiServerPort") || "6443");
    if (!Number.isInteger(apiServerPort) || apiServerPort < 1 || apiServerPort > 65535) {
        issues.push({ key: "apiServerPort", value: text("apiServerPort"), problem: "is not a TCP port", fix: "K3s serves the API on 6443" });
    }
    const ciliumOperatorReplicas = Number(text("ciliumOperatorReplicas") || "2");
    if (!Number.isInteger(ciliumOperatorReplicas) || ciliumOperatorReplicas < 1) {
        issues.push({ key: "ciliumOperatorReplicas", value: text("ciliumOperatorReplicas"), problem: "is not a whole number of at least 1", fix: "use 1 on a single-node cluster, 2 otherwise" });
    }
    const versions = Object.fromEntries(
        (Object.keys(VERSION_KEYS) as Array<keyof Versions>).map(field => [field, text(VERSION_KEYS[field]).trim()]),
    ) as unknown as Versions;
    issues.push(...versionIssues(versions));
    const plan = buildAddressPlan(raw);
    const entrypoints = plan.ok ? allFrontends(plan.plan.ingress).flatMap(f => f.entrypoints.map(e => e.name)) : undefined;
    const apps = parseApplications(readJson(read, "applications", issues), { entrypoints });
    issues.push(...apps.issues);
    const postDeployChecks = text("postDeployChecks").trim().toLowerCase() !== "false";

    if (!plan.ok) {
        issues.unshift(...plan.issues);
    }
    if (!plan.ok || issues.length > 0) {
        return { ok: false, issues };
    }
    const password = text("argoCdAdminPasswordBcrypt").trim();
    return {
        ok: true,
        settings: {
            addresses: plan.plan,
            apiServerPort,
            ciliumOperatorReplicas,
            versions,
            applications: apps.specs,
            postDeployChecks,
            argoCdAdminPasswordBcrypt: password === "" ? undefined : password,
        },
    };
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

// The edge where stack config enters the program: read once, validated once,
// and handed on as typed objects. A bad value stops the program here with every
// problem listed, before any resource is declared.

import * as pulumi from "@pulumi/pulumi";
import { AddressPlan, ConfigIssue, RawAddressConfig, buildAddressPlan, formatConfigIssues } from "./addressPlan";
import { ApplicationSpec, EXACT_VERSION, parseApplications } from "./applicationSpec";

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
    /** Argo CD's admin password (a secret), when the stack sets one. */
    readonly argoCdAdminPasswordBcrypt?: pulumi.Output<string>;
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

/** Reads and validates the whole stack config, or stops the program with every problem. */
export function loadStackSettings(config: pulumi.Config = new pulumi.Config()): StackSettings {
    const text = (key: string): string => config.get(key) ?? "";
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
    const devices = readJson(config, "ciliumDevices", issues);
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
    const versions: Versions = {
        cilium: text(VERSION_KEYS.cilium),
        traefikChart: text(VERSION_KEYS.traefikChart),
        argoCdChart: text(VERSION_KEYS.argoCdChart),
        kubeVip: text(VERSION_KEYS.kubeVip),
        kubeVipCloudProvider: text(VERSION_KEYS.kubeVipCloudProvider),
    };
    issues.push(...versionIssues(versions));
    const apps = parseApplications(readJson(config, "applications", issues));
    issues.push(...apps.issues);
    const postDeployChecks = text("postDeployChecks").trim().toLowerCase() !== "false";

    const plan = buildAddressPlan(raw);
    if (!plan.ok) {
        issues.unshift(...plan.issues);
    }
    if (!plan.ok || issues.length > 0) {
        throw new pulumi.RunError(formatConfigIssues(issues, pulumi.getProject(), pulumi.getStack()));
    }
    for (const claim of plan.plan.unproven) {
        void pulumi.log.warn(claim);
    }
    // Read raw so that an unset password leaves Argo CD's values in plain text
    // (a secret Output would mask the whole release's diff in every preview).
    const password = pulumi.runtime.getConfig(`${pulumi.getProject()}:argoCdAdminPasswordBcrypt`) ?? "";
    return {
        addresses: plan.plan,
        apiServerPort,
        ciliumOperatorReplicas,
        versions: {
            cilium: versions.cilium.trim(),
            traefikChart: versions.traefikChart.trim(),
            argoCdChart: versions.argoCdChart.trim(),
            kubeVip: versions.kubeVip.trim(),
            kubeVipCloudProvider: versions.kubeVipCloudProvider.trim(),
        },
        applications: apps.specs,
        postDeployChecks,
        argoCdAdminPasswordBcrypt: password.trim() === "" ? undefined : pulumi.secret(password.trim()),
    };
}

function readJson(config: pulumi.Config, key: string, issues: ConfigIssue[]): unknown {
    const value = config.get(key);
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

// The Pulumi side of the config edge: the stack's config as the SDK gives it,
// parsed by parseStackConfig; a bad value stops the program here with every
// problem listed, before any resource is declared.

import * as pulumi from "@pulumi/pulumi";
import { formatConfigIssues } from "./issues";
import type { PlatformAccess } from "./platformAccess";
import { ConfigReader, StackSettings, missingProjectConfig, noProjectConfigMessage, parseStackConfig } from "./stack";

/** The settings, with Argo CD's admin password as a secret Output. */
export type ProgramSettings = Omit<StackSettings, "argoCdAdminPasswordBcrypt" | "platformAccess"> & {
    readonly argoCdAdminPasswordBcrypt?: pulumi.Output<string>;
    /** The age key, when set, as a secret Output: it reaches only the Secret Argo CD mounts. */
    readonly platformAccess: Omit<PlatformAccess, "sopsAgeKey"> & { readonly sopsAgeKey?: pulumi.Output<string> };
};

export function loadStackSettings(): ProgramSettings {
    const project = pulumi.getProject();
    // Read raw so that an unset password leaves Argo CD's values in plain text
    // (a secret Output would mask the whole release's diff in every preview).
    const read: ConfigReader = key => pulumi.runtime.getConfig(`${project}:${key}`);
    const missing = missingProjectConfig(read);
    if (missing !== undefined) {
        throw new pulumi.RunError(noProjectConfigMessage(project, pulumi.getStack(), missing));
    }
    const parsed = parseStackConfig(read, key => isConfigSecret(`${project}:${key}`));
    if (!parsed.ok) {
        throw new pulumi.RunError(formatConfigIssues(parsed.issues, project, pulumi.getStack()));
    }
    for (const claim of parsed.settings.addresses.unproven) {
        void pulumi.log.warn(claim);
    }
    const { argoCdAdminPasswordBcrypt, platformAccess: { sopsAgeKey, ...access }, ...settings } = parsed.settings;
    return {
        ...settings,
        argoCdAdminPasswordBcrypt: argoCdAdminPasswordBcrypt === undefined ? undefined : pulumi.secret(argoCdAdminPasswordBcrypt),
        platformAccess: { ...access, ...(sopsAgeKey === undefined ? {} : { sopsAgeKey: pulumi.secret(sopsAgeKey) }) },
    };
}

/**
 * Whether a config value is a secret. @pulumi/pulumi (3.248) implements
 * runtime.isConfigSecret, reading the keys the CLI marks secret
 * (PULUMI_CONFIG_SECRET_KEYS, or setAllConfig's list under mocks), but
 * declares it @internal, so its type is not published.
 */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtime.isConfigSecret === "function") {
        return runtime.isConfigSecret(key);
    }
    const listed: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(listed) && listed.includes(key);
}

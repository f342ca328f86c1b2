// The Pulumi side of the config edge: the stack's config as the SDK gives it,
// parsed by parseStackConfig; a bad value stops the program here with every
// problem listed, before any resource is declared.

import * as pulumi from "@pulumi/pulumi";
import { formatConfigIssues } from "./issues";
import { StackSettings, parseStackConfig } from "./stack";

/** The settings, with Argo CD's admin password as a secret Output. */
export type ProgramSettings = Omit<StackSettings, "argoCdAdminPasswordBcrypt"> & {
    readonly argoCdAdminPasswordBcrypt?: pulumi.Output<string>;
};

export function loadStackSettings(): ProgramSettings {
    const project = pulumi.getProject();
    // Read raw so that an unset password leaves Argo CD's values in plain text
    // (a secret Output would mask the whole release's diff in every preview).
    const parsed = parseStackConfig(key => pulumi.runtime.getConfig(`${project}:${key}`));
    if (!parsed.ok) {
        throw new pulumi.RunError(formatConfigIssues(parsed.issues, project, pulumi.getStack()));
    }
    for (const claim of parsed.settings.addresses.unproven) {
        void pulumi.log.warn(claim);
    }
    const { argoCdAdminPasswordBcrypt, ...settings } = parsed.settings;
    return { ...settings, argoCdAdminPasswordBcrypt: argoCdAdminPasswordBcrypt === undefined ? undefined : pulumi.secret(argoCdAdminPasswordBcrypt) };
}

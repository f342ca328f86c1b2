// Stack config for how Argo CD reads the GitOps repository's secrets (the age
// key SOPS decrypts with) and how people reach the platform's UIs (a hostname
// on Traefik, or kubectl port-forward). Pure: parsed and checked here, turned
// into chart values by components/argocd/ and components/cilium/.

import type { ConfigIssue } from "./issues";
import { type Report, isObject, shown, unknownFields } from "./fields";
import { type ConfigReader, type SecretTeller, UNDECRYPTED_SECRET } from "./reading";

/** The config keys read here; `keyof` keeps code, Pulumi.yaml and docs in step. */
export const PLATFORM_ACCESS_KEYS = {
    sopsAgeKey: "argoCdSopsAgeKey",
    argoCdUi: "argoCdUi",
    hubbleUi: "hubbleUi",
} as const;

/**
 * An age X25519 identity as age-keygen writes it: AGE-SECRET-KEY-1 and 58
 * characters of upper-case bech32. SOPS reads the same text from
 * SOPS_AGE_KEY_FILE, one identity per line; comment lines start with #.
 */
export const AGE_IDENTITY = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;

/** A UI served by Traefik on a hostname. */
export interface UiRoute {
    readonly hostname: string;
    /** Traefik entrypoints the route answers on. */
    readonly entrypoints: readonly string[];
    /** The TLS Secret (in the UI's namespace) Traefik serves for the hostname; absent: Traefik's default certificate. */
    readonly tlsSecretName?: string;
    /** Traefik middlewares in front of it (e.g. forward auth to an SSO), as `<namespace>-<name>@kubernetescrd`. */
    readonly middlewares?: readonly string[];
}

export interface PlatformAccess {
    /** The age identities (a secret), one per line, when the stack sets them. */
    readonly sopsAgeKey?: string;
    readonly argoCdUi?: UiRoute;
    readonly hubbleUi?: UiRoute;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const ROUTE_FIELDS = ["hostname", "entrypoints", "tlsSecretName", "middlewares"];
const MIDDLEWARE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?@(kubernetescrd|file)$/;

/**
 * The age key's lines, as SOPS reads its key file: the identities, without
 * comments and blank lines (age-keygen writes "# created:" and "# public key:"
 * lines above the key).
 */
export function ageIdentities(text: string): string[] {
    return text.split(/\r?\n/).map(line => line.trim()).filter(line => line !== "" && !line.startsWith("#"));
}

/**
 * The age key: unset, or a secret holding one or more identities. Its value
 * is never put in an issue, whatever is wrong with it.
 */
function ageKeyIssues(value: string | undefined, isSecret: SecretTeller | undefined): ConfigIssue[] {
    const key = PLATFORM_ACCESS_KEYS.sopsAgeKey;
    if (value === undefined || value.trim() === "") {
        return [];
    }
    const setSecret = `pulumi config set --secret ${key} < keys.txt`;
    const issues: ConfigIssue[] = [];
    const secret = isSecret?.(key);
    if (secret === false) {
        issues.push({
            key, value, hideValue: true,
            problem: "is written in clear in the stack's config; whoever reads the stack file could decrypt every SOPS file of the GitOps repository",
            fix: `remove it (pulumi config rm ${key}), rotate the key if the file was shared, and set it as a secret: ${setSecret}`,
        });
    }
    // Offline a secret reads as a placeholder whose form cannot be checked.
    if (!(value === UNDECRYPTED_SECRET && secret === true)) {
        const identities = ageIdentities(value);
        if (identities.length === 0 || !identities.every(line => AGE_IDENTITY.test(line))) {
            issues.push({
                key, value, hideValue: true,
                problem: "is not an age private key (lines of AGE-SECRET-KEY-1 and 58 more characters, as age-keygen writes them; # lines are comments); an age public key (age1...) or an SSH key cannot decrypt",
                fix: `set the contents of the key file SOPS uses (SOPS_AGE_KEY_FILE, often ~/.config/sops/age/keys.txt): ${setSecret}`,
            });
        }
    }
    return issues;
}

function parseRoute(key: string, raw: string | undefined, entrypoints: readonly string[] | undefined, issues: ConfigIssue[]): UiRoute | undefined {
    if (raw === undefined || raw.trim() === "" || raw.trim() === "{}") {
        return undefined;
    }
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        value = raw;
    }
    const example = `${key}: {hostname: ${key === "argoCdUi" ? "argocd" : "hubble"}.example.org, entrypoints: [websecure], tlsSecretName: wildcard-tls}`;
    if (!isObject(value)) {
        issues.push({ key, value: raw, problem: "is not a map with hostname, entrypoints and tlsSecretName", fix: `write ${example}, or leave ${key} out to reach the UI with kubectl port-forward` });
        return undefined;
    }
    const before = issues.length;
    const report: Report = (where, shownValue, problem, fix, subject) => issues.push({ key: where, value: shown(shownValue), problem, fix, ...(subject === undefined ? {} : { subject }) });
    // A misspelt field is one mistake: the field it meant is not reported missing as well.
    const misspelt = unknownFields(value, key, ROUTE_FIELDS, report, "of a UI route", `use only: ${ROUTE_FIELDS.join(", ")}`);
    const hostname = typeof value.hostname === "string" ? value.hostname.trim().toLowerCase() : undefined;
    if ((hostname === undefined && !misspelt.has("hostname")) || (hostname !== undefined && !HOSTNAME.test(hostname))) {
        issues.push({ key: `${key}.hostname`, value: value.hostname === undefined ? undefined : String(value.hostname), problem: "is not a fully qualified DNS name", fix: "write the name the LAN's DNS resolves to Traefik's VIP, e.g. argocd.example.org" });
    }
    const listed = Array.isArray(value.entrypoints) ? value.entrypoints : value.entrypoints === undefined ? [] : [value.entrypoints];
    const unknown = listed.filter(e => typeof e !== "string" || (entrypoints !== undefined && !entrypoints.includes(e)));
    if ((listed.length === 0 && !misspelt.has("entrypoints")) || unknown.length > 0) {
        issues.push({
            key: `${key}.entrypoints`, value: value.entrypoints === undefined ? undefined : JSON.stringify(value.entrypoints),
            problem: listed.length === 0 ? "names no entrypoint of Traefik's" : `names entrypoints Traefik does not have (${unknown.map(String).join(", ")})`,
            fix: `use some of: ${entrypoints?.join(", ") ?? "web, websecure"}`,
        });
    }
    const tls = value.tlsSecretName;
    if (tls !== undefined && (typeof tls !== "string" || !SECRET_NAME.test(tls))) {
        issues.push({ key: `${key}.tlsSecretName`, value: String(tls), problem: "is not the name of a Kubernetes Secret", fix: "name the kubernetes.io/tls Secret of the UI's namespace, e.g. wildcard-tls" });
    }
    const middlewares = value.middlewares === undefined ? [] : Array.isArray(value.middlewares) ? value.middlewares : [value.middlewares];
    if (!middlewares.every(m => typeof m === "string" && MIDDLEWARE.test(m))) {
        issues.push({ key: `${key}.middlewares`, value: JSON.stringify(value.middlewares), problem: "is not a list of Traefik middleware references", fix: "write <namespace>-<name>@kubernetescrd, e.g. authelia-forwardauth-authelia@kubernetescrd" });
    }
    if (issues.length > before || hostname === undefined) {
        return undefined;
    }
    return {
        hostname,
        entrypoints: listed as string[],
        ...(typeof tls === "string" ? { tlsSecretName: tls } : {}),
        ...(middlewares.length === 0 ? {} : { middlewares: middlewares as string[] }),
    };
}

/**
 * Reads the age key and the UI routes. `entrypoints` are Traefik's entrypoint
 * names (unknown, and not checked, when the address plan has problems).
 */
export function parsePlatformAccess(read: ConfigReader, isSecret: SecretTeller | undefined, entrypoints: readonly string[] | undefined): { access: PlatformAccess; issues: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    const key = read(PLATFORM_ACCESS_KEYS.sopsAgeKey);
    issues.push(...ageKeyIssues(key, isSecret));
    const argoCdUi = parseRoute(PLATFORM_ACCESS_KEYS.argoCdUi, read(PLATFORM_ACCESS_KEYS.argoCdUi), entrypoints, issues);
    const hubbleUi = parseRoute(PLATFORM_ACCESS_KEYS.hubbleUi, read(PLATFORM_ACCESS_KEYS.hubbleUi), entrypoints, issues);
    if (argoCdUi !== undefined && hubbleUi !== undefined && argoCdUi.hostname === hubbleUi.hostname) {
        issues.push({ key: `${PLATFORM_ACCESS_KEYS.hubbleUi}.hostname`, value: hubbleUi.hostname, problem: `is also ${PLATFORM_ACCESS_KEYS.argoCdUi}'s hostname; Traefik would send one UI's requests to the other`, fix: "give each UI a hostname of its own" });
    }
    return {
        access: {
            ...(key === undefined || key.trim() === "" ? {} : { sopsAgeKey: key }),
            ...(argoCdUi === undefined ? {} : { argoCdUi }),
            ...(hubbleUi === undefined ? {} : { hubbleUi }),
        },
        issues,
    };
}

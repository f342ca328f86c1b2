// SOPS for Argo CD, as the home cluster's own Argo CD does it: the repo server
// decrypts with an age key from the Secret sops-age, renders kustomizations
// whose generators call KSOPS, and hands directories with a values.enc.yaml to
// the cmp-sops-decrypt Config Management Plugin, a sidecar of the repo server.
// Pure: chart values and the Secret's data, so every key is asserted in tests.

import { ARGOCD } from "./names";

/**
 * The tool images, each pinned to a published tag. Renovate keeps them
 * current (renovate.json, "SOPS tool images": it reads the `"image:tag"`
 * strings of this file), and a test keeps that rule matching each of them.
 */
export const SOPS_IMAGES = {
    /** KSOPS, the kustomize exec plugin, with the kustomize it is built against. */
    ksops: "viaductoss/ksops:v4.3.2",
    sops: "ghcr.io/getsops/sops:v3.9.3-alpine",
    /** helm for `kustomize build --enable-helm` inside the plugin's sidecar. */
    helm: "alpine/helm:3.16.4",
    /** The plugin's sidecar: a shell for the plugin's script; every tool is mounted in. */
    sidecar: "alpine:3.20.3",
} as const;

export const SOPS = {
    /** The Secret in Argo CD's namespace that holds the age key, as the home cluster names it. */
    ageSecret: "sops-age",
    /** Its one key: the identities, as SOPS reads a key file. */
    ageSecretKey: "keys.txt",
    /** Where the key is mounted, and so SOPS_AGE_KEY_FILE's directory. */
    ageKeyDir: "/.config/sops/age",
    /** The plugin's name, as the home cluster's Applications discover it. */
    plugin: "cmp-sops-decrypt",
    pluginVersion: "v1.1",
    /** A directory holding this file is rendered by the plugin. */
    discoverFile: "values.enc.yaml",
    /** The ConfigMap the chart creates from configs.cmp.plugins (one <plugin>.yaml key per plugin). */
    pluginConfigMap: `${ARGOCD.fullnameOverride}-cmp-cm`,
} as const;

/** Kustomize's flags: charts (helmCharts:), and KSOPS, an exec KRM function. */
export const KUSTOMIZE_BUILD_OPTIONS = {
    plain: "--enable-helm",
    sops: "--enable-helm --enable-alpha-plugins --enable-exec",
} as const;

const TOOLS_VOLUME = "custom-tools";
const BIN = "/usr/local/bin";

/** The key file's content: the identities as configured, ending with a newline. */
export function ageKeyFile(identities: string): string {
    return identities.endsWith("\n") ? identities : `${identities}\n`;
}

/**
 * The plugin: decrypt values.enc.yaml into the values.yaml the directory's
 * helmCharts: entry names (or into values.secrets.yaml beside a
 * values.public.yaml), then build the kustomization. The same script as the
 * home cluster's plugin, so its directories render unchanged.
 */
export function sopsPlugin() {
    const decrypt = (target: string) => `sops --decrypt --input-type yaml --output-type yaml ${SOPS.discoverFile} > ${target};`;
    return {
        version: SOPS.pluginVersion,
        generate: {
            command: ["sh", "-c"],
            args: [[
                `if [ -f ${SOPS.discoverFile} ]; then`,
                "  if [ -f values.public.yaml ]; then",
                `    ${decrypt("values.secrets.yaml")}`,
                "  else",
                `    ${decrypt("values.yaml")}`,
                "  fi;",
                "fi;",
                `kustomize build ${KUSTOMIZE_BUILD_OPTIONS.sops} .`,
                "",
            ].join("\n")],
        },
        discover: { fileName: SOPS.discoverFile },
    };
}

const mount = (tool: string) => ({ mountPath: `${BIN}/${tool}`, name: TOOLS_VOLUME, subPath: tool });
const ageKeyMount = { mountPath: SOPS.ageKeyDir, name: SOPS.ageSecret, readOnly: true };

function copyTools(name: string, image: string, copies: string): Record<string, unknown> {
    return {
        name,
        image,
        command: ["/bin/sh", "-c"],
        args: [`${copies} /custom-tools/`],
        volumeMounts: [{ mountPath: "/custom-tools", name: TOOLS_VOLUME }],
    };
}

/**
 * The argo-cd chart's repoServer values for SOPS: init containers that copy
 * ksops, its kustomize, sops and helm into a shared emptyDir; the repo server
 * and the plugin's sidecar with those tools on PATH and the age key mounted.
 */
export function sopsRepoServerValues() {
    return {
        volumes: [
            { name: TOOLS_VOLUME, emptyDir: {} },
            { name: SOPS.ageSecret, secret: { secretName: SOPS.ageSecret } },
            // The sidecar's own /tmp: Argo CD's guidance since 2.4 (path traversal).
            { name: "cmp-tmp", emptyDir: {} },
            { name: SOPS.pluginConfigMap, configMap: { name: SOPS.pluginConfigMap } },
        ],
        initContainers: [
            copyTools("install-ksops", SOPS_IMAGES.ksops, "cp ksops kustomize"),
            copyTools("install-sops", SOPS_IMAGES.sops, "cp /usr/local/bin/sops"),
            copyTools("install-helm", SOPS_IMAGES.helm, "cp /usr/bin/helm"),
        ],
        // KSOPS's kustomize replaces the image's: KSOPS is built against it.
        volumeMounts: [mount("kustomize"), mount("ksops"), mount("sops"), ageKeyMount],
        env: [{ name: "SOPS_AGE_KEY_FILE", value: `${SOPS.ageKeyDir}/${SOPS.ageSecretKey}` }],
        extraContainers: [{
            name: SOPS.plugin,
            image: SOPS_IMAGES.sidecar,
            imagePullPolicy: "IfNotPresent",
            // argocd-cmp-server, copied into var-files by the chart's copyutil init container.
            command: ["/var/run/argocd/argocd-cmp-server"],
            env: [{ name: "SOPS_AGE_KEY_FILE", value: `${SOPS.ageKeyDir}/${SOPS.ageSecretKey}` }],
            securityContext: { runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            volumeMounts: [
                { mountPath: "/var/run/argocd", name: "var-files" },
                { mountPath: "/home/argocd/cmp-server/plugins", name: "plugins" },
                { mountPath: "/home/argocd/cmp-server/config/plugin.yaml", subPath: `${SOPS.plugin}.yaml`, name: SOPS.pluginConfigMap },
                { mountPath: "/tmp", name: "cmp-tmp" },
                mount("kustomize"), mount("ksops"), mount("sops"), mount("helm"),
                ageKeyMount,
            ],
        }],
    };
}

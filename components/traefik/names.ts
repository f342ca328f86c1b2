// Every name of Traefik's part of the network: the ones config needs too are
// defined in platform/traefik.ts, the component's own below.

export { ENTRYPOINTS_ANNOTATION, TRAEFIK } from "../../platform/traefik";

/**
 * Traefik's CRDs, applied before the release from the pinned chart's own
 * crds/ folder, so that a chart upgrade upgrades them (Helm installs a chart's
 * crds/ once and never upgrades it; the release skips that copy). Traefik
 * removed its separate traefik-crds chart after 1.18.0 (published with chart
 * 40.0.0), so the CRDs come from the folder the chart is packaged from, at the
 * chart's release tag: the files `helm show crds` prints for that version.
 */
export const TRAEFIK_CRDS = {
    /** Fetches the folder's CRDs and applies them server-side (plain Node.js and kubectl). */
    script: "components/traefik/apply-crds.js",
    /** The chart's crds/ folder at its release tag, v<chart version>. */
    folder: (chartVersion: string) => `https://raw.githubusercontent.com/traefik/traefik-helm-chart/v${chartVersion}/traefik/crds/`,
} as const;

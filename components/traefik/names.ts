// Every name of Traefik's part of the network, defined once.

import { TRAEFIK_CHART } from "../../policy/definitions";

export const TRAEFIK = {
    chart: TRAEFIK_CHART,
    repository: "https://traefik.github.io/charts",
    release: "traefik",
    namespace: "traefik",
    /** Pod labels the chart sets; network policies select Traefik by them. */
    podLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" },
    /** The container port of the internal entrypoint that serves the API and dashboard. */
    dashboardPort: 8080,
} as const;

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

/** The annotation an Ingress carries to choose its entrypoints. */
export const ENTRYPOINTS_ANNOTATION = "traefik.ingress.kubernetes.io/router.entrypoints";

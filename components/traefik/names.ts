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
 * Traefik's CRDs, applied before the release from the pinned chart itself,
 * so that a chart upgrade upgrades them (Helm installs a chart's crds/ once
 * and never upgrades it; the release skips that copy). Traefik removed its
 * separate traefik-crds chart after 1.18.0 (published with chart 40.0.0), so
 * the script reads them with `helm show crds` from the repository the release
 * installs from (TRAEFIK.repository): no second host.
 */
export const TRAEFIK_CRDS = {
    /** Reads the chart's CRDs with helm and applies them server-side with kubectl. */
    script: "components/traefik/apply-crds.js",
} as const;

/** The annotation an Ingress carries to choose its entrypoints. */
export const ENTRYPOINTS_ANNOTATION = "traefik.ingress.kubernetes.io/router.entrypoints";

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

/** The annotation an Ingress carries to choose its entrypoints. */
export const ENTRYPOINTS_ANNOTATION = "traefik.ingress.kubernetes.io/router.entrypoints";

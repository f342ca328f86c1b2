// Every name of Traefik's part of the network: the ones config needs too are
// defined in platform/traefik.ts, the component's own below.

import { ENTRYPOINTS_ANNOTATION } from "../../platform/traefik";

export { ENTRYPOINTS_ANNOTATION, TRAEFIK } from "../../platform/traefik";

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
    script: "components/traefik/apply-crds.ts",
} as const;

/** The annotation an Ingress carries to put Traefik middlewares in front of its routers. */
export const MIDDLEWARES_ANNOTATION = "traefik.ingress.kubernetes.io/router.middlewares";

/** The Traefik annotations of an Ingress for a route: its entrypoints and middlewares. */
export function routeAnnotations(route: { readonly entrypoints: readonly string[]; readonly middlewares?: readonly string[] }): Record<string, string> {
    return {
        [ENTRYPOINTS_ANNOTATION]: route.entrypoints.join(","),
        ...(route.middlewares === undefined ? {} : { [MIDDLEWARES_ANNOTATION]: route.middlewares.join(",") }),
    };
}

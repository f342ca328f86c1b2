// The platform's own UIs (Argo CD's server, Hubble UI) through Traefik: each on
// a hostname from stack config, or, without one, through kubectl port-forward.
// The connection from Traefik to the UI's pods is added to both ends' policies
// through the same per-platform connections the Applications use. The
// Traefik dashboard is never routed here: it stays on its internal entrypoint.
// Pure.

import type { UiRoute } from "../../config/platformAccess";
import type { ConnectionPolicies } from "../network-policy/graph";
import { PLATFORM_PODS, PlatformId } from "../../platform/pods";
import { Connection, tcp } from "../network-policy/policy";
import { IngressFrontends, allFrontends } from "../../platform/traefik";

/** A UI of the platform, and where its pods listen behind their Service. */
export interface PlatformUi {
    readonly id: Extract<PlatformId, "argocd-server" | "hubble-ui">;
    /** The config key that sets its hostname. */
    readonly configKey: string;
    /** The pods' port Traefik reaches after Cilium's service translation. */
    readonly podPort: number;
    readonly route?: UiRoute;
    /** How to reach it without a hostname. */
    readonly portForward: string;
}

/** The URL of a route: https when any of its entrypoints terminates TLS, the entrypoint's port unless it is the scheme's. */
export function routeUrl(route: UiRoute, frontends: IngressFrontends): string {
    const entrypoints = allFrontends(frontends).flatMap(f => f.entrypoints).filter(e => route.entrypoints.includes(e.name));
    const chosen = entrypoints.find(e => e.tls) ?? entrypoints[0];
    const scheme = chosen?.tls === true ? "https" : "http";
    const port = chosen === undefined || chosen.exposedPort === (scheme === "https" ? 443 : 80) ? "" : `:${chosen.exposedPort}`;
    return `${scheme}://${route.hostname}${port}/`;
}

/** The output for a UI: its URL, or that it has no hostname and how to reach it instead. */
export function uiAccess(ui: PlatformUi, frontends: IngressFrontends): string {
    if (ui.route === undefined) {
        return `no hostname configured (set ${ui.configKey} to route it through Traefik): ${ui.portForward}`;
    }
    const vips = allFrontends(frontends).filter(f => f.entrypoints.some(e => ui.route!.entrypoints.includes(e.name))).map(f => f.vip.text);
    return `${routeUrl(ui.route, frontends)} (Traefik ${ui.route.entrypoints.join(",")} on ${vips.join(", ")}; point ${ui.route.hostname} there in the LAN's DNS)`;
}

/**
 * The connections with a route added: Traefik's egress to each routed UI's
 * pods, and each UI's ingress from Traefik, on the pods' port only.
 */
export function withUiRoutes(graph: ConnectionPolicies, uis: readonly PlatformUi[]): ConnectionPolicies {
    const platform = new Map(graph.platform);
    const add = (id: PlatformId, direction: "ingress" | "egress", connection: Connection) => {
        const current = platform.get(id) ?? { ingress: [], egress: [] };
        platform.set(id, { ...current, [direction]: [...current[direction], connection] });
    };
    const traefik = PLATFORM_PODS.traefik;
    for (const ui of uis.filter(u => u.route !== undefined)) {
        const pods = PLATFORM_PODS[ui.id];
        add("traefik", "egress", { peer: { kind: "pods", namespace: pods.namespace, labels: { ...pods.labels } }, ports: tcp(ui.podPort) });
        add(ui.id, "ingress", { peer: { kind: "pods", namespace: traefik.namespace, labels: { ...traefik.labels } }, ports: tcp(ui.podPort) });
    }
    return { ...graph, platform };
}

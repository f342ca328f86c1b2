// Traefik's names, and its two frontends, derived once from the ingress VIPs:
// the Service `traefik` with entrypoints web/websecure, and for the second VIP the Service
// `traefik-vip<octet>` with web<octet>/websecure<octet> (traefik-vip239, web239
// and websecure239 on a home network whose second VIP is 192.168.1.239). Each
// entrypoint listens on a container port of its own, so each Service publishes
// only its own. The suffix can be fixed by config (ingressSecondaryName) so
// that moving the VIP renames nothing. Pure.

import type { Address } from "../policy/addressing";
import { PLATFORM_NAMESPACES, TRAEFIK_CHART } from "../policy/definitions";

export const TRAEFIK = {
    chart: TRAEFIK_CHART,
    repository: "https://traefik.github.io/charts",
    release: "traefik",
    namespace: PLATFORM_NAMESPACES.traefik,
    /** Pod labels the chart sets; network policies select Traefik by them. */
    podLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" },
    /** The container port of the internal entrypoint that serves the API and dashboard. */
    dashboardPort: 8080,
} as const;

/** The annotation an Ingress carries to choose its entrypoints. */
export const ENTRYPOINTS_ANNOTATION = "traefik.ingress.kubernetes.io/router.entrypoints";

export interface Entrypoint {
    readonly name: string;
    /** The container port Traefik listens on. */
    readonly port: number;
    /** The port the Service publishes on its VIP. */
    readonly exposedPort: number;
    readonly tls: boolean;
}

export interface IngressFrontend {
    /** The Service's name, as clients and Ingress docs refer to it. */
    readonly serviceName: string;
    /**
     * The chart's key of the Service: "default" for the main Service (which
     * `ports.<name>.expose.default` publishes on), the additional Service's key otherwise.
     */
    readonly chartKey: string;
    readonly vip: Address;
    readonly entrypoints: readonly [Entrypoint, Entrypoint];
}

export interface IngressFrontends {
    readonly primary: IngressFrontend;
    readonly secondary: IngressFrontend;
}

/**
 * `secondaryName` ends the second frontend's names; by default the last octet
 * of its VIP, as the home network's ingress docs do. Ingress annotations name
 * the entrypoints, so a name derived from the octet changes when the VIP
 * moves; config key ingressSecondaryName keeps it.
 */
export function ingressFrontends(primaryVip: Address, secondaryVip: Address, secondaryName?: string): IngressFrontends {
    const octet = secondaryName ?? String(secondaryVip.value & 0xff);
    const secondaryKey = `vip${octet}`;
    return {
        primary: {
            serviceName: TRAEFIK.release,
            chartKey: "default",
            vip: primaryVip,
            entrypoints: [
                { name: "web", port: 8000, exposedPort: 80, tls: false },
                { name: "websecure", port: 8443, exposedPort: 443, tls: true },
            ],
        },
        secondary: {
            // The chart names an additional Service <release>-<key>.
            serviceName: `${TRAEFIK.release}-${secondaryKey}`,
            chartKey: secondaryKey,
            vip: secondaryVip,
            entrypoints: [
                { name: `web${octet}`, port: 8001, exposedPort: 80, tls: false },
                { name: `websecure${octet}`, port: 8444, exposedPort: 443, tls: true },
            ],
        },
    };
}

export function allFrontends(frontends: IngressFrontends): readonly IngressFrontend[] {
    return [frontends.primary, frontends.secondary];
}

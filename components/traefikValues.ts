// The Traefik chart's values: two LoadBalancer Services, each pinned to its VIP
// through kube-vip's annotation, each publishing its own entrypoints on their
// own container ports. Pure, so every key is asserted in tests.

import { ipv4LastOctet } from "./naming";

export const LOADBALANCER_IPS_ANNOTATION = "kube-vip.io/loadbalancerIPs";
export const TRAEFIK_NAMESPACE = "traefik";
export const TRAEFIK_RELEASE = "traefik";
/** Pod labels the chart sets; network policies select Traefik by them. */
export const TRAEFIK_POD_LABELS = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `${TRAEFIK_RELEASE}-${TRAEFIK_NAMESPACE}` } as const;

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
    readonly vip: string;
    readonly entrypoints: readonly [Entrypoint, Entrypoint];
}

export interface TraefikLayout {
    readonly primary: IngressFrontend;
    readonly secondary: IngressFrontend;
    /** The chart's key of the additional Service (the suffix of its name). */
    readonly secondaryKey: string;
}

/**
 * Names the frontends as the seed does: `traefik` with web/websecure, and for
 * the second VIP `traefik-vip<octet>` with web<octet>/websecure<octet> (239 on
 * the home network), listening on container ports of their own.
 */
export function traefikLayout(primaryVip: string, secondaryVip: string): TraefikLayout {
    const octet = ipv4LastOctet(secondaryVip);
    const secondaryKey = `vip${octet}`;
    return {
        primary: {
            serviceName: TRAEFIK_RELEASE,
            vip: primaryVip,
            entrypoints: [
                { name: "web", port: 8000, exposedPort: 80, tls: false },
                { name: "websecure", port: 8443, exposedPort: 443, tls: true },
            ],
        },
        secondary: {
            serviceName: `${TRAEFIK_RELEASE}-${secondaryKey}`,
            vip: secondaryVip,
            entrypoints: [
                { name: `web${octet}`, port: 8001, exposedPort: 80, tls: false },
                { name: `websecure${octet}`, port: 8444, exposedPort: 443, tls: true },
            ],
        },
        secondaryKey,
    };
}

/** The annotation an Ingress carries to be served on the second VIP only. */
export function secondaryIngressAnnotation(layout: TraefikLayout): Record<string, string> {
    return { "traefik.ingress.kubernetes.io/router.entrypoints": layout.secondary.entrypoints.map(e => e.name).join(",") };
}

function loadBalancerService(vip: string) {
    return {
        annotations: { [LOADBALANCER_IPS_ANNOTATION]: vip },
        // Chart 40+ reads the type from spec only; a type beside spec is
        // ignored without a schema error, leaving a ClusterIP Service.
        // externalTrafficPolicy Local keeps client addresses and lets kube-vip
        // announce the VIP from a node that runs a Traefik pod (svc_election
        // follows local endpoints).
        spec: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
    };
}

export function traefikValues(layout: TraefikLayout) {
    const port = (entrypoint: Entrypoint, exposeOn: "default" | string) => ({
        port: entrypoint.port,
        exposedPort: entrypoint.exposedPort,
        protocol: "TCP",
        expose: exposeOn === "default" ? { default: true } : { default: false, [exposeOn]: true },
        // Routers that name no entrypoint attach to the default ones only:
        // without asDefault they would attach to every entrypoint, and every
        // unannotated Ingress would answer on the second VIP too.
        ...(exposeOn === "default" ? { asDefault: true } : {}),
        // Chart 39+: TLS of an entrypoint lives under http.
        ...(entrypoint.tls ? { http: { tls: { enabled: true } } } : {}),
    });
    const [web, websecure] = layout.primary.entrypoints;
    const [web2, websecure2] = layout.secondary.entrypoints;
    return {
        deployment: { replicas: 2 },
        // With externalTrafficPolicy Local a VIP can only live on a node that
        // runs Traefik: prefer replicas on different nodes, so losing a node
        // keeps both VIPs. A preference, not a rule: on a single node both
        // replicas must still schedule, or the release would never be ready.
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { ...TRAEFIK_POD_LABELS } },
        }],
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        ingressClass: { enabled: true, isDefaultClass: true },
        providers: {
            kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
            kubernetesCRD: { enabled: true },
        },
        ports: {
            // The API/dashboard port stays inside the pod network: never on a VIP.
            traefik: { expose: { default: false } },
            [web.name]: port(web, "default"),
            [websecure.name]: port(websecure, "default"),
            [web2.name]: port(web2, layout.secondaryKey),
            [websecure2.name]: port(websecure2, layout.secondaryKey),
        },
        service: {
            enabled: true,
            ...loadBalancerService(layout.primary.vip),
            additionalServices: { [layout.secondaryKey]: loadBalancerService(layout.secondary.vip) },
        },
        // The dashboard is routed on the internal `traefik` entrypoint only
        // (port 8080, on no Service): reached with kubectl port-forward, never from the LAN.
        ingressRoute: { dashboard: { enabled: true, entryPoints: ["traefik"] } },
        api: { dashboard: true },
    };
}

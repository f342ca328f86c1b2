// The Traefik chart's values: two LoadBalancer Services, each pinned to its VIP
// through kube-vip's annotation, each publishing its own entrypoints on their
// own container ports. Pure, so every key is asserted in tests.

import { LOADBALANCER_IPS_ANNOTATION } from "../../policy/definitions";
import { Entrypoint, IngressFrontend, IngressFrontends } from "../../platform/traefik";
import { ENTRYPOINTS_ANNOTATION, TRAEFIK } from "./names";

/** The annotation an Ingress carries to be served on the second VIP only. */
export function secondaryIngressAnnotation(frontends: IngressFrontends): Record<string, string> {
    return { [ENTRYPOINTS_ANNOTATION]: frontends.secondary.entrypoints.map(e => e.name).join(",") };
}

function loadBalancerService(frontend: IngressFrontend) {
    return {
        annotations: { [LOADBALANCER_IPS_ANNOTATION]: frontend.vip.text },
        // Chart 40+ reads the type from spec only; a type beside spec is
        // ignored without a schema error, leaving a ClusterIP Service.
        // externalTrafficPolicy Local keeps client addresses and lets kube-vip
        // announce the VIP from a node that runs a Traefik pod (svc_election
        // follows local endpoints).
        spec: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
    };
}

export function traefikValues(frontends: IngressFrontends) {
    const port = (entrypoint: Entrypoint, frontend: IngressFrontend) => ({
        port: entrypoint.port,
        exposedPort: entrypoint.exposedPort,
        protocol: "TCP",
        expose: frontend === frontends.primary ? { default: true } : { default: false, [frontend.chartKey]: true },
        // Routers that name no entrypoint attach to the default ones only:
        // without asDefault they would attach to every entrypoint, and every
        // unannotated Ingress would answer on the second VIP too.
        ...(frontend === frontends.primary ? { asDefault: true } : {}),
        // Chart 39+: TLS of an entrypoint lives under http.
        ...(entrypoint.tls ? { http: { tls: { enabled: true } } } : {}),
    });
    const { primary, secondary } = frontends;
    return {
        // Traefik calls home at start to look for a new version (the chart's
        // default, global.checkNewVersion: true), which its own
        // CiliumNetworkPolicy drops anyway: Renovate proposes upgrades. Usage
        // data stays off too (the chart's default).
        global: { checkNewVersion: false, sendAnonymousUsage: false },
        deployment: { replicas: 2 },
        // With externalTrafficPolicy Local a VIP can only live on a node that
        // runs Traefik: prefer replicas on different nodes, so losing a node
        // keeps both VIPs. A preference, not a rule: on a single node both
        // replicas must still schedule, or the release would never be ready.
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { ...TRAEFIK.podLabels } },
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
            ...Object.fromEntries([primary, secondary].flatMap(frontend => frontend.entrypoints.map(e => [e.name, port(e, frontend)]))),
        },
        service: {
            enabled: true,
            ...loadBalancerService(primary),
            additionalServices: { [secondary.chartKey]: loadBalancerService(secondary) },
        },
        // The dashboard is routed on the internal `traefik` entrypoint only
        // (on no Service): reached with kubectl port-forward, never from the LAN.
        ingressRoute: { dashboard: { enabled: true, entryPoints: ["traefik"] } },
        api: { dashboard: true },
    };
}

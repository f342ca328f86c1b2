// The Cilium chart's values for this network. Pure, so every key is asserted
// in tests. Key paths and types follow the pinned chart's values.yaml; several
// enum-like values (routingMode, tunnelProtocol, encryption.type, ipam.mode)
// are not checked by the chart, so tests pin their spelling.

import { POD_BLOCK_PER_NODE_PREFIX } from "../../config/addressPlan";
import type { UiRoute } from "../../config/platformAccess";
import { routeAnnotations } from "../traefik/names";
import { HUBBLE_TLS } from "./names";

export interface CiliumSettings {
    /** Where Cilium reaches the API without kube-proxy: the control-plane VIP. */
    readonly apiServerHost: string;
    readonly apiServerPort: number;
    readonly podCidr: string;
    readonly devices: readonly string[];
    readonly operatorReplicas: number;
    /** Hubble UI's hostname on Traefik; absent, it is reached with kubectl port-forward. */
    readonly hubbleUiRoute?: UiRoute;
}

/** Hubble UI's Ingress (the chart's hubble.ui.ingress), on the route's entrypoints only. */
function hubbleUiIngress(route: UiRoute) {
    return {
        enabled: true,
        className: "traefik",
        annotations: routeAnnotations(route),
        hosts: [route.hostname],
        tls: route.tlsSecretName === undefined ? [] : [{ secretName: route.tlsSecretName, hosts: [route.hostname] }],
    };
}

export function ciliumValues(settings: CiliumSettings) {
    return {
        kubeProxyReplacement: true,
        k8sServiceHost: settings.apiServerHost,
        k8sServicePort: settings.apiServerPort,
        ipam: {
            mode: "cluster-pool",
            operator: {
                clusterPoolIPv4PodCIDRList: [settings.podCidr],
                clusterPoolIPv4MaskSize: POD_BLOCK_PER_NODE_PREFIX,
            },
        },
        routingMode: "tunnel",
        tunnelProtocol: "geneve",
        encryption: { enabled: true, type: "wireguard" },
        // The chart takes the devices as one space-separated string.
        devices: settings.devices.join(" "),
        // kube-vip owns every VIP; Cilium must not answer ARP for them too.
        l2announcements: { enabled: false },
        hubble: {
            enabled: true,
            relay: { enabled: true },
            ui: {
                enabled: true,
                service: { type: "ClusterIP" },
                ...(settings.hubbleUiRoute === undefined ? {} : { ingress: hubbleUiIngress(settings.hubbleUiRoute) }),
            },
            // mTLS between the agents' Hubble servers, Relay and UI. With the
            // chart's default method (helm) the certificates are generated
            // once, reused on every upgrade (the chart looks the old Secret
            // up) and expire after certValidityDuration days, stopping Relay
            // and UI. cronJob runs cilium-certgen as a Job at install and then
            // on a schedule, well inside the validity, so they are renewed.
            tls: {
                enabled: true,
                auto: {
                    enabled: true,
                    method: "cronJob",
                    certValidityDuration: HUBBLE_TLS.certValidityDays,
                    schedule: HUBBLE_TLS.renewalSchedule,
                },
            },
        },
        operator: { replicas: settings.operatorReplicas },
        // Restart agents when their ConfigMap changes, so a config change takes effect.
        rollOutCiliumPods: true,
    };
}

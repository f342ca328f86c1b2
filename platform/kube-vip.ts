// Every name of kube-vip's part of the network, defined once.

import { GLOBAL_RANGE_KEY, KUBE_SYSTEM, KUBE_VIP_ENV, KUBE_VIP_POOL_CONFIG_MAP } from "../policy/definitions";

export const KUBE_VIP = {
    namespace: KUBE_SYSTEM,
    image: "ghcr.io/kube-vip/kube-vip",
    /** Shared by both roles; created with the control-plane role, which comes first. */
    serviceAccount: "kube-vip",
    clusterRole: "system:kube-vip-role",
    clusterRoleBinding: "system:kube-vip-binding",
    /** The environment variables the pack reads too, named where the pack is. */
    env: KUBE_VIP_ENV,
    controlPlane: {
        daemonSet: "kube-vip-control-plane",
        labels: { "app.kubernetes.io/name": "kube-vip", "app.kubernetes.io/component": "control-plane" },
        /** The lease that elects the control-plane VIP's owner. */
        lease: "plndr-cp-lock",
    },
    services: {
        daemonSet: "kube-vip-services",
        labels: { "app.kubernetes.io/name": "kube-vip", "app.kubernetes.io/component": "services" },
    },
    cloudProvider: {
        image: "ghcr.io/kube-vip/kube-vip-cloud-provider",
        deployment: "kube-vip-cloud-provider",
        serviceAccount: "kube-vip-cloud-controller",
        clusterRole: "system:kube-vip-cloud-controller-role",
        clusterRoleBinding: "system:kube-vip-cloud-controller-binding",
        leaderElectionLease: "kube-vip-cloud-controller",
        labels: { app: "kube-vip-cloud-provider" },
        /** The ConfigMap the provider reads its pools from: a name it looks up, never auto-named. */
        poolConfigMap: KUBE_VIP_POOL_CONFIG_MAP,
        globalRangeKey: GLOBAL_RANGE_KEY,
    },
} as const;

// kube-vip's configuration, as the image reads it: environment variables of
// the `manager` command. Pure, so every variable is asserted in tests.
//
// kube-vip runs in two roles from one image (one tag in config, so both roles
// are upgraded in lockstep):
// - control plane: the API VIP, on control-plane nodes only. It must come up
//   before any CNI (Cilium reaches the API through this VIP), so it is a
//   host-network pod that tolerates NotReady nodes and reaches the API server
//   on the node itself instead of through the (not yet routed) kubernetes
//   Service.
// - services: advertises LoadBalancer addresses. It runs on every node, with
//   one leader election per Service (svc_election), so the VIP of a Service
//   with externalTrafficPolicy Local is announced by a node that runs one of
//   its backends, and the VIP follows the pods.

import { KUBE_VIP } from "./names";

/**
 * Leader election timing in seconds: a fast failover (5/3/1 s), for the API
 * VIP and for each Service's VIP. Set explicitly in both roles, since kube-vip
 * 1.1 raised its defaults to 15/10/2 s.
 */
export const LEADER_ELECTION = { leaseDuration: 5, renewDeadline: 3, retryPeriod: 1 } as const;

// Both DaemonSets run host-network on control-plane nodes: their metrics
// endpoints need distinct ports.
const METRICS_PORT = { controlPlane: 2112, services: 2113 } as const;

export type KubeVipRole = keyof typeof METRICS_PORT;

export interface KubeVipRoleSettings {
    readonly interface: string;
    /** Control plane only. */
    readonly controlPlaneVip?: string;
    readonly apiServerPort: number;
}

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { fieldRef: { fieldPath: string } };
}

export function kubeVipEnv(role: KubeVipRole, settings: KubeVipRoleSettings): EnvVar[] {
    const env = KUBE_VIP.env;
    const common: EnvVar[] = [
        { name: env.arp, value: "true" },
        { name: env.interface, value: settings.interface },
        { name: "vip_nodename", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "prometheus_server", value: `:${METRICS_PORT[role]}` },
        { name: "vip_leaseduration", value: String(LEADER_ELECTION.leaseDuration) },
        { name: "vip_renewdeadline", value: String(LEADER_ELECTION.renewDeadline) },
        { name: "vip_retryperiod", value: String(LEADER_ELECTION.retryPeriod) },
    ];
    if (role === "controlPlane") {
        if (settings.controlPlaneVip === undefined) {
            throw new Error("the control-plane role needs the API VIP");
        }
        return [
            ...common,
            { name: env.address, value: settings.controlPlaneVip },
            { name: "port", value: String(settings.apiServerPort) },
            // kube-vip reads vip_subnet since v0.9 (vip_cidr is ignored there).
            { name: "vip_subnet", value: "32" },
            { name: env.controlPlane, value: "true" },
            { name: env.controlPlaneNamespace, value: KUBE_VIP.namespace },
            { name: env.services, value: "false" },
            { name: env.leaderElection, value: "true" },
            { name: env.controlPlaneLease, value: KUBE_VIP.controlPlane.lease },
            // No CNI routes the kubernetes Service yet: talk to the API server
            // on this (control-plane) node, whose host network we share.
            { name: "KUBERNETES_SERVICE_HOST", value: "127.0.0.1" },
            { name: "KUBERNETES_SERVICE_PORT", value: String(settings.apiServerPort) },
        ];
    }
    return [
        ...common,
        { name: env.controlPlane, value: "false" },
        { name: env.services, value: "true" },
        { name: env.servicesElection, value: "true" },
        { name: env.leaderElection, value: "false" },
    ];
}

/** Nodes labelled as control plane by either the old (master) or the new label. */
export const CONTROL_PLANE_AFFINITY = {
    nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
                { matchExpressions: [{ key: "node-role.kubernetes.io/master", operator: "Exists" }] },
                { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] },
            ],
        },
    },
};

export function kubeVipPodSpec(role: KubeVipRole, image: string, settings: KubeVipRoleSettings) {
    return {
        serviceAccountName: KUBE_VIP.serviceAccount,
        hostNetwork: true,
        // Runs on NotReady nodes (no CNI yet) and on tainted control-plane nodes.
        tolerations: [
            { effect: "NoSchedule", operator: "Exists" },
            { effect: "NoExecute", operator: "Exists" },
        ],
        priorityClassName: "system-node-critical",
        affinity: role === "controlPlane" ? CONTROL_PLANE_AFFINITY : undefined,
        containers: [
            {
                name: "kube-vip",
                image,
                imagePullPolicy: "IfNotPresent",
                args: ["manager"],
                env: kubeVipEnv(role, settings),
                securityContext: {
                    capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] },
                },
                resources: { requests: { cpu: "10m", memory: "32Mi" } },
            },
        ],
    };
}

/** What kube-vip reads and writes through the API (upstream's rbac.yaml). */
export const KUBE_VIP_RULES = [
    { apiGroups: [""], resources: ["services/status"], verbs: ["update"] },
    { apiGroups: [""], resources: ["services", "endpoints"], verbs: ["list", "get", "watch", "update"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "get", "watch", "update", "patch"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["list", "get", "watch", "update", "create"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "get", "watch", "update"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
];

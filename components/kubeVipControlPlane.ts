import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "./networkComponent";
import { KUBE_VIP_IMAGE, KUBE_VIP_NAMESPACE, KUBE_VIP_RULES, KUBE_VIP_SERVICE_ACCOUNT, kubeVipPodSpec } from "./kubeVipManifests";

export interface KubeVipControlPlaneArgs {
    /** The API VIP, e.g. 192.168.1.230. */
    readonly controlPlaneVip: string;
    readonly apiServerPort: number;
    /** The LAN interface kube-vip answers ARP on, e.g. eno1. */
    readonly vipInterface: string;
    /** The kube-vip image tag shared by both roles. */
    readonly version: string;
}

/**
 * kube-vip's control-plane role: a DaemonSet on the control-plane nodes that
 * holds the API VIP. It also owns kube-vip's ServiceAccount and RBAC, which the
 * services role reuses. Needs no CNI, so it is the first thing deployed.
 */
export class KubeVipControlPlane extends NetworkComponent {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly daemonSetName: pulumi.Output<string>;
    public readonly apiServerUrl: string;
    /** Completes once the API answers on the VIP: what Cilium needs to start. */
    public readonly apiReady: command.local.Command;

    constructor(name: string, args: KubeVipControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:KubeVipControlPlane", name, opts);
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: KUBE_VIP_SERVICE_ACCOUNT, namespace: KUBE_VIP_NAMESPACE },
        }, this.childOptions());
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: "system:kube-vip-role" },
            rules: KUBE_VIP_RULES,
        }, this.childOptions());
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, {
            metadata: { name: "system:kube-vip-binding" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: KUBE_VIP_NAMESPACE }],
        }, this.childOptions());
        const labels = { "app.kubernetes.io/name": "kube-vip", "app.kubernetes.io/component": "control-plane" };
        const daemonSet = new k8s.apps.v1.DaemonSet(`${name}-ds`, {
            metadata: { name: "kube-vip-control-plane", namespace: KUBE_VIP_NAMESPACE, labels },
            spec: {
                selector: { matchLabels: labels },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                template: {
                    metadata: { labels },
                    spec: kubeVipPodSpec("controlPlane", `${KUBE_VIP_IMAGE}:${args.version}`, {
                        interface: args.vipInterface,
                        controlPlaneVip: args.controlPlaneVip,
                        apiServerPort: args.apiServerPort,
                    }),
                },
            },
        }, this.childOptions([binding]));

        this.serviceAccountName = serviceAccount.metadata.name;
        this.daemonSetName = daemonSet.metadata.name;
        this.apiServerUrl = `https://${args.controlPlaneVip}:${args.apiServerPort}`;
        this.apiReady = new command.local.Command(`${name}-api-ready`, {
            create: `node scripts/cluster-checks.js wait-for-api ${this.apiServerUrl} 300`,
            triggers: [this.apiServerUrl],
        }, this.childOptions([daemonSet]));
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, daemonSetName: this.daemonSetName, apiServerUrl: this.apiServerUrl });
    }
}

import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Address } from "../../config/addressPlan";
import { clusterCheckCommand } from "../checks/commands";
import { NetworkComponent } from "../component";
import { KUBE_VIP_RULES, kubeVipPodSpec } from "./manifests";
import { KUBE_VIP } from "./names";

export interface KubeVipControlPlaneArgs {
    /** The API VIP, e.g. 192.168.1.230. */
    readonly controlPlaneVip: Address;
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
            metadata: { name: KUBE_VIP.serviceAccount, namespace: KUBE_VIP.namespace },
        }, this.childOptions());
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: KUBE_VIP.clusterRole },
            rules: KUBE_VIP_RULES,
        }, this.childOptions());
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, {
            metadata: { name: KUBE_VIP.clusterRoleBinding },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: KUBE_VIP.namespace }],
        }, this.childOptions());
        const labels = KUBE_VIP.controlPlane.labels;
        const daemonSet = new k8s.apps.v1.DaemonSet(`${name}-ds`, {
            metadata: { name: KUBE_VIP.controlPlane.daemonSet, namespace: KUBE_VIP.namespace, labels },
            spec: {
                selector: { matchLabels: labels },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                template: {
                    metadata: { labels },
                    spec: kubeVipPodSpec("controlPlane", `${KUBE_VIP.image}:${args.version}`, {
                        interface: args.vipInterface,
                        controlPlaneVip: args.controlPlaneVip.text,
                        apiServerPort: args.apiServerPort,
                    }),
                },
            },
        }, this.childOptions([binding]));

        this.serviceAccountName = serviceAccount.metadata.name;
        this.daemonSetName = daemonSet.metadata.name;
        this.apiServerUrl = `https://${args.controlPlaneVip.text}:${args.apiServerPort}`;
        this.apiReady = new command.local.Command(`${name}-api-ready`, {
            create: clusterCheckCommand("wait-for-api", this.apiServerUrl, "300"),
            triggers: [this.apiServerUrl],
        }, this.childOptions([daemonSet]));
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, daemonSetName: this.daemonSetName, apiServerUrl: this.apiServerUrl });
    }
}

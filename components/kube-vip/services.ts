import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "../component";
import { kubeVipPodSpec } from "./manifests";
import { KUBE_VIP } from "./names";

export interface KubeVipServicesArgs {
    /** The LAN interface kube-vip answers ARP on. */
    readonly vipInterface: string;
    readonly apiServerPort: number;
    /** The kube-vip image tag shared with the control-plane role. */
    readonly version: string;
    /** The ServiceAccount (and its RBAC) created by the control-plane role. */
    readonly serviceAccountName: pulumi.Input<string>;
}

/**
 * kube-vip's services role: a DaemonSet on every node that advertises the
 * addresses the cloud provider gave LoadBalancer Services. With svc_election
 * every Service elects its own leader among the nodes that run a ready
 * backend, so its VIP lands where its pods are.
 */
export class KubeVipServices extends NetworkComponent {
    public readonly daemonSetName: pulumi.Output<string>;

    constructor(name: string, args: KubeVipServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:KubeVipServices", name, opts);
        const labels = KUBE_VIP.services.labels;
        const podSpec = kubeVipPodSpec("services", `${KUBE_VIP.image}:${args.version}`, {
            interface: args.vipInterface,
            apiServerPort: args.apiServerPort,
        });
        const daemonSet = new k8s.apps.v1.DaemonSet(`${name}-ds`, {
            metadata: { name: KUBE_VIP.services.daemonSet, namespace: KUBE_VIP.namespace, labels },
            spec: {
                selector: { matchLabels: labels },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                template: { metadata: { labels }, spec: { ...podSpec, serviceAccountName: args.serviceAccountName } },
            },
        }, this.childOptions());
        this.daemonSetName = daemonSet.metadata.name;
        this.registerOutputs({ daemonSetName: this.daemonSetName });
    }
}

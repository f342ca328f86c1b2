import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "./networkComponent";
import { NetworkPolicySet } from "./networkPolicySet";
import { platformPolicies } from "./platformPolicies";
import { CLOUD_PROVIDER_LABELS, KUBE_VIP_NAMESPACE } from "./kubeVipManifests";

export const CLOUD_PROVIDER_IMAGE = "ghcr.io/kube-vip/kube-vip-cloud-provider";
/** The ConfigMap name and namespace the cloud provider reads its pools from. */
export const POOL_CONFIG_MAP = { name: "kubevip", namespace: KUBE_VIP_NAMESPACE } as const;

export interface KubeVipCloudProviderArgs {
    /** The pool every namespace allocates from, as first-last (kube-vip's range-global). */
    readonly loadBalancerPool: string;
    /** The ghcr.io/kube-vip/kube-vip-cloud-provider tag. */
    readonly version: string;
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
}

/** The `kubevip` ConfigMap's data: one global range, no per-namespace pools. */
export function poolConfigData(loadBalancerPool: string): Record<string, string> {
    return { "range-global": loadBalancerPool };
}

/**
 * kube-vip's cloud provider: a singleton Deployment that gives each
 * LoadBalancer Service an address from the pool (or honours the one pinned
 * with kube-vip.io/loadbalancerIPs) and records it on the Service.
 */
export class KubeVipCloudProvider extends NetworkComponent {
    public readonly deploymentName: pulumi.Output<string>;
    public readonly poolConfigMapName: pulumi.Output<string>;

    constructor(name: string, args: KubeVipCloudProviderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:KubeVipCloudProvider", name, opts);
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: "kube-vip-cloud-controller", namespace: KUBE_VIP_NAMESPACE },
        }, this.childOptions());
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: "system:kube-vip-cloud-controller-role" },
            rules: [
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "list", "put"] },
                { apiGroups: [""], resources: ["configmaps", "endpoints", "events", "services/status", "leases"], verbs: ["*"] },
                { apiGroups: [""], resources: ["nodes", "services"], verbs: ["list", "get", "watch", "update"] },
            ],
        }, this.childOptions());
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, {
            metadata: { name: "system:kube-vip-cloud-controller-binding" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: KUBE_VIP_NAMESPACE }],
        }, this.childOptions());
        // The name is what the provider looks up: never auto-named.
        const pool = new k8s.core.v1.ConfigMap(`${name}-pool`, {
            metadata: { name: POOL_CONFIG_MAP.name, namespace: POOL_CONFIG_MAP.namespace },
            data: poolConfigData(args.loadBalancerPool),
        }, this.childOptions());
        const policies = new NetworkPolicySet(`${name}-policies`, {
            policies: platformPolicies.cloudProvider(),
        }, { parent: this, dependsOn: [args.ciliumCrds] });
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "kube-vip-cloud-provider", namespace: KUBE_VIP_NAMESPACE, labels: CLOUD_PROVIDER_LABELS },
            spec: {
                // A singleton: two providers would race for the same addresses.
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: CLOUD_PROVIDER_LABELS },
                template: {
                    metadata: { labels: CLOUD_PROVIDER_LABELS },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        containers: [{
                            name: "kube-vip-cloud-provider",
                            image: `${CLOUD_PROVIDER_IMAGE}:${args.version}`,
                            imagePullPolicy: "IfNotPresent",
                            command: ["/kube-vip-cloud-provider", "--leader-elect-resource-name=kube-vip-cloud-controller"],
                            resources: { requests: { cpu: "10m", memory: "32Mi" } },
                        }],
                    },
                },
            },
        }, this.childOptions([binding, pool, policies]));
        this.deploymentName = deployment.metadata.name;
        this.poolConfigMapName = pool.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName, poolConfigMapName: this.poolConfigMapName });
    }
}

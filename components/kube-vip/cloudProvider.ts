import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AddressRange } from "../../config/addressPlan";
import { rangeGlobalValue } from "../../config/reservations";
import { NetworkComponent } from "../component";
import { NetworkPolicySet } from "../network-policy/policySet";
import { KUBE_VIP } from "./names";
import { cloudProviderPolicies } from "./policies";

export interface KubeVipCloudProviderArgs {
    /** What Services that pin no address may be given: the pool minus every owned address (kube-vip's range-global). */
    readonly unpinned: readonly AddressRange[];
    /** The ghcr.io/kube-vip/kube-vip-cloud-provider tag. */
    readonly version: string;
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
}

/**
 * The pool ConfigMap's data: one global list of ranges, no per-namespace
 * pools. Owned addresses are left out: a Service that pins one takes it
 * anyway, and no other Service can be handed it first. With nothing left,
 * no range: Services that pin nothing stay pending.
 */
export function poolConfigData(unpinned: readonly AddressRange[]): Record<string, string> {
    const value = rangeGlobalValue(unpinned);
    return value === undefined ? {} : { [KUBE_VIP.cloudProvider.globalRangeKey]: value };
}

/**
 * kube-vip's cloud provider: a singleton Deployment that gives each
 * LoadBalancer Service an address from the pool (or honours the one pinned
 * with kube-vip's annotation) and records it on the Service.
 */
export class KubeVipCloudProvider extends NetworkComponent {
    public readonly deploymentName: pulumi.Output<string>;
    public readonly poolConfigMapName: pulumi.Output<string>;

    constructor(name: string, args: KubeVipCloudProviderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:KubeVipCloudProvider", name, opts);
        const provider = KUBE_VIP.cloudProvider;
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: provider.serviceAccount, namespace: KUBE_VIP.namespace },
        }, this.childOptions());
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: provider.clusterRole },
            rules: [
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "list", "put"] },
                { apiGroups: [""], resources: ["configmaps", "endpoints", "events", "services/status", "leases"], verbs: ["*"] },
                { apiGroups: [""], resources: ["nodes", "services"], verbs: ["list", "get", "watch", "update"] },
            ],
        }, this.childOptions());
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, {
            metadata: { name: provider.clusterRoleBinding },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: KUBE_VIP.namespace }],
        }, this.childOptions());
        // The name is what the provider looks up: never auto-named.
        const pool = new k8s.core.v1.ConfigMap(`${name}-pool`, {
            metadata: { name: provider.poolConfigMap.name, namespace: provider.poolConfigMap.namespace },
            data: poolConfigData(args.unpinned),
        }, this.childOptions());
        const policies = new NetworkPolicySet(`${name}-policies`, { policies: cloudProviderPolicies() }, this.childOptions([args.ciliumCrds]));
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: provider.deployment, namespace: KUBE_VIP.namespace, labels: provider.labels },
            spec: {
                // A singleton: two providers would race for the same addresses.
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: provider.labels },
                template: {
                    metadata: { labels: provider.labels },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        containers: [{
                            name: provider.deployment,
                            image: `${provider.image}:${args.version}`,
                            imagePullPolicy: "IfNotPresent",
                            command: ["/kube-vip-cloud-provider", `--leader-elect-resource-name=${provider.leaderElectionLease}`],
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

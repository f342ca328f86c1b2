import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KINDS } from "../../policy/definitions";
import { NetworkComponent } from "../component";
import { WorkloadPolicy, ciliumPolicySpec } from "./policy";

export interface NetworkPolicySetArgs {
    /** The policies, already derived from the workload's declared connections. */
    readonly policies: readonly WorkloadPolicy[];
}

/** One CiliumNetworkPolicy object, named `<prefix>-<policy name>`. */
export function ciliumNetworkPolicy(prefix: string, policy: WorkloadPolicy, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(`${prefix}-${policy.name}`, {
        ...KINDS.ciliumNetworkPolicy,
        metadata: { name: policy.name, namespace: policy.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
        spec: ciliumPolicySpec(policy),
    }, opts);
}

/**
 * The CiliumNetworkPolicies of one workload. The CRD is registered by the
 * Cilium operator when it starts, so callers pass a dependency on that wait.
 */
export class NetworkPolicySet extends NetworkComponent {
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkPolicySetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:NetworkPolicySet", name, opts);
        const created = args.policies.map(policy => ciliumNetworkPolicy(name, policy, this.childOptions()));
        this.policyNames = pulumi.output(created.map(p => p.metadata.name));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}

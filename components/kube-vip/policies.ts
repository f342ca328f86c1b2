// The cloud provider's CiliumNetworkPolicy: it only talks to the API server.
// kube-vip itself runs on the host network, which CiliumNetworkPolicies do not
// govern. Pure.

import { TO_API_SERVER, WorkloadPolicy } from "../network-policy/policy";
import { KUBE_VIP } from "./names";

export function cloudProviderPolicies(): WorkloadPolicy[] {
    return [{
        name: KUBE_VIP.cloudProvider.deployment,
        namespace: KUBE_VIP.namespace,
        podLabels: { ...KUBE_VIP.cloudProvider.labels },
        ingress: [],
        egress: [TO_API_SERVER],
    }];
}

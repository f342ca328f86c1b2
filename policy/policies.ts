// The pack's policies as plain objects, gathered from their areas: one file
// per part of the network, each holding its readers and its policies
// (addresses.ts, pools.ts, kubeVip.ts, cilium.ts, argoCd.ts, argoCdSources.ts, sharedNamespaces.ts, isolation.ts,
// reachability.ts, traefikService.ts, unseen.ts), on the readers all areas share (readers.ts). Nothing here
// constructs the PolicyPack (that starts a gRPC server): index.ts assembles
// them, while tests and the offline plan import the lists from here.
//
// Each policy states its rule in its description; each message says what was
// found, where, why it matters on this network and the fix. What the pack
// cannot see at preview time (values in files, charts Helm renders only when it
// installs, components the offline run does not render, unknown values) is
// reported by the advisory policies loadbalancer-addresses-unseen and
// rendered-objects-unseen (unseen.ts), naming the resource.

import { loadBalancerAddressInPool, noServiceExternalIps, uniqueLoadBalancerAddresses } from "./addresses";
import { argoCdApplicationBoundaries, argoCdApplicationDestination } from "./argoCd";
import { argoCdSourcesPinned } from "./argoCdSources";
import { ciliumDatapathInvariants, ciliumKubeProxyReplacement, podCidrSeparation } from "./cilium";
import { applicationsHaveNetworkPolicies } from "./isolation";
import { controlPlaneVipPlacement, kubeVipImagesPinned } from "./kubeVip";
import { loadBalancerPoolCapacity, loadBalancerPoolPlacement, poolKeysSkipOwnedAddresses, singleLoadBalancerAllocator } from "./pools";
import { applicationNamespacePoliciesNarrow, egressToWorldNeedsPorts, hostNetworkOnlyForPlatform, loadBalancerClassKubeVip, worldIngressOnOwnedPorts } from "./reachability";
import { noWholeNamespaceApplicationBesideWorkloads } from "./sharedNamespaces";
import { traefikServiceValuesReadByTheChart } from "./traefikService";
import { loadBalancerAddressesUnseen, renderedObjectsUnseen } from "./unseen";
import { withValueFiles } from "./valueFiles";

// Each policy reads a release's valueYamlFiles merged into its values (valueFiles.ts).
export const resourcePolicies = [
    loadBalancerAddressInPool,
    noServiceExternalIps,
    controlPlaneVipPlacement,
    loadBalancerPoolPlacement,
    poolKeysSkipOwnedAddresses,
    singleLoadBalancerAllocator,
    podCidrSeparation,
    ciliumDatapathInvariants,
    ciliumKubeProxyReplacement,
    kubeVipImagesPinned,
    argoCdApplicationDestination,
    argoCdSourcesPinned,
    loadBalancerAddressesUnseen,
    hostNetworkOnlyForPlatform,
    loadBalancerClassKubeVip,
    traefikServiceValuesReadByTheChart,
].map(withValueFiles);

export const stackPolicies = [uniqueLoadBalancerAddresses, loadBalancerPoolCapacity, applicationsHaveNetworkPolicies, worldIngressOnOwnedPorts, egressToWorldNeedsPorts,
    applicationNamespacePoliciesNarrow, argoCdApplicationBoundaries, noWholeNamespaceApplicationBesideWorkloads, renderedObjectsUnseen].map(withValueFiles);

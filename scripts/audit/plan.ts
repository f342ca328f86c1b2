// What the live audit holds the cluster to: the stack's plan, taken from the
// same parsed settings the program deploys (addresses, owners with their
// namespaces, Services and ports, range-global, the Applications).

import type { StackSettings } from "../../config/stack";
import { rangeGlobalValue } from "../../config/reservations";
import { ARGOCD } from "../../platform/argocd";
import { allFrontends } from "../../platform/traefik";
import { TRAEFIK } from "../../platform/traefik";
import { KUBE_VIP } from "../../platform/kube-vip";
import { Ipv4Range, blockAsRange } from "../../policy/addressing";
import type { PortRange } from "../../policy/policyModel";

/** An address someone owns: only a Service of `namespace` (named `service`, when the plan knows it) may hold it. */
export interface OwnedAddress {
    readonly address: string;
    readonly owner: string;
    readonly namespace: string;
    readonly service?: string;
    /** The pod ports served there: the only ports the LAN may reach in the namespace. */
    readonly ports: readonly PortRange[];
    /** The Argo CD Application that syncs the Service, for the pending hint. */
    readonly application?: string;
}

export interface AuditPlan {
    readonly stack: string;
    readonly lan: Ipv4Range;
    readonly lanText: string;
    readonly pool: Ipv4Range;
    readonly poolText: string;
    readonly controlPlaneVip: string;
    readonly owned: readonly OwnedAddress[];
    /** The cloud provider's range-global as the stack writes it; undefined when the whole pool is owned. */
    readonly rangeGlobal?: string;
    readonly poolConfigMap: { readonly namespace: string; readonly name: string };
    /** Each Application the stack declares, with the one namespace it deploys into. */
    readonly applications: ReadonlyArray<{ readonly name: string; readonly namespace: string }>;
    readonly argoCdNamespace: string;
    readonly inClusterServer: string;
    /** Namespaces whose pods may run on the host network: the platform's (Cilium and kube-vip). */
    readonly hostNetworkNamespaces: readonly string[];
    /** Namespaces no Application may deploy into. */
    readonly platformNamespaces: readonly string[];
    /** Git sources may follow branches (the stack's argoCdAllowBranchRevisions). */
    readonly allowBranchRevisions: boolean;
}

const tcp = (port: number): PortRange => ({ protocol: "TCP", from: port, to: port });

export function auditPlanOf(stack: string, settings: StackSettings): AuditPlan {
    const plan = settings.addresses;
    const traefik: OwnedAddress[] = allFrontends(plan.ingress).map(frontend => ({
        address: frontend.vip.text,
        owner: `Traefik Service ${frontend.serviceName}`,
        namespace: TRAEFIK.namespace,
        service: frontend.serviceName,
        ports: frontend.entrypoints.map(e => tcp(e.port)),
    }));
    const applications: OwnedAddress[] = settings.ownership.reservations.flatMap(({ address, owner }): OwnedAddress[] =>
        owner.kind !== "application" || owner.namespace === undefined ? [] : [{
            address: address.text,
            owner: owner.description,
            namespace: owner.namespace,
            application: owner.application,
            ports: (owner.ports ?? []).map(p => ({ protocol: p.protocol, from: p.port, to: p.endPort ?? p.port })),
        }]);
    return {
        stack,
        lan: blockAsRange(plan.lan),
        lanText: plan.lan.cidr,
        pool: plan.loadBalancerPool,
        poolText: plan.loadBalancerPool.text,
        controlPlaneVip: plan.controlPlaneVip.text,
        owned: [...traefik, ...applications],
        rangeGlobal: rangeGlobalValue(settings.ownership.unpinned),
        poolConfigMap: KUBE_VIP.cloudProvider.poolConfigMap,
        applications: settings.applications.map(app => ({ name: app.name, namespace: app.namespace })),
        argoCdNamespace: ARGOCD.namespace,
        inClusterServer: ARGOCD.inClusterServer,
        hostNetworkNamespaces: [KUBE_VIP.namespace],
        platformNamespaces: ["default", ARGOCD.namespace, TRAEFIK.namespace, KUBE_VIP.namespace],
        allowBranchRevisions: settings.argoCdAllowBranchRevisions,
    };
}

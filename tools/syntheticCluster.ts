// A cluster that keeps a stack's plan, as kubectl would list it, for the
// audit's tests and benchmark: the owners' Services on their addresses, a
// Service the cloud provider gave a free address, each declared
// Application in its namespace, the stack's kind of policies (default deny,
// the LAN on the owned ports only), the planned kubevip ConfigMap, the
// platform's host-network pods. `padding` adds ClusterIP Services, policies
// and Applications' pods' peers up to about that many objects.

import { formatIpv4 } from "../policy/addressing";
import { CILIUM_NAMESPACE_LABELS, GLOBAL_RANGE_KEY, LOADBALANCER_IPS_ANNOTATION } from "../policy/definitions";
import { KUBE_DNS_PODS } from "../platform/k3s";
import type { AuditPlan } from "../scripts/audit/plan";

type KubeObject = Record<string, any>;

export interface ClusterLists {
    services: KubeObject[];
    ciliumnetworkpolicies: KubeObject[];
    ciliumclusterwidenetworkpolicies: KubeObject[];
    networkpolicies: KubeObject[];
    ciliumcidrgroups: KubeObject[];
    applications: KubeObject[];
    configmap?: KubeObject;
    hostNetworkPods: KubeObject[];
}

const meta = (name: string, namespace?: string, extra: KubeObject = {}) => ({ name, ...(namespace === undefined ? {} : { namespace }), ...extra });

export function loadBalancerService(namespace: string, name: string, held: string | undefined, pinned?: string, extra: KubeObject = {}): KubeObject {
    return {
        apiVersion: "v1", kind: "Service",
        metadata: meta(name, namespace, pinned === undefined ? {} : { annotations: { [LOADBALANCER_IPS_ANNOTATION]: pinned } }),
        spec: { type: "LoadBalancer", ports: [{ port: 80, protocol: "TCP" }], ...extra },
        status: { loadBalancer: held === undefined ? {} : { ingress: [{ ip: held }] } },
    };
}

export function ciliumPolicy(namespace: string, name: string, spec: KubeObject): KubeObject {
    return { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: meta(name, namespace), spec };
}

export function application(name: string, namespace: string | undefined, server: string, argoCdNamespace: string): KubeObject {
    return {
        apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: meta(name, argoCdNamespace),
        spec: { project: "default", destination: { server, ...(namespace === undefined ? {} : { namespace }) }, source: { repoURL: "https://example.invalid/repo.git", path: name, targetRevision: "v1.0.0" } },
    };
}

/** A cluster that matches the plan; with `padding`, about that many objects in all. */
export function plannedCluster(plan: AuditPlan, padding = 0): ClusterLists {
    const services = plan.owned.map((owned, i) => loadBalancerService(owned.namespace, owned.service ?? `lb-${i}`, owned.address, owned.address));
    const free = [...Array(plan.pool.end - plan.pool.start + 1).keys()].map(i => formatIpv4(plan.pool.start + i)).find(a => !plan.owned.some(o => o.address === a));
    if (free !== undefined) {
        services.push(loadBalancerService("web", "whoami", free));
    }
    const namespaces = [...new Set([...plan.owned.map(o => o.namespace), ...plan.applications.map(a => a.namespace)])];
    const policies = namespaces.flatMap(namespace => [
        ciliumPolicy(namespace, "default-deny", { endpointSelector: {}, ingress: [{}], egress: [{}] }),
        ciliumPolicy(namespace, "allow-dns", { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { [CILIUM_NAMESPACE_LABELS[0]]: KUBE_DNS_PODS.namespace, ...KUBE_DNS_PODS.labels } }], toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }] }] }),
    ]);
    for (const owned of plan.owned) {
        policies.push(ciliumPolicy(owned.namespace, `lan-${owned.address}`, {
            endpointSelector: { matchLabels: { app: owned.service ?? owned.namespace } },
            ingress: [{ fromEntities: ["world"], toPorts: [{ ports: owned.ports.map(p => ({ port: String(p.from), ...(p.to === p.from ? {} : { endPort: p.to }), protocol: p.protocol })) }] }],
        }));
    }
    const applications = plan.applications.map(a => application(a.name, a.namespace, plan.inClusterServer, plan.argoCdNamespace));
    const hostNetworkPods = plan.hostNetworkNamespaces.flatMap(namespace => ["cilium-a1", "kube-vip-services-a1"].map(name => ({
        apiVersion: "v1", kind: "Pod", metadata: meta(name, namespace), spec: { hostNetwork: true },
    })));
    const lists: ClusterLists = {
        services, ciliumnetworkpolicies: policies, ciliumclusterwidenetworkpolicies: [], networkpolicies: [], ciliumcidrgroups: [], applications,
        configmap: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(plan.poolConfigMap.name, plan.poolConfigMap.namespace), data: plan.rangeGlobal === undefined ? {} : { [GLOBAL_RANGE_KEY]: plan.rangeGlobal } },
        hostNetworkPods,
    };
    for (let i = 0; lists.services.length + lists.ciliumnetworkpolicies.length + lists.networkpolicies.length < padding; i++) {
        const namespace = namespaces[i % namespaces.length] ?? "default";
        lists.services.push({ apiVersion: "v1", kind: "Service", metadata: meta(`svc-${i}`, namespace), spec: { type: "ClusterIP", ports: [{ port: 8080 }] } });
        lists.ciliumnetworkpolicies.push(ciliumPolicy(namespace, `peer-${i}`, {
            endpointSelector: { matchLabels: { app: `a${i}` } },
            ingress: [{ fromEndpoints: [{ matchLabels: { app: `b${i}` } }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            egress: [{ toCIDRSet: [{ cidr: "10.0.0.0/8", except: ["10.42.0.0/16"] }], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }],
        }));
        if (i % 4 === 0) {
            lists.networkpolicies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(`np-${i}`, namespace), spec: { podSelector: { matchLabels: { app: `a${i}` } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8080 }] }] } });
        }
    }
    return lists;
}

/** A kubectl stand-in that answers the audit's calls from `lists`; unknown calls fail like kubectl. */
export function clusterKubectl(lists: ClusterLists): (args: string[]) => string {
    const listOf = (items: KubeObject[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
    return args => {
        const resource = args[args.indexOf("get") + 1];
        const key = resource.split(".")[0];
        if (key === "pods") {
            return listOf(lists.hostNetworkPods);
        }
        if (key === "configmap") {
            if (lists.configmap === undefined) {
                throw Object.assign(new Error("kubectl failed"), { stderr: `Error from server (NotFound): configmaps "${args[args.indexOf("get") + 2]}" not found` });
            }
            return JSON.stringify(lists.configmap);
        }
        const items = (lists as unknown as Record<string, KubeObject[] | undefined>)[key];
        if (items === undefined) {
            throw Object.assign(new Error("kubectl failed"), { stderr: `error: the server doesn't have a resource type "${resource}"` });
        }
        return listOf(items);
    };
}

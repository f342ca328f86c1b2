// Taking over a running cluster (stack setting adoptRunningKubeVip): the
// cluster runs kube-vip today, so the stack's VIPs already answer on the LAN
// when `pulumi up` runs its first-deploy preflight. A VIP that answers is
// accepted only when this cluster's own kube-vip holds it; anything else is
// another device on the address, and still fails the preflight.
//
// What counts as "this cluster's kube-vip holds it", from kube-vip's own
// configuration (its container's environment) and its leader election:
//   - the control-plane VIP: a running kube-vip pod with cp_enable=true and
//     address=<VIP>, and the Lease it elects its leader with (vip_leasename,
//     default plndr-cp-lock, in cp_namespace, default kube-system) held by a
//     node of this cluster (kube-vip's leader identity is its node name);
//   - an ingress VIP: a LoadBalancer Service of this cluster that holds the
//     address (in its status, where kube-vip reports it), and a running kube-vip
//     pod with svc_enable=true; with svc_election=true, the Service's own
//     Lease kubevip-<service> in its namespace held by a node of this cluster.
// kube-vip's variables are read as kube-vip reads them (policy/kubeVipEnv.ts):
// `address` before `vip_address`, switches by Go's ParseBool. Node.js, like
// preflight.ts; `run` is kubectl (faked in tests).

import { KUBE_SYSTEM, KUBE_VIP_ENV } from "../../policy/definitions";
import { kubeVipAddress, kubeVipSwitch } from "../../policy/kubeVipEnv";
import type { KubeObject, Kubectl } from "./kubectl";

const KUBE_VIP_IMAGE = /(^|\/)kube-vip\/kube-vip(:|@|$)|(^|\/)plndr\/kube-vip(:|@|$)/;
// kube-vip's own defaults (vip_leasename, cp_namespace), which a kube-vip not
// deployed by this stack may rely on: not this stack's names.
const DEFAULT_CP_LEASE = "plndr-cp-lock";
const DEFAULT_CP_NAMESPACE = KUBE_SYSTEM;

/** A VIP of the stack that answers on the LAN (preflight.ts's probe). */
export interface AnsweringVip {
    readonly key: string;
    readonly address: string;
    readonly detail: string;
}

/** A running kube-vip container: its pod (namespace/name), node and environment. */
export interface KubeVipContainer {
    readonly pod: string;
    readonly node: string | undefined;
    readonly env: Record<string, string>;
}

/** One finding of the preflight: which check, what is wrong, what fixes it. */
export interface Problem {
    readonly check: string;
    readonly message: string;
    readonly fix: string;
}

export interface Adopted {
    readonly key: string;
    readonly address: string;
    readonly evidence: string;
}

type Evidence = { evidence: string; problem?: undefined } | { evidence?: undefined; problem: string };

function readJson(run: Kubectl, args: string[]): KubeObject {
    return JSON.parse(run([...args, "-o", "json", "--request-timeout=15s"]));
}

/** Every running kube-vip container of the cluster, with its pod, node and environment. */
export function kubeVipContainers(pods: KubeObject[]): KubeVipContainer[] {
    const found: KubeVipContainer[] = [];
    for (const pod of pods) {
        if (pod?.status?.phase !== "Running") {
            continue;
        }
        for (const container of pod?.spec?.containers ?? []) {
            if (!KUBE_VIP_IMAGE.test(String(container.image ?? ""))) {
                continue;
            }
            const env = Object.fromEntries((container.env ?? []).filter((e: KubeObject) => typeof e?.value === "string").map((e: KubeObject) => [e.name, e.value]));
            found.push({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, node: pod.spec?.nodeName, env });
        }
    }
    return found;
}

/** The Lease's holder, or undefined when it is absent or unreadable. */
function leaseHolder(run: Kubectl, namespace: string, name: string): string | undefined {
    try {
        const output = run(["-n", namespace, "get", "lease", name, "--ignore-not-found", "-o", "json", "--request-timeout=15s"]).trim();
        return output === "" ? undefined : JSON.parse(output)?.spec?.holderIdentity || undefined;
    } catch {
        return undefined;
    }
}

/** Why the control-plane VIP is this cluster's kube-vip's (evidence), or what is missing (problem). */
function controlPlaneEvidence(address: string, containers: KubeVipContainer[], nodeNames: ReadonlySet<string>, run: Kubectl): Evidence {
    const controlPlane = containers.filter(c => kubeVipSwitch(c.env, KUBE_VIP_ENV.controlPlane) === true);
    const own = controlPlane.filter(c => kubeVipAddress(c.env)?.value === address);
    if (own.length === 0) {
        const others = controlPlane.map(c => {
            const found = kubeVipAddress(c.env);
            return `${c.pod} (${found === undefined ? "address unset" : `${found.variable} ${found.value}`})`;
        });
        return {
            problem: `no running kube-vip pod of this cluster has ${KUBE_VIP_ENV.controlPlane}=true and ${KUBE_VIP_ENV.address}=${address}` +
                (others.length > 0 ? `; the control-plane kube-vip found is ${others.join(", ")}` : ""),
        };
    }
    const namespace = own[0].env[KUBE_VIP_ENV.controlPlaneNamespace] || DEFAULT_CP_NAMESPACE;
    const lease = own[0].env[KUBE_VIP_ENV.controlPlaneLease] || DEFAULT_CP_LEASE;
    const holder = leaseHolder(run, namespace, lease);
    if (holder === undefined || !nodeNames.has(holder)) {
        return { problem: `kube-vip pod ${own[0].pod} is configured for it, but its Lease ${namespace}/${lease} is ${holder === undefined ? "absent" : `held by "${holder}", which is no node of this cluster`}` };
    }
    return { evidence: `kube-vip pod ${own[0].pod} (${KUBE_VIP_ENV.controlPlane}, ${kubeVipAddress(own[0].env)!.variable} ${address}) and Lease ${namespace}/${lease} held by node ${holder}` };
}

/** Whether the Service holds the address: kube-vip writes what it announces into the Service's status. */
function serviceHolds(service: KubeObject, address: string): boolean {
    const status = (service?.status?.loadBalancer?.ingress ?? []).map((i: KubeObject) => i?.ip);
    return service?.spec?.type === "LoadBalancer" && status.includes(address);
}

/** Why a Service VIP is this cluster's kube-vip's (evidence), or what is missing (problem). */
function serviceEvidence(address: string, containers: KubeVipContainer[], services: KubeObject[], nodeNames: ReadonlySet<string>, run: Kubectl): Evidence {
    const holders = services.filter(s => serviceHolds(s, address));
    if (holders.length === 0) {
        return { problem: `no LoadBalancer Service of this cluster holds ${address}` };
    }
    const announcers = containers.filter(c => kubeVipSwitch(c.env, KUBE_VIP_ENV.services) === true);
    if (announcers.length === 0) {
        const names = holders.map((s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`).join(", ");
        return { problem: `Service ${names} holds it, but no running kube-vip pod of this cluster has ${KUBE_VIP_ENV.services}=true to announce it` };
    }
    const service = holders[0];
    const name = `${service.metadata.namespace}/${service.metadata.name}`;
    if (announcers.some(c => kubeVipSwitch(c.env, KUBE_VIP_ENV.servicesElection) === true)) {
        const lease = `kubevip-${service.metadata.name}`;
        const holder = leaseHolder(run, service.metadata.namespace, lease);
        if (holder === undefined || !nodeNames.has(holder)) {
            return { problem: `Service ${name} holds it, but its kube-vip Lease ${service.metadata.namespace}/${lease} is ${holder === undefined ? "absent" : `held by "${holder}", which is no node of this cluster`}` };
        }
        return { evidence: `Service ${name}, announced by kube-vip pod ${announcers[0].pod}, Lease ${service.metadata.namespace}/${lease} held by node ${holder}` };
    }
    return { evidence: `Service ${name}, announced by kube-vip pod ${announcers[0].pod}` };
}

/**
 * For each answering VIP ({ key, address, detail }): whether this cluster's
 * kube-vip holds it. Returns { adopted: [{ key, address, evidence }],
 * problems: [{ check, message, fix }] }. `nodeNames`: the cluster's nodes.
 */
export function adoptAnsweringVips(answering: readonly AnsweringVip[], nodeNames: ReadonlySet<string>, run: Kubectl): { adopted: Adopted[]; problems: Problem[] } {
    const adopted: Adopted[] = [];
    const problems: Problem[] = [];
    if (answering.length === 0) {
        return { adopted, problems };
    }
    let containers: KubeVipContainer[];
    let services: KubeObject[];
    try {
        containers = kubeVipContainers(readJson(run, ["get", "pods", "--all-namespaces"]).items ?? []);
        services = readJson(run, ["get", "services", "--all-namespaces"]).items ?? [];
    } catch (error: any) {
        containers = [];
        services = [];
        problems.push({
            check: "vip-adoption",
            message: `adoptRunningKubeVip is set, but the cluster's pods and Services could not be read to find its kube-vip (${String(error.stderr ?? error.message).trim().split("\n").pop()})`,
            fix: "use a kubeconfig whose user may list pods, Services and Leases in every namespace, then run the preflight again",
        });
        return { adopted, problems };
    }
    for (const vip of answering) {
        const found = vip.key === "controlPlaneVip"
            ? controlPlaneEvidence(vip.address, containers, nodeNames, run)
            : serviceEvidence(vip.address, containers, services, nodeNames, run);
        if (found.evidence !== undefined) {
            adopted.push({ key: vip.key, address: vip.address, evidence: found.evidence });
        } else {
            problems.push({
                check: "vip-in-use",
                message: `${vip.key} ${vip.address} already answers on the LAN (${vip.detail}), and adoptRunningKubeVip is set, but it is not this cluster's kube-vip: ${found.problem}`,
                fix: `find the device that holds ${vip.address} (the MAC in this machine's ARP table, the router's leases) and free it, or set ${vip.key} to the address this cluster's kube-vip holds`,
            });
        }
    }
    return { adopted, problems };
}

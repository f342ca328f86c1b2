// The live audit's checks: the promises the pack holds a preview to, held
// against what really runs. Pure: the cluster comes in as the objects kubectl
// listed (one list per kind), the findings go out; each names the object, what
// is wrong and the fix. A breach fails the audit; a note (an address whose
// Service Argo CD has not synced yet, an Application the stack does not know)
// is printed and does not.

import { Ipv4Range, formatRange, parseIpv4, parseRange, parseCidr, blockAsRange, rangeContains } from "../../policy/addressing";
import { ALLOW_BRANCH_REVISIONS_KEY, pinnedRevisionHint } from "../../policy/revisions";
import { UNPINNED_RISK, argoSourceRevisions, describeUnpinned, revisionRefused } from "../../policy/argoCdSources";
import { WHOLE_NAMESPACE_FIX, describeBeside, namespaceApplications, wholeNamespaceBesideWorkloads } from "../../policy/sharedNamespaces";
import { GLOBAL_RANGE_KEY, KUBE_VIP_LOADBALANCER_CLASS, LOADBALANCER_IPS_ANNOTATION, TYPES } from "../../policy/definitions";
import { KUBE_VIP } from "../../platform/kube-vip";
import { CidrGroups, PolicyModel, cidrGroupsOf, describePeer, describePorts, peerLanReach, portWithin, readPolicyObject } from "../../policy/policyModel";
import type { AuditPlan, OwnedAddress } from "./plan";

type KubeObject = Record<string, any>;

/** What the audit read: each kind listed once. */
export interface ClusterSnapshot {
    readonly services: readonly KubeObject[];
    /** CiliumNetworkPolicies, CiliumClusterwideNetworkPolicies and NetworkPolicies. */
    readonly policies: readonly KubeObject[];
    readonly cidrGroups: readonly KubeObject[];
    readonly applications: readonly KubeObject[];
    /** The kubevip ConfigMap; undefined when it does not exist. */
    readonly poolConfigMap?: KubeObject;
    /** Pods with spec.hostNetwork. */
    readonly hostNetworkPods: readonly KubeObject[];
}

export interface Finding {
    /** e.g. `Service media/rogue`. */
    readonly object: string;
    readonly problem: string;
    readonly fix: string;
    /** A broken promise; false for a note. */
    readonly breach: boolean;
}

const nameOf = (object: KubeObject) => `${object.metadata?.namespace === undefined ? "" : `${object.metadata.namespace}/`}${object.metadata?.name ?? "?"}`;

function splitAddresses(value: unknown): string[] {
    return typeof value === "string" ? value.split(",").map(a => a.trim()).filter(a => a !== "") : [];
}

/** What a Service pins (kube-vip's annotation, or the deprecated spec.loadBalancerIP the cloud provider copies into it) and what it holds. */
function serviceAddresses(service: KubeObject): { pinned: string[]; held: string[] } {
    const annotated = splitAddresses(service.metadata?.annotations?.[LOADBALANCER_IPS_ANNOTATION]);
    const pinned = annotated.length > 0 ? annotated : splitAddresses(service.spec?.loadBalancerIP);
    const held = (Array.isArray(service.status?.loadBalancer?.ingress) ? service.status.loadBalancer.ingress : [])
        .map((i: KubeObject) => i?.ip).filter((ip: unknown): ip is string => typeof ip === "string" && ip !== "");
    return { pinned, held };
}

const UNPIN = `drop the ${LOADBALANCER_IPS_ANNOTATION} annotation (and spec.loadBalancerIP), or pin a free address of the pool`;
const GITOPS = "where Argo CD syncs it, change its source in Git: Argo CD re-applies whatever the cluster holds";

function describeAddress(address: string, plan: AuditPlan): string {
    if (address === plan.controlPlaneVip) {
        return `${address} (the API VIP)`;
    }
    const owner = plan.owned.find(o => o.address === address);
    return owner === undefined ? address : `${address} (${owner.owner}'s)`;
}

function serviceFindings(plan: AuditPlan, services: readonly KubeObject[]): Finding[] {
    const findings: Finding[] = [];
    const holders = new Map<string, string[]>();
    const ownerService = (owned: OwnedAddress, service: KubeObject) =>
        service.metadata?.namespace === owned.namespace && (owned.service === undefined || service.metadata?.name === owned.service);
    for (const service of services) {
        const object = `Service ${nameOf(service)}`;
        const { pinned, held } = serviceAddresses(service);
        const loadBalancer = service.spec?.type === "LoadBalancer";
        const lbClass = service.spec?.loadBalancerClass;
        if (loadBalancer && typeof lbClass === "string" && lbClass !== "" && lbClass !== KUBE_VIP_LOADBALANCER_CLASS) {
            findings.push({
                object, breach: true,
                problem: `has loadBalancerClass ${lbClass}: another controller, not kube-vip, allocates and announces its address, outside the pool's bookkeeping`,
                fix: `remove spec.loadBalancerClass (a new Service is needed: the field cannot change), ${GITOPS}`,
            });
        }
        for (const address of held) {
            holders.set(address, [...(holders.get(address) ?? []), object]);
        }
        for (const address of [...new Set([...held, ...pinned])]) {
            const how = held.includes(address) ? "holds" : "pins";
            const parsed = parseIpv4(address);
            if (!parsed.ok || !rangeContains(plan.pool, parsed.value)) {
                findings.push({
                    object, breach: true,
                    problem: `${how} the LoadBalancer address ${describeAddress(address, plan)}, outside the pool ${plan.poolText}: nothing checks that no host of the LAN (or the router) uses it`,
                    fix: `${UNPIN} ${plan.poolText}; ${GITOPS}`,
                });
                continue;
            }
            const owned = plan.owned.find(o => o.address === address);
            if (owned !== undefined && !ownerService(owned, service)) {
                findings.push({
                    object, breach: true,
                    problem: `${how} ${address}, which belongs to ${owned.owner} (namespace ${owned.namespace}${owned.service === undefined ? "" : `, Service ${owned.service}`}): kube-vip announces one address for two Services, and only one answers`,
                    fix: `${UNPIN} nobody owns; ${GITOPS}`,
                });
            } else if (owned === undefined && pinned.includes(address)) {
                findings.push({
                    object, breach: true,
                    problem: `pins ${address}, which the stack does not declare for anyone: the cloud provider may hand it to another Service as well`,
                    fix: "declare it as a loadBalancerAddresses entry of the Application that syncs this Service (stack config applications), or drop the pin and let the cloud provider choose",
                });
            }
        }
    }
    for (const [address, objects] of holders) {
        if (objects.length > 1 && !plan.owned.some(o => o.address === address)) {
            findings.push({
                object: objects.join(", "), breach: true,
                problem: `${objects.length} Services hold ${address}: kube-vip announces it once, and only one of them answers`,
                fix: "give each its own address; the stack turns allow-share off",
            });
        }
    }
    for (const owned of plan.owned) {
        const own = services.filter(s => ownerService(owned, s));
        const mentioning = own.filter(s => { const a = serviceAddresses(s); return a.held.includes(owned.address) || a.pinned.includes(owned.address); });
        if (mentioning.length === 0) {
            findings.push({
                object: `${owned.address} (${owned.owner})`, breach: false,
                problem: `no Service of namespace ${owned.namespace}${owned.service === undefined ? "" : ` named ${owned.service}`} pins or holds it yet`,
                fix: owned.application === undefined ? "check the Helm release of its chart" : `check that Argo CD synced it: argocd app get ${owned.application}`,
            });
        } else if (!mentioning.some(s => serviceAddresses(s).held.includes(owned.address))) {
            findings.push({
                object: `Service ${mentioning.map(nameOf).join(", ")}`, breach: true,
                problem: `pins ${owned.address} but holds no address`,
                fix: `check that its pods are Ready, kubectl -n ${KUBE_VIP.namespace} logs ds/${KUBE_VIP.services.daemonSet} and deploy/${KUBE_VIP.cloudProvider.deployment}`,
            });
        }
    }
    return findings;
}

/** A kube-vip pool value as ranges; undefined parts are skipped (the cloud provider refuses them too). */
function poolRanges(value: string): Ipv4Range[] {
    return value.split(",").map(p => p.trim()).filter(p => p !== "").flatMap(part => {
        const parsed = part.includes("/") ? parseCidr(part) : parseRange(part);
        return !parsed.ok ? [] : "cidr" in parsed.value ? [blockAsRange(parsed.value)] : [parsed.value];
    });
}

function poolFindings(plan: AuditPlan, configMap: KubeObject | undefined): Finding[] {
    const object = `ConfigMap ${plan.poolConfigMap.namespace}/${plan.poolConfigMap.name}`;
    const planned = plan.rangeGlobal ?? "(no range-global: every address of the pool is owned)";
    if (configMap === undefined) {
        return plan.rangeGlobal === undefined ? [] : [{ object, breach: true, problem: "does not exist: kube-vip's cloud provider has no pool, and Services that pin nothing stay pending", fix: `run pulumi up for stack ${plan.stack}, which writes range-global = ${planned}` }];
    }
    const data: Record<string, unknown> = typeof configMap.data === "object" && configMap.data !== null ? configMap.data : {};
    const findings: Finding[] = [];
    const global = data[GLOBAL_RANGE_KEY] === undefined ? undefined : String(data[GLOBAL_RANGE_KEY]);
    if (global !== plan.rangeGlobal) {
        const owned = global === undefined ? [] : plan.owned.filter(o => { const a = parseIpv4(o.address); return a.ok && poolRanges(global).some(r => rangeContains(r, a.value)); });
        findings.push({
            object, breach: true,
            problem: `has range-global = ${global ?? "(unset)"}, but the stack plans ${planned}${owned.length === 0 ? "" : `; it covers owned addresses (${owned.map(o => `${o.address} of ${o.owner}`).join("; ")}), which the cloud provider may hand to any Service that pins nothing`}`,
            fix: `set range-global back to ${planned} (pulumi up for stack ${plan.stack} does)`,
        });
    }
    for (const [key, value] of Object.entries(data)) {
        if (key !== GLOBAL_RANGE_KEY && (key.startsWith("range-") || key.startsWith("cidr-"))) {
            const outside = poolRanges(String(value)).filter(r => !(r.start >= plan.pool.start && r.end <= plan.pool.end) || plan.owned.some(o => { const a = parseIpv4(o.address); return a.ok && rangeContains(r, a.value); }));
            findings.push({
                object, breach: true,
                problem: `has the pool key ${key} = ${String(value)}, which the stack does not write: the cloud provider checks addresses in use only within that pool's namespace${outside.length === 0 ? "" : `, and ${outside.map(formatRange).join(", ")} reaches owned addresses or outside ${plan.poolText}`}`,
                fix: `remove ${key}; declare addresses per Application in the stack's config instead`,
            });
        }
        if (key.startsWith("allow-share") && String(value).trim().toLowerCase() === "true") {
            findings.push({
                object, breach: true,
                problem: `has ${key} = ${String(value)}: Services may then share an address, and an owned one stops being its owner's alone`,
                fix: `remove ${key}`,
            });
        }
    }
    return findings;
}

function policyFindings(plan: AuditPlan, policies: readonly KubeObject[], groups: CidrGroups): Finding[] {
    const findings: Finding[] = [];
    const models: PolicyModel[] = policies.flatMap(p => readPolicyObject(p));
    for (const model of models) {
        if (model.subject.kind !== "pods") {
            continue;
        }
        const namespace = model.subject.namespace;
        const served = plan.owned.filter(o => namespace !== undefined && o.namespace === namespace);
        for (const rule of model.rules.filter(r => r.direction === "ingress" && !r.deny)) {
            const lanPeers = rule.peers.filter(p => peerLanReach(p, plan.lan, groups) !== "none");
            if (lanPeers.length === 0) {
                continue;
            }
            const unserved = rule.ports.filter(port => !served.some(o => o.ports.some(s => portWithin(port, s))));
            if (unserved.length === 0) {
                continue;
            }
            const reach = lanPeers.map(p => `${describePeer(p)} (${{ all: "the whole LAN", some: "part of the LAN", unknown: "a CIDR group the cluster does not hold, so possibly the LAN", none: "" }[peerLanReach(p, plan.lan, groups)]})`);
            const pods = namespace === undefined ? "pods of every namespace" : `pods of namespace ${namespace}`;
            findings.push({
                object: model.owner, breach: true,
                problem: `admits ${reach.join(", ")} to ${pods} on ${describePorts(unserved)} (${rule.where}), which ${served.length === 0 ? `no address owned${namespace === undefined ? "" : ` in namespace ${namespace}`} serves` : `none of the addresses owned in namespace ${namespace} serves (${served.map(o => `${o.address}: ${describePorts(o.ports)}`).join("; ")})`}`,
                fix: "narrow the rule to the ports an owned address serves, or declare the address with these ports in the stack's applications config; delete the policy if nobody declared it",
            });
        }
    }
    return findings;
}

function applicationFindings(plan: AuditPlan, applications: readonly KubeObject[]): Finding[] {
    const findings: Finding[] = [];
    const appsOf = (namespace: string) => plan.applications.filter(a => a.namespace === namespace).map(a => a.name);
    for (const application of applications) {
        const name = String(application.metadata?.name ?? "?");
        const object = `Application ${nameOf(application)}`;
        const destination = application.spec?.destination ?? {};
        const server = typeof destination.server === "string" ? destination.server : undefined;
        const clusterName = typeof destination.name === "string" ? destination.name : undefined;
        if ((server !== undefined && server !== plan.inClusterServer) || (clusterName !== undefined && clusterName !== "in-cluster")) {
            findings.push({ object, breach: true, problem: `deploys to ${server ?? `cluster ${clusterName}`}, not to the cluster it runs in (${plan.inClusterServer}): no policy of this stack covers what it deploys there`, fix: `set spec.destination.server to ${plan.inClusterServer}` });
        }
        for (const source of argoSourceRevisions({ type: TYPES.application, name, props: application })) {
            if (revisionRefused(source.verdict, plan.allowBranchRevisions)) {
                findings.push({
                    object, breach: true,
                    problem: `${describeUnpinned(source, source.verdict)}: ${UNPINNED_RISK[source.verdict.as]}`,
                    fix: `set targetRevision to ${pinnedRevisionHint(source)}${source.verdict.as === "branch" ? ` (for a lab, ${ALLOW_BRANCH_REVISIONS_KEY}: true in the stack config allows branches)` : ""}; ${plan.applications.some(a => a.name === name) ? `in the stack's applications config, then pulumi up for stack ${plan.stack}` : "in the Application's manifest"}`,
                });
            }
        }
        const namespace = typeof destination.namespace === "string" && destination.namespace !== "" ? destination.namespace : undefined;
        const planned = plan.applications.find(a => a.name === name);
        if (namespace === undefined) {
            findings.push({ object, breach: true, problem: "has no destination namespace: its objects land wherever their manifests say, platform namespaces included", fix: `set spec.destination.namespace${planned === undefined ? "" : ` to ${planned.namespace}`}` });
            continue;
        }
        if (planned !== undefined) {
            if (planned.namespace !== namespace) {
                findings.push({ object, breach: true, problem: `deploys into namespace ${namespace}, but the stack declares it in ${planned.namespace}, where its policies are`, fix: `set spec.destination.namespace back to ${planned.namespace} (pulumi up for stack ${plan.stack})` });
            }
            continue;
        }
        const platform = namespace.startsWith("kube-") || plan.platformNamespaces.includes(namespace);
        const others = appsOf(namespace);
        if (platform || others.length > 0) {
            findings.push({
                object, breach: true,
                problem: `is not declared by the stack and deploys into namespace ${namespace}, ${platform ? "a namespace of the platform" : `which belongs to Application${others.length === 1 ? "" : "s"} ${others.join(", ")}`}: its pods would share that namespace's policies and could mount its Secrets`,
                fix: `declare it in the stack's applications config with a namespace of its own, or delete it (argocd app delete ${name})`,
            });
        } else {
            findings.push({ object, breach: false, problem: `is not declared by the stack: namespace ${namespace} has none of the stack's policies`, fix: "declare it in the stack's applications config" });
        }
    }
    return findings;
}

/** A whole-namespace Application beside Applications that declare workloads, as their annotations say in the cluster. */
function sharedNamespaceFindings(applications: readonly KubeObject[]): Finding[] {
    const found = wholeNamespaceBesideWorkloads(applications.flatMap(a => namespaceApplications({ type: TYPES.application, name: String(a.metadata?.name ?? "?"), props: a })));
    return found.map(({ whole, beside }) => ({
        object: `Application ${whole.name}`, breach: true,
        problem: `deploys into namespace ${whole.namespace} as a whole (it declares no workloads), beside ${describeBeside(beside)}: its policies select their pods too and hand them its connections`,
        fix: WHOLE_NAMESPACE_FIX,
    }));
}

function hostNetworkFindings(plan: AuditPlan, pods: readonly KubeObject[]): Finding[] {
    return pods
        .filter(pod => pod.spec?.hostNetwork === true && !plan.hostNetworkNamespaces.includes(pod.metadata?.namespace))
        .map(pod => {
            const owner = (pod.metadata?.ownerReferences ?? [])[0];
            return {
                object: `Pod ${nameOf(pod)}${owner === undefined ? "" : ` (of ${owner.kind} ${owner.name})`}`, breach: true,
                problem: "runs on the host network: no network policy governs it, and it may listen on any port of the node's LAN address",
                fix: `remove hostNetwork from its pod template; only the platform (${plan.hostNetworkNamespaces.join(", ")}) runs there`,
            };
        });
}

/** Every way the running cluster breaks the stack's promises, and the notes. */
export function auditCluster(plan: AuditPlan, cluster: ClusterSnapshot): Finding[] {
    const groups: CidrGroups = new Map(cluster.cidrGroups.flatMap(cidrGroupsOf));
    return [
        ...serviceFindings(plan, cluster.services),
        ...poolFindings(plan, cluster.poolConfigMap),
        ...policyFindings(plan, cluster.policies, groups),
        ...applicationFindings(plan, cluster.applications),
        ...sharedNamespaceFindings(cluster.applications),
        ...hostNetworkFindings(plan, cluster.hostNetworkPods),
    ];
}

/** The report, breaches first. */
export function formatFindings(plan: AuditPlan, findings: readonly Finding[]): string {
    const breaches = findings.filter(f => f.breach);
    const notes = findings.filter(f => !f.breach);
    const block = (f: Finding) => `  ${f.object}\n    ${f.problem}\n    fix: ${f.fix}`;
    const head = breaches.length === 0
        ? `Live audit of stack "${plan.stack}": the cluster keeps the plan's promises.`
        : `Live audit of stack "${plan.stack}": ${breaches.length} breach${breaches.length === 1 ? "" : "es"} of the plan.`;
    const lines = [head];
    for (const finding of breaches) {
        lines.push("", block(finding));
    }
    if (notes.length > 0) {
        lines.push("", "Notes:");
        for (const finding of notes) {
            lines.push("", block(finding));
        }
    }
    return lines.join("\n");
}

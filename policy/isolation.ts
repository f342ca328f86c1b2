// Isolation: which namespaces a CiliumNetworkPolicy, a clusterwide policy or a
// NetworkPolicy puts into default deny; the policies that every Application's
// namespace is isolated both ways and every declared workload selected (the
// LAN's way in is reachability.ts's).

import { StackValidationPolicy } from "@pulumi/policy";
import { CILIUM_NAMESPACE_LABELS, KINDS, TYPES, WORKLOADS_ANNOTATION } from "./definitions";
import { DIRECTIONS, Direction, ResourceView, isKind, isObject, metaName, metaNamespace, objectsOf, readEach, readable, via } from "./readers";
import { argoDestinations } from "./argoCd";

// ---------------------------------------------------------------------------
// Readers: which namespaces are default-deny


/** A network policy as far as namespace isolation goes. */
export interface Isolation {
    /** e.g. `CiliumNetworkPolicy web/default-deny`. */
    readonly owner: string;
    /** Its namespace; undefined for a clusterwide policy. */
    readonly namespace?: string;
    /** Whether it selects every pod of the namespace; if not, why. */
    covers(namespace: string): true | string;
    /** Per direction: true when it puts every selected pod into default deny without opening it to everyone; else why not. */
    readonly denies: Readonly<Record<Direction, true | string>>;
}

/**
 * Whether a label selector selects every pod of a namespace, whatever the
 * pods' labels: only the namespace label may be constrained, to that
 * namespace. `namespaced` policies select only their own namespace anyway.
 */
function selectsWholeNamespace(selector: unknown, namespace: string, namespaceLabels: readonly string[]): true | string {
    if (selector === undefined || selector === null) {
        return "it has no selector";
    }
    if (!isObject(selector)) {
        return "its selector is not an object";
    }
    for (const [key, value] of Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {})) {
        if (!namespaceLabels.includes(key)) {
            return `it selects only pods labelled ${key}=${value}`;
        }
        if (value !== namespace) {
            return `it selects namespace ${value}`;
        }
    }
    for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
        const values: unknown[] = Array.isArray(expression?.values) ? expression.values : [];
        if (!namespaceLabels.includes(expression?.key)) {
            return `it selects only pods whose label ${expression?.key} matches ${expression?.operator} ${JSON.stringify(values)}`;
        }
        const ok = expression.operator === "In" ? values.includes(namespace)
            : expression.operator === "NotIn" ? !values.includes(namespace)
                : expression.operator === "Exists";
        if (!ok) {
            return `its selector (${expression.key} ${expression.operator} ${JSON.stringify(values)}) leaves namespace ${namespace} out`;
        }
    }
    return true;
}

const CILIUM_PEERS: Record<Direction, readonly string[]> = {
    ingress: ["fromEndpoints", "fromRequires", "fromCIDR", "fromCIDRSet", "fromEntities", "fromGroups", "fromNodes"],
    egress: ["toEndpoints", "toRequires", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes"],
};

const isAnyCidr = (cidr: unknown) => typeof cidr === "string" && /\/0$/.test(cidr.trim());

/** Why a Cilium allow rule opens a direction to everyone, or undefined when it is narrow (or `{}`, which allows nothing). */
function ciliumRuleOpens(rule: unknown, direction: Direction): string | undefined {
    if (!isObject(rule)) {
        return undefined;
    }
    const side = direction === "ingress" ? "from" : "to";
    const entities: unknown[] = Array.isArray(rule[`${side}Entities`]) ? rule[`${side}Entities`] : [];
    const wide = entities.find(e => e === "world" || e === "all");
    if (wide !== undefined) {
        return `its ${direction} admits ${side}Entities ${wide}`;
    }
    const cidrs = [...(Array.isArray(rule[`${side}CIDR`]) ? rule[`${side}CIDR`] : []), ...(Array.isArray(rule[`${side}CIDRSet`]) ? rule[`${side}CIDRSet`].map((s: any) => s?.cidr) : [])];
    const any = cidrs.find(isAnyCidr);
    if (any !== undefined) {
        return `its ${direction} admits ${side}CIDR ${any}`;
    }
    const hasPeer = CILIUM_PEERS[direction].some(key => rule[key] !== undefined);
    if (!hasPeer && (rule.toPorts !== undefined || rule.icmps !== undefined)) {
        return `its ${direction} has a rule with ports but no peer, which admits every peer on those ports`;
    }
    return undefined;
}

function ciliumDirection(spec: Record<string, any>, direction: Direction): true | string {
    const rules = spec[direction];
    const denyRules = spec[`${direction}Deny`];
    const explicit = isObject(spec.enableDefaultDeny) ? spec.enableDefaultDeny[direction] : undefined;
    if (explicit === false) {
        return `it sets enableDefaultDeny.${direction}: false, so it adds rules without denying the rest`;
    }
    const hasRules = (Array.isArray(rules) && rules.length > 0) || (Array.isArray(denyRules) && denyRules.length > 0);
    if (!hasRules && explicit !== true) {
        return Array.isArray(rules)
            ? `its ${direction} list is empty, which Cilium ignores (an empty list is no rule; [{}] denies all)`
            : `it says nothing of ${direction}`;
    }
    for (const rule of Array.isArray(rules) ? rules : []) {
        const opens = ciliumRuleOpens(rule, direction);
        if (opens !== undefined) {
            return opens;
        }
    }
    return true;
}

function kubernetesDirection(spec: Record<string, any>, direction: Direction): true | string {
    const declared: unknown[] | undefined = Array.isArray(spec.policyTypes) ? spec.policyTypes : undefined;
    const typeName = direction === "ingress" ? "Ingress" : "Egress";
    const applies = declared !== undefined ? declared.includes(typeName) : direction === "ingress" || spec.egress !== undefined;
    if (!applies) {
        return `its policyTypes leave ${typeName} out`;
    }
    const side = direction === "ingress" ? "from" : "to";
    for (const rule of Array.isArray(spec[direction]) ? spec[direction] : []) {
        const peers: unknown[] | undefined = isObject(rule) && Array.isArray(rule[side]) ? rule[side] : undefined;
        if (peers === undefined || peers.length === 0) {
            return `its ${direction} has a rule without ${side}, which admits everyone${isObject(rule) && rule.ports !== undefined ? " on its ports" : ""}`;
        }
        const any = peers.find(peer => isObject(peer) && isAnyCidr(peer.ipBlock?.cidr));
        if (any !== undefined) {
            return `its ${direction} admits ipBlock ${(any as any).ipBlock.cidr}`;
        }
    }
    return true;
}

/** A CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy, as far as namespace isolation goes. */
export function isolation(resource: ResourceView): Isolation[] {
    return objectsOf(resource).flatMap((view): Isolation[] => {
        const props = view.props ?? {};
        const name = metaName(view);
        const clusterwide = isKind(view, KINDS.ciliumClusterwideNetworkPolicy);
        if (isKind(view, KINDS.ciliumNetworkPolicy) || clusterwide) {
            const own = metaNamespace(view);
            const specs: Array<Record<string, any>> = [props.spec, ...(Array.isArray(props.specs) ? props.specs : [])].filter(isObject);
            return specs.map(spec => ({
                owner: clusterwide ? `CiliumClusterwideNetworkPolicy ${name}${via(view)}` : `CiliumNetworkPolicy ${own}/${name}${via(view)}`,
                namespace: clusterwide ? undefined : own,
                covers: namespace => {
                    if (!clusterwide && namespace !== own) {
                        return `it lives in namespace ${own}`;
                    }
                    if (spec.endpointSelector === undefined && spec.nodeSelector !== undefined) {
                        return "it selects nodes, not pods";
                    }
                    return selectsWholeNamespace(spec.endpointSelector, namespace, CILIUM_NAMESPACE_LABELS);
                },
                denies: { ingress: ciliumDirection(spec, "ingress"), egress: ciliumDirection(spec, "egress") },
            }));
        }
        if (isKind(view, KINDS.networkPolicy)) {
            const own = metaNamespace(view);
            const spec = isObject(props.spec) ? props.spec : {};
            return [{
                owner: `NetworkPolicy ${own}/${name}${via(view)}`,
                namespace: own,
                covers: namespace => (namespace !== own ? `it lives in namespace ${own}` : selectsWholeNamespace(spec.podSelector ?? {}, namespace, [])),
                denies: { ingress: kubernetesDirection(spec, "ingress"), egress: kubernetesDirection(spec, "egress") },
            }];
        }
        return [];
    });
}

// ---------------------------------------------------------------------------
// Policies: default deny per namespace, a policy per declared workload

function directionList(directions: readonly Direction[]): string {
    return directions.join(" and ");
}

export const applicationsHaveNetworkPolicies: StackValidationPolicy = {
    name: "applications-have-network-policies",
    description:
        "Every Argo CD Application's (and ApplicationSet's) destination namespace is in default deny both ways: a CiliumNetworkPolicy of the namespace, a " +
        "CiliumClusterwideNetworkPolicy or a NetworkPolicy selects every pod of it and turns default deny on for ingress and for egress (non-empty rules, " +
        "enableDefaultDeny not false) without admitting world, all or 0.0.0.0/0 itself. A namespace that an Application annotated as staged deploys into " +
        "is left open on purpose while its declared connections are watched, and is not counted.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = readable(args.resources);
        const policies = readEach(resources, isolation);
        const destinations = readEach(resources, argoDestinations);
        // In Cilium one policy in default deny puts a pod into default deny: a staged namespace has none, whichever Application asked for it.
        const staged = new Set(destinations.filter(d => d.staged && d.namespace !== undefined).map(d => d.namespace));
        for (const destination of destinations) {
            const namespace = destination.namespace;
            if (namespace === undefined || destination.templated || staged.has(namespace)) {
                continue;
            }
            const covering = policies.filter(p => p.covers(namespace) === true);
            const open = DIRECTIONS.filter(direction => !covering.some(p => p.denies[direction] === true));
            if (open.length === 0) {
                continue;
            }
            // The policies that might have been meant as its default deny: those of the namespace, and the clusterwide ones.
            const near = policies
                .filter(p => p.namespace === namespace || p.namespace === undefined)
                .map(p => {
                    const covers = p.covers(namespace);
                    const reasons = covers !== true ? [covers] : open.map(d => p.denies[d]).filter((r): r is string => r !== true);
                    return reasons.length === 0 ? undefined : `${p.owner}: ${[...new Set(reasons)].join("; ")}`;
                })
                .filter((text): text is string => text !== undefined);
            reportViolation(
                `${destination.owner} deploys into namespace ${namespace}, which has no default deny for ${directionList(open)}; its pods could talk to anything` +
                `${near.length === 0 ? "" : `. Policies that do not count: ${near.join(". ")}`}. ` +
                "Fix: declare the Application in the stack's applications config, which creates its policies, or add a policy that selects every pod of the " +
                "namespace with ingress: [{}] and egress: [{}].",
            );
        }
        // Every workload the stack declares for an Application has a policy of its own.
        const selectors = resources
            .filter(r => r.type === TYPES.ciliumNetworkPolicy)
            .map(r => ({ namespace: r.props?.metadata?.namespace ?? "default", labels: r.props?.spec?.endpointSelector?.matchLabels ?? {}, expressions: r.props?.spec?.endpointSelector?.matchExpressions ?? [] }))
            .filter(p => Object.keys(p.labels).length > 0 && p.expressions.length === 0);
        for (const resource of resources.filter(r => r.type === TYPES.application)) {
            const declared = declaredWorkloads(resource.props?.metadata?.annotations?.[WORKLOADS_ANNOTATION]);
            const namespace = resource.props?.spec?.destination?.namespace;
            for (const workload of declared.filter(w => Object.keys(w.selector).length > 0)) {
                const selected = selectors.some(p => p.namespace === namespace && Object.entries(p.labels).every(([key, value]) => workload.selector[key] === value));
                if (!selected) {
                    reportViolation(
                        `Argo CD Application ${resource.props?.metadata?.name ?? resource.name} declares the workload ${workload.name} (pods ${JSON.stringify(workload.selector)}) in namespace ${namespace}, ` +
                        "but no CiliumNetworkPolicy selects those pods: the connections declared for it are not allowed anywhere. " +
                        "Fix: keep the policies the stack generates for the workload (app-<application>.<workload>), or correct its selector.",
                    );
                }
            }
        }
    },
};

/** The workloads an Application's annotation lists; none when absent or unreadable. */
function declaredWorkloads(annotation: unknown): Array<{ name: string; selector: Record<string, string> }> {
    if (typeof annotation !== "string") {
        return [];
    }
    try {
        const list = JSON.parse(annotation);
        return Array.isArray(list) ? list.filter(w => typeof w?.name === "string" && typeof w?.selector === "object" && w.selector !== null) : [];
    } catch {
        return [];
    }
}

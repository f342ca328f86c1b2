// The original's side of the policy diff, made comparable with the stack's.
// Pure. Three things differ between a running cluster's policies and the
// program's without any traffic changing, and each is said in the listing:
// - Traefik: the original runs its own (K3s's bundled one in kube-system,
//   say), the program runs it in namespace traefik with its chart's labels
//   (TRAEFIK.podLabels). The original's policies that select Traefik, and the
//   peers that admit it, are compared as the program's Traefik ("Mapping
//   applied"). A peer that selected Traefik among others (every pod of
//   kube-system) keeps the others and admits the program's Traefik too.
// - Vacuous selectors: a peer of the original that matches no workload either
//   side declares (no pod template, chart release, Helm Application or policy
//   in the namespace where it looks, or a namespace label that contradicts
//   that namespace) allowed nothing; it is listed and left out, so that it
//   counts neither as lost nor as gained. Decided before the mapping: Traefik
//   where the original never ran it matched nothing there.
// - The remainder: policies in a namespace the platform owns (kube-system,
//   say) for pods other than the platform's own. The program cannot express
//   them (it refuses Applications there); their rules are listed by policy,
//   rule, peer and ports, and what only their pods lose is listed with them.

import { isReservedNamespace } from "../../config/applications";
import { TRAEFIK } from "../../platform/traefik";
import { Peer, PolicyModel, PolicyRule, Selector, describePeer, describePorts } from "../../policy/policyModel";
import { platformPeerOf, platformPolicyOf } from "../policyImport/cilium";
import { ALWAYS_RUNNING, FolderManifests } from "../policyImport/manifests";
import { NAMESPACE_NAME_LABEL, Workload, selectorMatches, subjectMatches } from "./diff";

type Labels = Readonly<Record<string, string>>;

export interface OriginalSide {
    /** The original's policies as compared: Traefik mapped, vacuous peers left out. */
    readonly policies: readonly PolicyModel[];
    /** What was mapped onto the program's identities, one line each. */
    readonly mappings: readonly string[];
    /** Rules with a peer that matched nothing, one line per peer. */
    readonly vacuous: readonly string[];
    /** The rules of the remainder, by policy, rule, peer and ports. */
    readonly remainder: readonly string[];
    /** Whether a workload is one of the remainder's pods. */
    readonly inRemainder: (workload: Workload) => boolean;
}

const onlyLabels = (labels: Labels): Selector => ({ matchLabels: labels, matchExpressions: [] });

function labelsText(labels: Labels): string {
    return `{${Object.keys(labels).sort().map(k => `${k}=${labels[k]}`).join(", ")}}`;
}

/** Pods known by their labels (the original's Traefik), for the mapping. */
interface Known {
    readonly namespace: string;
    readonly labels: Labels;
}

/** Whether `selector` (looking in `namespace`, or anywhere) matches the pods of `known`. */
function matchesKnown(selector: Selector, namespace: string | undefined, known: Known): boolean {
    return (namespace === undefined || namespace === known.namespace) && selectorMatches(selector, { ...known.labels, [NAMESPACE_NAME_LABEL]: known.namespace });
}

/**
 * The namespaces the original runs pods in, as far as either side tells:
 * pod templates, chart releases and Argo CD Helm Applications (manifests.ts),
 * K3s's own, and the namespaces of either side's policies. Not the program's
 * Traefik namespace when the mapping moves Traefik there: the original ran it
 * elsewhere. A label a selector names is no proof either way (a chart renders
 * pods whose labels no folder shows), so only a namespace is.
 */
function podNamespaces(before: readonly PolicyModel[], after: readonly PolicyModel[], manifests: FolderManifests, relocatedTo: readonly string[]): Set<string> {
    const namespaces = new Set<string>([...manifests.namespaces, ...ALWAYS_RUNNING]);
    for (const t of manifests.templates) {
        if (t.namespace !== undefined) {
            namespaces.add(t.namespace);
        }
    }
    for (const policy of before) {
        if (policy.subject.kind === "pods" && policy.subject.namespace !== undefined) {
            namespaces.add(policy.subject.namespace);
        }
    }
    for (const policy of after) {
        if (policy.subject.kind === "pods" && policy.subject.namespace !== undefined && !relocatedTo.includes(policy.subject.namespace)) {
            namespaces.add(policy.subject.namespace);
        }
    }
    return namespaces;
}

/** Why an endpoints peer of the original matched no pod, or undefined when it may have. */
function whyVacuous(peer: Extract<Peer, { kind: "endpoints" }>, namespaces: ReadonlySet<string>): string | undefined {
    const named = peer.selector.matchLabels[NAMESPACE_NAME_LABEL];
    if (named !== undefined && peer.namespace !== undefined && named !== peer.namespace) {
        return `its namespace label names ${named}, but it looks in namespace ${peer.namespace}`;
    }
    const namespace = peer.namespace ?? named;
    if (namespace !== undefined && !namespaces.has(namespace)) {
        return `no workload either side declares runs in namespace ${namespace} (no pod template, chart release, Helm Application or policy there)`;
    }
    return undefined;
}

/** Whether a selector picks Traefik's pods alone (its namespace's name aside). */
function isTraefikSelector(selector: Selector, namespace: string | undefined): boolean {
    const labels = Object.fromEntries(Object.entries(selector.matchLabels).filter(([key]) => key !== NAMESPACE_NAME_LABEL));
    return selector.matchExpressions.length === 0 && Object.keys(labels).length > 0
        && platformPeerOf({ namespace: namespace ?? "", labels }) === "traefik";
}

function mapPeers(rule: PolicyRule, original: Known, target: Known, count: () => void): PolicyRule {
    const mapped = rule.peers.flatMap((peer): Peer[] => {
        if (peer.kind !== "endpoints" || !matchesKnown(peer.selector, peer.namespace, original)) {
            return [peer];
        }
        count();
        const program: Peer = { kind: "endpoints", selector: onlyLabels(target.labels), namespace: target.namespace, written: `${peer.written} (as the program's Traefik)` };
        // A selector of Traefik alone becomes the program's; one of more pods keeps them and admits the program's Traefik too.
        return isTraefikSelector(peer.selector, peer.namespace) ? [program] : [peer, program];
    });
    return { ...rule, peers: mapped };
}

function ruleText(policy: PolicyModel, rule: PolicyRule): string {
    const peers = rule.peers.length === 0 ? "nobody (default deny)" : rule.peers.map(describePeer).join(", ");
    return `${policy.owner} ${rule.where}: ${rule.deny ? "denies " : ""}${rule.direction === "ingress" ? "from" : "to"} ${peers} on ${describePorts(rule.ports)}`;
}

/** The original's side as compared (see the file's head). `manifests`: the folder's, when it has any. */
export function prepareOriginal(before: readonly PolicyModel[], after: readonly PolicyModel[], manifests: FolderManifests | undefined): OriginalSide {
    const target: Known = { namespace: TRAEFIK.namespace, labels: TRAEFIK.podLabels };
    const traefiks: Array<{ known: Known; policies: PolicyModel[] }> = [];
    for (const policy of before) {
        const subject = policy.subject;
        if (subject.kind !== "pods" || subject.namespace === undefined || !isTraefikSelector(subject.selector, subject.namespace) || platformPolicyOf(subject.namespace, subject.selector.matchLabels) !== "Traefik") {
            continue;
        }
        const known: Known = { namespace: subject.namespace, labels: subject.selector.matchLabels };
        if (labelsText(known.labels) === labelsText(target.labels) && known.namespace === target.namespace) {
            continue;
        }
        const found = traefiks.find(t => t.known.namespace === known.namespace && labelsText(t.known.labels) === labelsText(known.labels));
        if (found === undefined) {
            traefiks.push({ known, policies: [policy] });
        } else {
            found.policies.push(policy);
        }
    }

    // Vacuous peers, judged on the original as it ran (before the mapping). A folder of policies alone proves nothing.
    const vacuous: string[] = [];
    const namespaces = manifests === undefined || (manifests.templates.length === 0 && manifests.namespaces.size === 0)
        ? undefined
        : podNamespaces(before, after, manifests, traefiks.length === 0 ? [] : [target.namespace]);
    const withoutVacuous = namespaces === undefined ? before : before.map(policy => ({
        ...policy,
        rules: policy.rules.map(rule => {
            const peers = rule.peers.filter(peer => {
                const why = peer.kind === "endpoints" ? whyVacuous(peer, namespaces) : undefined;
                if (why !== undefined) {
                    vacuous.push(`${policy.owner} ${rule.where}: ${describePeer(peer)} matched no pod: ${why}`);
                }
                return why === undefined;
            });
            return peers.length === rule.peers.length ? rule : { ...rule, peers };
        }),
    }));

    // The remainder, judged on the original's own selectors.
    const remainderPolicies = before.filter(policy => policy.subject.kind === "pods" && policy.subject.namespace !== undefined
        && isReservedNamespace(policy.subject.namespace) && platformPolicyOf(policy.subject.namespace, policy.subject.selector.matchLabels) === undefined);
    const remainder = remainderPolicies.flatMap(policy => policy.rules.map(rule => ruleText(policy, rule)));

    // Traefik, mapped.
    const mappings: string[] = [];
    let policies: readonly PolicyModel[] = withoutVacuous;
    for (const traefik of traefiks) {
        let peers = 0;
        let subjects = 0;
        policies = policies.map(policy => {
            const subject = policy.subject;
            const selectsIt = subject.kind === "pods" && subject.namespace === traefik.known.namespace && subject.selector.matchExpressions.length === 0
                && labelsText(subject.selector.matchLabels) === labelsText(traefik.known.labels);
            if (selectsIt) {
                subjects++;
            }
            return {
                ...policy,
                ...(selectsIt ? { subject: { kind: "pods" as const, namespace: target.namespace, selector: onlyLabels(target.labels) } } : {}),
                rules: policy.rules.map(rule => mapPeers(rule, traefik.known, target, () => peers++)),
            };
        });
        mappings.push(`Mapping applied: the original's Traefik, ${traefik.known.namespace}/${labelsText(traefik.known.labels)} (selected by ${traefik.policies.map(p => p.owner).join(", ")}), ` +
            `is compared as the program's Traefik, ${target.namespace}/${labelsText(target.labels)}: the pods of ${subjects} ${subjects === 1 ? "policy" : "policies"} and ${peers} ${peers === 1 ? "peer" : "peers"} that admitted it.`);
    }
    return {
        policies,
        mappings,
        vacuous,
        remainder,
        inRemainder: workload => remainderPolicies.some(p => subjectMatches(p, workload)),
    };
}

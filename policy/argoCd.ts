// Argo CD: where each Application (or every Application an ApplicationSet
// generates) deploys, and the policy that gives each a namespace of its own.

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ARGOCD_IN_CLUSTER, ENFORCEMENT_ANNOTATION, KINDS, PLATFORM_NAMESPACES } from "./definitions";
import { ResourceView, applicationSources, declaredByProgram, isKind, isObject, metaName, objectsOf, readEach, readable, via } from "./readers";

// ---------------------------------------------------------------------------
// Readers

/** Where an Argo CD Application (or every Application an ApplicationSet generates) deploys. */
export interface ArgoDestination {
    /** e.g. `Argo CD Application podinfo`. */
    readonly owner: string;
    /** The destination namespace, when the spec names one. */
    readonly namespace?: string;
    /** An ApplicationSet's namespace filled in per generated Application (`{{...}}`). */
    readonly templated: boolean;
    /** The namespace the Application object lives in: Argo CD's own. */
    readonly argoCdNamespace?: string;
    /** The Application says its policies are staged (ENFORCEMENT_ANNOTATION): no default deny yet, on purpose. */
    readonly staged: boolean;
}

export function argoDestinations(resource: ResourceView): ArgoDestination[] {
    return objectsOf(resource).flatMap((view): ArgoDestination[] => {
        const isApplication = isKind(view, KINDS.application);
        if (!isApplication && !isKind(view, KINDS.applicationSet)) {
            return [];
        }
        const spec = isApplication ? view.props?.spec : view.props?.spec?.template?.spec;
        const namespace = spec?.destination?.namespace;
        const text = typeof namespace === "string" && namespace.trim() !== "" ? namespace.trim() : undefined;
        return [{
            owner: `Argo CD ${isApplication ? "Application" : "ApplicationSet"} ${metaName(view)}${via(view)}`,
            namespace: text,
            templated: text !== undefined && text.includes("{{"),
            argoCdNamespace: view.props?.metadata?.namespace,
            staged: isApplication && view.props?.metadata?.annotations?.[ENFORCEMENT_ANNOTATION] === "staged",
        }];
    });
}

// ---------------------------------------------------------------------------
// Policies

export const argoCdApplicationDestination: ResourceValidationPolicy = {
    name: "argocd-application-destination",
    description:
        "Every Argo CD Application and ApplicationSet names a literal destination namespace of its own: not missing, not generated per Application, not Argo CD's " +
        "own namespace and not a kube-* namespace, so that the namespace's default deny can be checked and the app's pods do not fall under the platform's policies.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const fix = "declare the Application in the stack's applications config, which creates its namespace and its default-deny policies";
        for (const destination of argoDestinations(args)) {
            const namespace = destination.namespace;
            if (namespace === undefined) {
                reportViolation(
                    `${destination.owner} names no destination namespace: its objects land in whatever namespace their manifests name, or default, ` +
                    `none of which the stack has put into default deny. Fix: set spec.destination.namespace to a namespace of its own; ${fix}.`,
                );
            } else if (destination.templated) {
                reportViolation(
                    `${destination.owner} generates its destination namespace (${namespace}) per Application: those namespaces exist only once Argo CD generates them, ` +
                    `so no default deny of the stack covers them and this pack cannot check one. Fix: ${fix}, one per app.`,
                );
            } else if (destination.argoCdNamespace !== undefined && namespace === destination.argoCdNamespace) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, the namespace Argo CD itself runs in: its pods would fall under Argo CD's policies ` +
                    "(the repo server's egress to the internet among them) and sit next to Argo CD's secrets. Fix: give it a namespace of its own; " + `${fix}.`,
                );
            } else if (namespace.startsWith("kube-")) {
                reportViolation(
                    `${destination.owner} deploys into ${namespace}, a namespace of Kubernetes itself (CoreDNS, Cilium, kube-vip run there): its pods would share ` +
                    `their policies. Fix: give it a namespace of its own; ${fix}.`,
                );
            }
        }
    },
};

/** What of an Application (or ApplicationSet) reaches past its destination: the cluster, the object's own namespace, kustomize's namespace, templatePatch. */
interface ArgoReach {
    readonly owner: string;
    readonly name: string;
    readonly namespace?: string;
    readonly objectNamespace?: string;
    readonly server?: string;
    readonly clusterName?: string;
    readonly kustomizeNamespaces: readonly string[];
    readonly templatePatch: boolean;
    readonly isApplication: boolean;
}

function argoReach(resource: ResourceView): ArgoReach[] {
    return objectsOf(resource).flatMap((view): ArgoReach[] => {
        const isApplication = isKind(view, KINDS.application);
        if (!isApplication && !isKind(view, KINDS.applicationSet)) {
            return [];
        }
        const spec = isApplication ? view.props?.spec : view.props?.spec?.template?.spec;
        const destination = isObject(spec?.destination) ? spec.destination : {};
        const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);
        return [{
            owner: `Argo CD ${isApplication ? "Application" : "ApplicationSet"} ${metaName(view)}${via(view)}`,
            name: metaName(view),
            namespace: text(destination.namespace),
            objectNamespace: text(view.props?.metadata?.namespace),
            server: text(destination.server),
            clusterName: text(destination.name),
            kustomizeNamespaces: applicationSources(spec).map(source => text(source.kustomize?.namespace)).filter((n): n is string => n !== undefined),
            templatePatch: !isApplication && text(view.props?.spec?.templatePatch) !== undefined,
            isApplication,
        }];
    });
}

const isPlatformNamespace = (namespace: string) => namespace.startsWith("kube-") || (Object.values(PLATFORM_NAMESPACES) as string[]).includes(namespace);

export const argoCdApplicationBoundaries: StackValidationPolicy = {
    name: "argocd-application-boundaries",
    description:
        "Every Argo CD Application stays inside what the stack's policies cover: it deploys to the cluster Argo CD runs in (" + ARGOCD_IN_CLUSTER.server + "), " +
        `its object lives in Argo CD's namespace (${PLATFORM_NAMESPACES.argoCd}), it deploys into neither ${PLATFORM_NAMESPACES.traefik} nor ${PLATFORM_NAMESPACES.default} nor ` +
        "the namespace of an Application the stack declares (whose pods and Secrets it would share), kustomize.namespace does not move it elsewhere, and no ApplicationSet " +
        "rewrites its Applications with a templatePatch, which no preview can evaluate.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = readable(args.resources);
        const declared = new Map<string, string[]>();
        for (const resource of resources.filter(declaredByProgram)) {
            for (const reach of readEach([resource], argoReach)) {
                if (reach.namespace !== undefined) {
                    declared.set(reach.namespace, [...(declared.get(reach.namespace) ?? []), reach.name]);
                }
            }
        }
        const fix = "Fix: declare the Application in the stack's applications config, which gives it a namespace of its own with its policies.";
        for (const resource of resources) {
            const mine = declaredByProgram(resource);
            for (const reach of readEach([resource], argoReach)) {
                if ((reach.server !== undefined && reach.server !== ARGOCD_IN_CLUSTER.server) || (reach.clusterName !== undefined && reach.clusterName !== ARGOCD_IN_CLUSTER.name)) {
                    reportViolation(`${reach.owner} deploys to ${reach.server ?? `the cluster named ${reach.clusterName}`}, not to the cluster Argo CD runs in (${ARGOCD_IN_CLUSTER.server}): no policy of this stack covers what it deploys there. Fix: set spec.destination.server to ${ARGOCD_IN_CLUSTER.server}.`);
                }
                if (reach.isApplication && reach.objectNamespace === undefined) {
                    reportViolation(`${reach.owner} has no metadata.namespace, so the provider puts it in its default namespace, where Argo CD (in ${PLATFORM_NAMESPACES.argoCd}) does not read Applications. Fix: set metadata.namespace to ${PLATFORM_NAMESPACES.argoCd}.`);
                }
                const namespace = reach.namespace;
                if (namespace !== undefined && (namespace === PLATFORM_NAMESPACES.traefik || namespace === PLATFORM_NAMESPACES.default)) {
                    reportViolation(`${reach.owner} deploys into ${namespace}, a namespace of the platform: its pods would fall under ${namespace === PLATFORM_NAMESPACES.traefik ? "Traefik's policies, which let the LAN in" : "no policy of the stack"}. ${fix}`);
                }
                const owners = namespace === undefined ? [] : [...new Set(declared.get(namespace) ?? [])].filter(name => name !== reach.name).sort();
                if (!mine && owners.length > 0) {
                    reportViolation(`${reach.owner} deploys into namespace ${namespace}, which belongs to the stack's Application${owners.length === 1 ? "" : "s"} ${owners.join(", ")}: its pods would share their policies and could mount their Secrets. ${fix}`);
                }
                for (const moved of reach.kustomizeNamespaces.filter(n => n !== namespace)) {
                    reportViolation(`${reach.owner} sets kustomize.namespace ${moved}, which moves its objects out of its destination namespace ${namespace ?? "(none)"}${isPlatformNamespace(moved) ? ", into a namespace of the platform" : ""}. Fix: drop kustomize.namespace and let spec.destination.namespace decide.`);
                }
                if (reach.templatePatch) {
                    reportViolation(`${reach.owner} has a templatePatch, which rewrites each generated Application (its namespace and destination included) in ways no preview can evaluate. Fix: drop templatePatch; declare each Application in the stack's applications config.`);
                }
            }
        }
    },
};

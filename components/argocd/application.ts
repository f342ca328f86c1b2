import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ApplicationSpec } from "../../config/applications";
import { ENFORCEMENT_ANNOTATION, KINDS, WORKLOADS_ANNOTATION } from "../../policy/definitions";
import { NetworkComponent } from "../component";
import type { WorkloadPolicy } from "../network-policy/policy";
import { NetworkPolicySet, ciliumNetworkPolicy } from "../network-policy/policySet";
import { FIXED_SYNC_OPTIONS } from "../../config/syncOptions";
import { ARGOCD } from "./names";

/**
 * What @pulumi/kubernetes waits for before an Application counts as created,
 * when other Applications depend on it: Argo CD reports it Healthy.
 */
export const HEALTH_WAIT = {
    annotation: "pulumi.com/waitFor",
    value: "jsonpath={.status.health.status}=Healthy",
    timeoutAnnotation: "pulumi.com/timeoutSeconds",
    /** A first sync pulls images and charts: 20 minutes. */
    timeoutSeconds: "1200",
} as const;

/** The Applications in an order in which each comes after those it depends on (config order otherwise). */
export function creationOrder<T extends Pick<ApplicationSpec, "name" | "sync">>(specs: readonly T[]): T[] {
    const byName = new Map(specs.map(s => [s.name, s]));
    const done = new Set<string>();
    const order: T[] = [];
    const visit = (spec: T, path: Set<string>) => {
        if (done.has(spec.name) || path.has(spec.name)) {
            return;
        }
        path.add(spec.name);
        for (const other of spec.sync.dependsOn) {
            const target = byName.get(other);
            if (target !== undefined) {
                visit(target, path);
            }
        }
        done.add(spec.name);
        order.push(spec);
    };
    for (const spec of specs) {
        visit(spec, new Set());
    }
    return order;
}

/**
 * The Application object Argo CD syncs, pointed at a namespace this program
 * owns. `awaited`: other Applications wait until it is Healthy.
 */
export function applicationManifest(spec: ApplicationSpec, awaited = false) {
    const source: Record<string, unknown> = { repoURL: spec.repoURL, targetRevision: spec.targetRevision };
    if (spec.chart !== undefined) {
        source.chart = spec.chart;
    } else {
        source.path = spec.path;
    }
    if (spec.helmValues !== undefined) {
        source.helm = { valuesObject: spec.helmValues };
    }
    const declared = spec.workloads.filter(w => !w.wholeNamespace).map(w => ({ name: w.name, selector: w.selector }));
    const annotations: Record<string, string> = {
        ...(declared.length === 0 ? {} : { [WORKLOADS_ANNOTATION]: JSON.stringify(declared) }),
        // Staged on purpose, so the pack does not take the open namespace for a forgotten default deny.
        ...(spec.enforcement === "staged" ? { [ENFORCEMENT_ANNOTATION]: "staged" } : {}),
        ...(awaited ? { [HEALTH_WAIT.annotation]: HEALTH_WAIT.value, [HEALTH_WAIT.timeoutAnnotation]: HEALTH_WAIT.timeoutSeconds } : {}),
    };
    return {
        ...KINDS.application,
        metadata: {
            name: spec.name,
            namespace: ARGOCD.namespace,
            // The workloads the stack declares, so a policy pack can check each has its policy.
            ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
            // Deleting the Application deletes what Argo CD deployed for it.
            finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
            project: "default",
            source,
            destination: { server: ARGOCD.inClusterServer, namespace: spec.namespace },
            syncPolicy: {
                automated: { prune: true, selfHeal: true },
                // The namespace (and its policies) is created here, before Argo CD syncs into it.
                syncOptions: [...FIXED_SYNC_OPTIONS, ...spec.sync.options],
            },
            ...(spec.sync.ignoreDifferences.length === 0 ? {} : { ignoreDifferences: spec.sync.ignoreDifferences.map(d => ({ ...d })) }),
        },
    };
}

const ARGOCD_APPLICATION_TYPE = "homelab:network:ArgoCdApplication";

export interface ApplicationNamespaceArgs {
    readonly namespace: string;
    /** The Applications that deploy into it, in config order. */
    readonly applications: readonly string[];
    /** Its baseline: default deny, DNS. */
    readonly policies: readonly WorkloadPolicy[];
    /** The wait for the Cilium operator's CRDs (CiliumNetworkPolicy). */
    readonly ciliumCrds: pulumi.Resource;
}

/**
 * A namespace that Applications deploy into, with its baseline policies,
 * created once however many Applications share it.
 */
export class ApplicationNamespace extends NetworkComponent {
    public readonly name: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: ApplicationNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:ApplicationNamespace", name, opts);
        // Stacks deployed before namespaces could be shared created each
        // namespace, with its default deny and DNS policies, inside its one
        // Application's component. These aliases adopt those objects instead
        // of creating them anew and deleting the old ones, which would delete
        // the namespace with everything Argo CD deployed into it.
        const formerOwner = pulumi.createUrn(`app-${args.applications[0]}`, ARGOCD_APPLICATION_TYPE);
        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: {
                name: args.namespace,
                // A label value holds one name: the Applications are listed in an annotation.
                labels: { "app.kubernetes.io/managed-by": "pulumi" },
                annotations: { "homelab-network/applications": args.applications.join(",") },
            },
        }, this.childOptions([], { aliases: [{ name: `app-${args.applications[0]}-ns`, parent: formerOwner }] }));
        // Children named after their set inherit its alias: <set>-default-deny.
        const baseline = new NetworkPolicySet(`${name}-baseline`, { policies: args.policies }, {
            ...this.childOptions([namespace, args.ciliumCrds]),
            aliases: [{ name: `app-${args.applications[0]}-policies`, parent: formerOwner }],
        });
        this.name = namespace.metadata.name;
        this.ready = [namespace, baseline];
        this.registerOutputs({ name: this.name });
    }
}

export interface ArgoCdApplicationArgs {
    readonly spec: ApplicationSpec;
    /** Its workloads' policies, derived from the connections of every Application. */
    readonly policies: readonly WorkloadPolicy[];
    /** The namespace it deploys into, with its baseline. */
    readonly namespace: ApplicationNamespace;
    /** Argo CD's release: its chart installs the Application CRD. */
    readonly argoCd: pulumi.Resource;
    /** The wait for the Cilium operator's CRDs (CiliumNetworkPolicy). */
    readonly ciliumCrds: pulumi.Resource;
    /** The Applications it depends on (each waits for its health when created). */
    readonly after?: readonly ArgoCdApplication[];
    /** Whether other Applications depend on this one. */
    readonly awaited?: boolean;
}

/**
 * One Argo CD Application with its workloads' CiliumNetworkPolicies. The
 * policies exist before Argo CD syncs the first pod into the namespace.
 */
export class ArgoCdApplication extends NetworkComponent {
    public readonly namespace: pulumi.Output<string>;
    public readonly policyNames: pulumi.Output<string[]>;
    /** The Application object. */
    public readonly application: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ArgoCdApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ARGOCD_APPLICATION_TYPE, name, opts);
        // Children of this component (a stack holds hundreds of them), named
        // <name>-workloads-<policy>: <name>-policies now belongs, by alias, to
        // the namespace's baseline.
        const policies = args.policies.map(policy => ciliumNetworkPolicy(`${name}-workloads`, policy, this.childOptions([...args.namespace.ready, args.ciliumCrds])));
        this.application = new k8s.apiextensions.CustomResource(`${name}-app`, applicationManifest(args.spec, args.awaited === true),
            this.childOptions([args.argoCd, ...args.namespace.ready, ...policies, ...(args.after ?? []).map(a => a.application)]));
        this.namespace = args.namespace.name;
        this.policyNames = pulumi.output(policies.map(p => p.metadata.name));
        this.registerOutputs({ namespace: this.namespace, policyNames: this.policyNames });
    }
}

// What the pack cannot see at preview time: values in files, charts Helm
// renders only when it installs, manifests in files, variables set through
// valueFrom, values unknown until apply, and components whose rendered objects
// are not in the run. Both policies are advisory and name the resource.

import { ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import { CHARTS, KINDS, KUBE_VIP_CONTAINER, RENDERING_COMPONENTS, TYPES, kindOfToken } from "./definitions";
import { ResourceView, applicationSources, helmSources, isKind, isObject, parseYamlObject, readEach, yamlTexts } from "./readers";
import { externalIpClaims, loadBalancerServices } from "./addresses";
import { argoDestinations } from "./argoCd";
import { ciliumConfigs } from "./cilium";
import { isolation } from "./isolation";
import { kubeVipInstances, kubeVipPools } from "./kubeVip";
import { secondAllocators } from "./pools";
import { kustomizeLoadBalancers } from "./kustomizeFiles";
import { valueFilesOf } from "./valueFiles";
// ---------------------------------------------------------------------------
// Readers

/** Charts whose rendered Services the pack knows from their values alone, or refuses outright (MetalLB). */
const KNOWN_CHARTS: readonly string[] = [CHARTS.traefik, CHARTS.cilium, CHARTS.argoCd, CHARTS.kubeVip, CHARTS.metallb];

function nonEmpty(value: unknown): boolean {
    return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== "";
}

/**
 * Why part of a resource's address claims cannot be checked at preview time,
 * as sentences that follow the resource's name: values in files, a chart
 * Helm renders only when it installs, manifests in files, variables set
 * through valueFrom. Empty when the pack sees everything it needs.
 */
export function unseenShapes(resource: ResourceView): string[] {
    const props = resource.props ?? {};
    const reasons: string[] = [];
    if (resource.type === TYPES.release || resource.type === TYPES.chartV4) {
        const [source] = helmSources(resource);
        if (nonEmpty(props.valueYamlFiles)) {
            const files = valueFilesOf(props);
            const unread = files === undefined
                ? [`valueYamlFiles (${Array.isArray(props.valueYamlFiles) ? props.valueYamlFiles.length : 1}), which were not read`]
                : files.flatMap((file, i) => (file.problem === undefined ? [] : [`valueYamlFiles[${i}] ${file.name}, which ${file.problem}`]));
            for (const file of unread) {
                reasons.push(`takes values from ${file}: any address it pins, any Service type it sets, any Cilium or kube-vip setting it changes goes unchecked. Fix: make the file readable from the program's folder, or pass those values inline in values`);
            }
        }
        if (resource.type === TYPES.release && (source.chart === undefined || !KNOWN_CHARTS.includes(source.chart))) {
            const where = typeof props.chart === "string" && /^(oci|https?|file):\/\//.test(props.chart) ? ` from ${props.chart}` : "";
            reasons.push(
                `installs chart ${source.chart ?? "(none named)"}${where}, which Helm renders only when it installs, never in a preview: the pack checked the addresses written in its values, ` +
                "not the Services the chart's own defaults create (a LoadBalancer among them takes a pool address the capacity check cannot count). " +
                "Fix: set the chart's Service types and addresses explicitly in values, and check its output with helm template",
            );
        }
    }
    if (isKind(resource, KINDS.application) || isKind(resource, KINDS.applicationSet)) {
        const spec = isKind(resource, KINDS.application) ? props.spec : props.spec?.template?.spec;
        for (const source of applicationSources(spec)) {
            const helm = isObject(source.helm) ? source.helm : {};
            if (nonEmpty(helm.valueFiles) || nonEmpty(helm.fileParameters)) {
                reasons.push(`takes Helm values from files in its repository (${[...(Array.isArray(helm.valueFiles) ? helm.valueFiles : []), ...(Array.isArray(helm.fileParameters) ? helm.fileParameters.map((p: any) => p?.path) : [])].join(", ")}), which the pack cannot read: any address they pin goes unchecked. Fix: put the Service settings in helm.valuesObject`);
            }
            if (typeof helm.values === "string" && parseYamlObject(helm.values) === undefined) {
                reasons.push("has helm.values that are not a YAML map, so the pack cannot read the addresses in them. Fix: write them as helm.valuesObject");
            }
        }
    }
    if (resource.type === TYPES.configGroupV2) {
        if (nonEmpty(props.files)) {
            reasons.push(`reads manifests from files (${(Array.isArray(props.files) ? props.files : [props.files]).join(", ")}), which the pack cannot read before the provider renders them. Fix: check the rendered objects in a pulumi preview, or declare them inline in objs`);
        }
        for (const text of yamlTexts(props.yaml)) {
            const broken = parseAllDocuments(text).find(d => d.errors.length > 0);
            if (broken !== undefined) {
                reasons.push(`has yaml the pack cannot parse (${broken.errors[0].message.split("\n")[0]}), so its objects go unchecked. Fix: correct the YAML`);
            }
        }
    }
    const kustomize = resource.type === TYPES.kustomizeDirectoryV2 && typeof props.directory === "string"
        ? kustomizeLoadBalancers(props.directory, typeof props.namespace === "string" ? props.namespace : undefined)
        : undefined;
    for (const service of kustomize?.services ?? []) {
        const pinned = service.pinned.length === 0 ? "" : `, pinning ${service.pinned.join(", ")}`;
        reasons.push(`renders the LoadBalancer Service ${service.service} (${service.file})${pinned}, which the pack checks only once the provider renders it, with the directory's patches applied. Fix: check it in a pulumi preview`);
    }
    if (kustomize !== undefined && kustomize.unread.length > 0) {
        reasons.push(`also renders what the pack does not read or apply before the provider renders it (${kustomize.unread.join("; ")}). Fix: check the rendered objects in a pulumi preview`);
    }
    if (resource.type === TYPES.configFileV2 || (resource.type === TYPES.kustomizeDirectoryV2 && kustomize === undefined)) {
        reasons.push(`reads manifests from ${props.file ?? props.directory ?? "files"}, which the pack cannot read before the provider renders them. Fix: check the rendered objects in a pulumi preview`);
    }
    for (const instance of kubeVipInstances(resource)) {
        const hidden = instance.unseenEnv.filter(name => [...KUBE_VIP_CONTAINER.addressEnv, KUBE_VIP_CONTAINER.controlPlaneEnv].includes(name as never));
        if (hidden.length > 0) {
            reasons.push(`sets kube-vip's ${hidden.join(", ")} through valueFrom, which the pack cannot read: the VIP it advertises goes unchecked. Fix: set the value inline`);
        }
    }
    return reasons;
}

/** How a resource is named in an advisory. */
export function describeResource(resource: ResourceView): string {
    const kind = kindOfToken(resource.type);
    if (resource.type === TYPES.release || resource.type === TYPES.chartV4) {
        return helmSources(resource)[0].owner;
    }
    const short: Record<string, string> = {
        [TYPES.configGroupV2]: "yaml.v2.ConfigGroup", [TYPES.configFileV2]: "yaml.v2.ConfigFile",
        [TYPES.kustomizeDirectoryV2]: "kustomize.v2.Directory", [TYPES.chartV3]: "helm.v3.Chart",
        [TYPES.configGroupV1]: "yaml.ConfigGroup", [TYPES.configFileV1]: "yaml.ConfigFile",
    };
    if (short[resource.type] !== undefined) {
        return `${short[resource.type]} ${resource.name}`;
    }
    if (kind !== undefined) {
        const namespace = resource.props?.metadata?.namespace;
        return `${kind.kind} ${namespace === undefined ? "" : `${namespace}/`}${resource.props?.metadata?.name ?? resource.name}`;
    }
    return `${resource.type} ${resource.name}`;
}

// ---------------------------------------------------------------------------
// Policies

/** What the live audit (homelab-network audit, which pulumi up runs after deploying) checks of what a preview cannot see. */
const AUDIT_CHECKS =
    "Once deployed, the live audit (homelab-network audit, run by pulumi up) checks what it renders: every owned address held only by its owner's Service, " +
    "no LoadBalancer address outside the pool or pinned by nobody's declaration, no policy letting the LAN in on a port nobody owns";

export const loadBalancerAddressesUnseen: ResourceValidationPolicy = {
    name: "loadbalancer-addresses-unseen",
    description:
        "Says which resources declare addresses or network settings the pack cannot see at preview time: Helm values in files it cannot read (a valueYamlFiles " +
        "entry that is missing, not a YAML map or remote; an Application's valueFiles), a chart Helm renders only when it installs, manifests in files, kube-vip variables set through valueFrom, values unknown until apply.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        let name = args.name;
        try {
            name = describeResource(args);
            for (const reason of unseenShapes(args)) {
                reportViolation(`${name} ${reason}. ${AUDIT_CHECKS}`);
            }
            // Read everything the mandatory policies read: an unknown value surfaces here, named.
            for (const read of [loadBalancerServices, externalIpClaims, kubeVipInstances, kubeVipPools, ciliumConfigs, argoDestinations, secondAllocators, isolation]) {
                JSON.stringify(read(args));
            }
        } catch (error) {
            if (!(error instanceof UnknownValueError)) {
                throw error;
            }
            reportViolation(
                `${name} has a value the preview cannot know (${(error as Error).message}): the addresses and network settings that depend on it are checked only once it is known. ` +
                "Fix: write the address or setting as a literal, not as another resource's output.",
            );
        }
    },
};

export const renderedObjectsUnseen: StackValidationPolicy = {
    name: "rendered-objects-unseen",
    description:
        "Says which components (helm.v4.Chart, yaml.v2.ConfigGroup and ConfigFile, kustomize.v2.Directory, helm.v3.Chart) have none of their rendered objects " +
        "in this run, so that the Services, ConfigMaps and policies inside them were checked only as far as their inputs show.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const parents = new Set(args.resources.map(r => r.parent?.urn).filter((urn): urn is string => urn !== undefined));
        for (const resource of args.resources.filter(r => RENDERING_COMPONENTS.includes(r.type) && !parents.has(r.urn))) {
            const read = resource.type === TYPES.chartV4 ? "its values" : resource.type === TYPES.configGroupV2 ? "its objs and yaml" : "nothing of its manifests";
            reportViolation(
                `${readEach([resource], r => [describeResource(r)])[0] ?? resource.name}: its objects are rendered into resources of their own, and none is in this run ` +
                `(the offline plan's mocks render no component), so the pack checked ${read} only. Fix: run pulumi preview with the policy pack, which checks each rendered object. ${AUDIT_CHECKS}.`,
                resource.urn,
            );
        }
    },
};

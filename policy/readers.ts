// What every area of the pack reads the same way: a resource or the objects a
// component declares inline, their names and kinds, the Helm values a release,
// a helm.v4.Chart or an Argo CD Application hands to a chart, Go's ways of
// reading booleans, and the stack's resources as the stack policies walk them.
// Pure functions of resource props; each area's file (policies.ts lists them)
// builds its readers on these.

import { PolicyResource, UnknownValueError } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import { KINDS, Kind, PROGRAM_COMPONENT_TYPE_PREFIX, RENDERING_COMPONENTS, TYPES, kindOfToken, typeToken } from "./definitions";
import { mergeValues, valueFilesOf } from "./valueFiles";

/** The two directions of a network policy rule. */
export type Direction = "ingress" | "egress";
export const DIRECTIONS: readonly Direction[] = ["ingress", "egress"];

export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, any>;
}

/** A Kubernetes object the pack reads: a resource, or an object inside a component's inputs (`via` names the component). */
export interface ObjectView extends ResourceView {
    readonly via?: string;
}

export const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);

export function metaName(view: ResourceView): string {
    return view.props?.metadata?.name ?? view.name;
}

export function metaNamespace(view: ResourceView, fallback = "default"): string {
    return view.props?.metadata?.namespace ?? fallback;
}

export function via(view: ObjectView): string {
    return view.via === undefined ? "" : ` (in ${view.via})`;
}

// ---------------------------------------------------------------------------
// Objects inside components

/** The objects a yaml.v2.ConfigGroup declares inline (`objs`, `yaml`); unreadable YAML is reported by {@link unseenShapes}. */
function configGroupObjects(resource: ResourceView): ObjectView[] {
    const component = `yaml.v2.ConfigGroup ${resource.name}`;
    const objects: unknown[] = [];
    const objs = resource.props?.objs;
    objects.push(...(Array.isArray(objs) ? objs : objs === undefined ? [] : [objs]));
    for (const text of yamlTexts(resource.props?.yaml)) {
        for (const document of parseAllDocuments(text)) {
            if (document.errors.length === 0) {
                objects.push(document.toJSON());
            }
        }
    }
    const flat = objects.flatMap(o => (isObject(o) && typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items) ? o.items : [o]));
    return flat
        .filter((o): o is Record<string, any> => isObject(o) && typeof o.apiVersion === "string" && typeof o.kind === "string")
        .map(o => ({ type: typeToken({ apiVersion: o.apiVersion, kind: o.kind }), name: `${resource.name}:${o.kind}/${o.metadata?.name ?? "?"}`, props: o, via: component }));
}

export function yamlTexts(value: unknown): string[] {
    return (Array.isArray(value) ? value : [value]).filter((t): t is string => typeof t === "string");
}

/** The resource itself, or the objects a component declares in its inputs. */
export function objectsOf(resource: ResourceView): ObjectView[] {
    return resource.type === TYPES.configGroupV2 ? configGroupObjects(resource) : [resource];
}

export function isKind(view: ResourceView, kind: Kind): boolean {
    return view.type === typeToken(kind);
}

export function groupKind(view: ResourceView): { group: string; kind: string } | undefined {
    return kindOfToken(view.type);
}

// ---------------------------------------------------------------------------
// Helm: charts by name, values of releases, charts and Applications

/**
 * A chart reference's name, as the policies compare it: `cilium`,
 * `cilium/cilium`, `oci://quay.io/cilium/charts/cilium:1.19.6`,
 * `https://…/cilium-1.19.6.tgz` and `./charts/cilium` are all `cilium`.
 */
export function chartName(reference: unknown): string | undefined {
    if (typeof reference !== "string" || reference.trim() === "") {
        return undefined;
    }
    let last = reference.trim().replace(/\/+$/, "").split("/").pop()!;
    last = last.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^:]+$/, "").replace(/\.tgz$/, "");
    return last.replace(/-v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$/, "");
}

/** Where a set of Helm values comes from. */
export interface HelmSource {
    /** e.g. `Helm release kube-system/cilium (chart cilium)`. */
    readonly owner: string;
    /** The Argo CD Application whose source it is (not an ApplicationSet's), so a reservation it holds lets its Services pin the address. */
    readonly application?: string;
    readonly release: string;
    readonly namespace: string;
    readonly chart?: string;
    /** The chart's version as the resource pins it (an Application's targetRevision), when it says. */
    readonly version?: string;
    readonly values: Record<string, any>;
    readonly kind: "release" | "chart" | "application";
}

/** Sets `a.b\.c.d[0]` in an object, as Argo CD's helm.parameters and Helm's --set name it. */
function setPath(target: Record<string, any>, path: string, value: unknown): void {
    const keys = path.split(/(?<!\\)\./).map(k => k.replace(/\\\./g, "."));
    let node = target;
    keys.forEach((key, index) => {
        const match = /^(.*)\[(\d+)\]$/.exec(key);
        const last = index === keys.length - 1;
        if (match !== null) {
            const list = Array.isArray(node[match[1]]) ? node[match[1]] : (node[match[1]] = []);
            if (last) {
                list[Number(match[2])] = value;
            } else {
                node = isObject(list[Number(match[2])]) ? list[Number(match[2])] : (list[Number(match[2])] = {});
            }
        } else if (last) {
            node[key] = value;
        } else {
            node = isObject(node[key]) ? node[key] : (node[key] = {});
        }
    });
}

/** A plain copy, read through property access (props may be proxies that flag unknown values, which structuredClone refuses). */
function deepCopy(value: unknown): any {
    if (Array.isArray(value)) {
        return value.map(deepCopy);
    }
    if (isObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
    }
    return value;
}

export function parseYamlObject(text: string): Record<string, any> | undefined {
    const documents = parseAllDocuments(text);
    if (documents.length === 0) {
        return {};
    }
    const first = documents[0];
    if (first.errors.length > 0) {
        return undefined;
    }
    const value = first.toJSON();
    return isObject(value) ? value : value === null ? {} : undefined;
}

/** An Argo CD source's Helm values: `values` (YAML text), then `valuesObject` over it, then `parameters`. */
function applicationSourceValues(helm: Record<string, any>): Record<string, any> {
    const values: Record<string, any> = {};
    if (typeof helm.values === "string") {
        Object.assign(values, parseYamlObject(helm.values) ?? {});
    } else if (isObject(helm.values)) {
        Object.assign(values, deepCopy(helm.values));
    }
    if (isObject(helm.valuesObject)) {
        Object.assign(values, deepCopy(helm.valuesObject));
    }
    for (const parameter of Array.isArray(helm.parameters) ? helm.parameters : []) {
        if (isObject(parameter) && typeof parameter.name === "string") {
            setPath(values, parameter.name, parameter.value);
        }
    }
    return values;
}

export function applicationSources(spec: Record<string, any> | undefined): Array<Record<string, any>> {
    if (!isObject(spec)) {
        return [];
    }
    return [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])].filter(isObject);
}

/** A release's values: its valueYamlFiles as read (valueFiles.ts), each over the one before, then `values` over them. */
function releaseValues(props: Record<string, any>): Record<string, any> {
    const values = isObject(props.values) ? props.values : {};
    const files = (valueFilesOf(props) ?? []).flatMap(file => (file.values === undefined ? [] : [file.values]));
    return files.length === 0 ? values : mergeValues(files.reduce(mergeValues, {}), deepCopy(values));
}

/** The Helm values a resource hands to a chart: a Release, a helm.v4.Chart, or an Argo CD Application's Helm sources. */
export function helmSources(resource: ResourceView): HelmSource[] {
    const props = resource.props ?? {};
    if (resource.type === TYPES.release || resource.type === TYPES.chartV4) {
        const release = typeof props.name === "string" ? props.name : resource.name;
        const namespace = typeof props.namespace === "string" ? props.namespace : "default";
        const chart = chartName(props.chart);
        const what = resource.type === TYPES.release ? "Helm release" : "helm.v4.Chart";
        return [{
            owner: `${what} ${namespace}/${release}${chart === undefined ? "" : ` (chart ${chart})`}`,
            release, namespace, chart,
            ...(typeof props.version === "string" ? { version: props.version } : {}),
            values: releaseValues(props),
            kind: resource.type === TYPES.release ? "release" : "chart",
        }];
    }
    const isApplication = isKind(resource, KINDS.application);
    if (isApplication || isKind(resource, KINDS.applicationSet)) {
        const spec = isApplication ? props.spec : props.spec?.template?.spec;
        const name = metaName(resource);
        const what = isApplication ? "Argo CD Application" : "Argo CD ApplicationSet";
        const namespace = typeof spec?.destination?.namespace === "string" ? spec.destination.namespace : "default";
        return applicationSources(spec).filter(source => isObject(source.helm) || source.chart !== undefined).map(source => {
            const helm = isObject(source.helm) ? source.helm : {};
            return {
                owner: `${what} ${name}`,
                ...(isApplication ? { application: name } : {}),
                release: typeof helm.releaseName === "string" ? helm.releaseName : name,
                namespace,
                chart: chartName(source.chart ?? source.path),
                ...(typeof source.chart === "string" && typeof source.targetRevision === "string" ? { version: source.targetRevision } : {}),
                values: applicationSourceValues(helm),
                kind: "application" as const,
            };
        });
    }
    return [];
}

/** Go template truth, as a chart's `{{ if .Values.x }}` reads a value: false, 0, "" and empty collections are false. */
export function goTruthy(value: unknown): boolean {
    if (Array.isArray(value)) {
        return value.length > 0;
    }
    if (isObject(value)) {
        return Object.keys(value).length > 0;
    }
    return value !== undefined && value !== null && value !== false && value !== 0 && value !== "";
}

export function isNamedConfigMap(view: ResourceView, target: { name: string; namespace: string }): boolean {
    const isConfigMap = isKind(view, KINDS.configMap) || view.type === TYPES.configMapPatch;
    return isConfigMap && metaName(view) === target.name && metaNamespace(view) === target.namespace && view.props?.metadata?.name !== undefined;
}

/** Runs a reader over each resource, skipping those whose props hold a value the preview cannot know (the advisory policy names them). */
export function readEach<T>(resources: readonly ResourceView[], read: (resource: ResourceView) => T[]): T[] {
    const found: T[] = [];
    for (const resource of resources) {
        try {
            found.push(...read(resource));
        } catch (error) {
            if (!(error instanceof UnknownValueError)) {
                throw error;
            }
        }
    }
    return found;
}

/** The stack's resources the readers look at: a component whose objects are rendered as children is read through them, not twice. */
export function readable(resources: readonly PolicyResource[]): PolicyResource[] {
    const parents = new Set(resources.map(r => r.parent?.urn).filter((urn): urn is string => urn !== undefined));
    return resources.filter(r => !(RENDERING_COMPONENTS.includes(r.type) && parents.has(r.urn)));
}

/** Whether the program itself declared a resource (its generated policies, its Applications): its URN's type chain runs through one of the program's components. */
export function declaredByProgram(resource: { readonly urn: string }): boolean {
    return (resource.urn.split("::")[2] ?? "").split("$").some(type => type.startsWith(PROGRAM_COMPONENT_TYPE_PREFIX));
}

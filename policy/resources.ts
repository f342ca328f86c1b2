// What the policies read from resources: the addresses Services claim (on
// Services and patches, in the values of Helm releases and charts of any
// chart, in Argo CD Applications, in the objects of a yaml.v2.ConfigGroup),
// kube-vip's settings and pools, Cilium's settings (chart values or its
// ConfigMap), network policies, Argo CD destinations, second allocators, and
// the shapes the pack cannot see at preview time. Pure functions of resource
// props.

import { parseAllDocuments } from "yaml";
import {
    CHARTS,
    CILIUM_CHART_DEFAULT_POD_CIDRS,
    CILIUM_CONFIG_MAP,
    CILIUM_NAMESPACE_LABELS,
    KINDS,
    KUBE_VIP,
    KUBE_VIP_LOADBALANCER_CLASS,
    KUBE_VIP_POOL_CONFIG_MAP,
    Kind,
    LOADBALANCER_IPS_ANNOTATION,
    SECOND_ALLOCATOR_KINDS,
    TYPES,
    kindOfToken,
    typeToken,
} from "./definitions";

export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, any>;
}

/** A Kubernetes object the pack reads: a resource, or an object inside a component's inputs (`via` names the component). */
export interface ObjectView extends ResourceView {
    readonly via?: string;
}

const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);

function metaName(view: ResourceView): string {
    return view.props?.metadata?.name ?? view.name;
}

function metaNamespace(view: ResourceView, fallback = "default"): string {
    return view.props?.metadata?.namespace ?? fallback;
}

function via(view: ObjectView): string {
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

function yamlTexts(value: unknown): string[] {
    return (Array.isArray(value) ? value : [value]).filter((t): t is string => typeof t === "string");
}

/** The resource itself, or the objects a component declares in its inputs. */
export function objectsOf(resource: ResourceView): ObjectView[] {
    return resource.type === TYPES.configGroupV2 ? configGroupObjects(resource) : [resource];
}

function isKind(view: ResourceView, kind: Kind): boolean {
    return view.type === typeToken(kind);
}

function groupKind(view: ResourceView): { group: string; kind: string } | undefined {
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
    /** Names a reservation's owner may end with, e.g. `Application podinfo`. */
    readonly identities: readonly string[];
    readonly release: string;
    readonly namespace: string;
    readonly chart?: string;
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

function parseYamlObject(text: string): Record<string, any> | undefined {
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

function applicationSources(spec: Record<string, any> | undefined): Array<Record<string, any>> {
    if (!isObject(spec)) {
        return [];
    }
    return [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])].filter(isObject);
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
            identities: [`${what} ${release}`, `${what} ${namespace}/${release}`, `Release ${release}`],
            release, namespace, chart,
            values: isObject(props.values) ? props.values : {},
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
                identities: [`${isApplication ? "Application" : "ApplicationSet"} ${name}`],
                release: typeof helm.releaseName === "string" ? helm.releaseName : name,
                namespace,
                chart: chartName(source.chart ?? source.path),
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

/** Go's strconv.ParseBool, which kube-vip and Cilium's agent read their flags with; undefined when it would fail. */
export function parseGoBool(value: unknown): boolean | undefined {
    if (typeof value === "boolean") {
        return value;
    }
    const text = String(value);
    if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) {
        return true;
    }
    if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) {
        return false;
    }
    return undefined;
}

// ---------------------------------------------------------------------------
// Addresses Services claim

/** A LoadBalancer Service (or what will render one), declared directly, patched, or inside Helm values. */
export interface LoadBalancerService {
    /** e.g. `Service traefik/traefik-vip239 (from Helm release traefik)`. */
    readonly owner: string;
    readonly namespace: string;
    /** Addresses it pins; empty when it lets the cloud provider choose. */
    readonly pinned: readonly string[];
    /** Names a reservation's owner may end with: `Service <name>`, `Service <ns>/<name>`, `Application <name>`. */
    readonly identities: readonly string[];
    /** `<namespace>/<name>` of the Service, when known, so a patch and its Service count once. */
    readonly service?: string;
    /** A patch of a Service declared elsewhere. */
    readonly patch?: boolean;
}

/** Addresses listed in a Service's spec.externalIPs, wherever it is declared. */
export interface ExternalIpClaim {
    readonly owner: string;
    readonly addresses: readonly string[];
}

function splitAddresses(value: unknown): string[] {
    if (Array.isArray(value)) {
        return value.flatMap(splitAddresses);
    }
    return typeof value === "string" ? value.split(",").map(a => a.trim()).filter(a => a !== "") : [];
}

function pinnedOf(annotations: unknown, loadBalancerIP: unknown): string[] {
    const annotated = splitAddresses(isObject(annotations) ? annotations[LOADBALANCER_IPS_ANNOTATION] : undefined);
    // The cloud provider copies the deprecated spec.loadBalancerIP into the annotation.
    return annotated.length > 0 ? annotated : splitAddresses(loadBalancerIP);
}

/** A Service of another loadBalancerClass is left alone by kube-vip and its cloud provider. */
function foreignClass(loadBalancerClass: unknown): boolean {
    return typeof loadBalancerClass === "string" && loadBalancerClass !== "" && loadBalancerClass !== KUBE_VIP_LOADBALANCER_CLASS;
}

/** The Service fields of a values node, read from the node or its `spec` (Traefik chart 40+). */
interface ServiceShape {
    readonly type?: unknown;
    readonly loadBalancerClass?: unknown;
    readonly pinned: string[];
    readonly externalIPs: string[];
    readonly enabled: boolean;
    readonly relevant: boolean;
}

function serviceShape(node: Record<string, any>): ServiceShape {
    const spec = isObject(node.spec) ? node.spec : {};
    const pinned = pinnedOf(node.annotations ?? spec.annotations, spec.loadBalancerIP ?? node.loadBalancerIP ?? spec.loadBalancerIPs ?? node.loadBalancerIPs);
    const externalIPs = splitAddresses(spec.externalIPs ?? node.externalIPs);
    const type = spec.type ?? node.type;
    return {
        type,
        loadBalancerClass: spec.loadBalancerClass ?? node.loadBalancerClass,
        pinned,
        externalIPs,
        enabled: node.enabled !== false,
        relevant: pinned.length > 0 || externalIPs.length > 0 || type === "LoadBalancer",
    };
}

/** Service objects: Services, ServicePatches, and those inside a ConfigGroup. */
function objectServices(view: ObjectView): LoadBalancerService[] {
    const isService = isKind(view, KINDS.service);
    const isPatch = view.type === TYPES.servicePatch;
    if (!isService && !isPatch) {
        return [];
    }
    const props = view.props ?? {};
    const namespace = metaNamespace(view);
    const name = metaName(view);
    const pinned = pinnedOf(props.metadata?.annotations, props.spec?.loadBalancerIP);
    const type = props.spec?.type;
    // A patch that pins an address patches a LoadBalancer Service, whatever it leaves of the type.
    const loadBalancer = type === "LoadBalancer" || (isPatch && type === undefined && pinned.length > 0);
    if (!loadBalancer || foreignClass(props.spec?.loadBalancerClass)) {
        return [];
    }
    return [{
        owner: `${isPatch ? "ServicePatch" : "Service"} ${namespace}/${name}${via(view)}`,
        namespace,
        pinned,
        identities: [`Service ${name}`, `Service ${namespace}/${name}`],
        service: `${namespace}/${name}`,
        patch: isPatch,
    }];
}

function objectExternalIps(view: ObjectView): ExternalIpClaim[] {
    if (!isKind(view, KINDS.service) && view.type !== TYPES.servicePatch) {
        return [];
    }
    const addresses = splitAddresses(view.props?.spec?.externalIPs);
    const kind = view.type === TYPES.servicePatch ? "ServicePatch" : "Service";
    return addresses.length === 0 ? [] : [{ owner: `${kind} ${metaNamespace(view)}/${metaName(view)}${via(view)}`, addresses }];
}

/** Walks Helm values, calling `visit` on every object node with its dotted path. */
function walkValues(node: unknown, path: string, visit: (node: Record<string, any>, path: string) => boolean): void {
    if (Array.isArray(node)) {
        node.forEach((item, index) => walkValues(item, `${path}[${index}]`, visit));
    } else if (isObject(node)) {
        if (!visit(node, path)) {
            return;
        }
        for (const [key, child] of Object.entries(node)) {
            if (key !== "spec" && key !== "annotations") {
                walkValues(child, path === "" ? key : `${path}.${key}`, visit);
            }
        }
    }
}

interface ValuesClaims {
    readonly services: LoadBalancerService[];
    readonly externalIps: ExternalIpClaim[];
}

/**
 * The Services a set of Helm values will render or pin. The Traefik chart's
 * `service` (its main Service, a LoadBalancer by default, and
 * `additionalServices.<key>` rendered as `<release>-<key>`) is read by name;
 * in every chart, any values node that pins an address (`loadBalancerIP`,
 * `loadBalancerIPs`, kube-vip's annotation), lists `externalIPs` or asks for
 * type LoadBalancer counts, wherever the chart keeps it
 * (`serviceDns.loadBalancerIP`, `controller.service.loadBalancerIP`, ...).
 */
function valuesClaims(source: HelmSource): ValuesClaims {
    const services: LoadBalancerService[] = [];
    const externalIps: ExternalIpClaim[] = [];
    const traefik = source.chart === CHARTS.traefik;
    const add = (shape: ServiceShape, owner: string, identities: string[], service: string | undefined, defaultType?: string) => {
        if (!shape.enabled) {
            return;
        }
        if (shape.externalIPs.length > 0) {
            externalIps.push({ owner, addresses: shape.externalIPs });
        }
        const type = shape.type ?? defaultType ?? (shape.pinned.length > 0 ? "LoadBalancer" : undefined);
        if (type === "LoadBalancer" && !foreignClass(shape.loadBalancerClass)) {
            services.push({ owner, namespace: source.namespace, pinned: shape.pinned, identities, service });
        }
    };
    if (traefik && isObject(source.values.service)) {
        const service = source.values.service;
        const named = (name: string) => ({
            owner: `Service ${source.namespace}/${name} (from ${source.kind === "application" ? source.owner : `Helm release ${source.release}`})`,
            identities: [`Service ${name}`, `Service ${source.namespace}/${name}`, ...source.identities],
            service: `${source.namespace}/${name}`,
        });
        const main = named(source.release);
        add(serviceShape(service), main.owner, main.identities, main.service, "LoadBalancer");
        for (const [key, extra] of Object.entries(isObject(service.additionalServices) ? service.additionalServices : {})) {
            if (isObject(extra)) {
                const additional = named(`${source.release}-${key}`);
                // The chart renders an additional Service as ClusterIP unless its spec says otherwise.
                add(serviceShape(extra), additional.owner, additional.identities, additional.service, "ClusterIP");
            }
        }
    }
    walkValues(source.values, "", (node, path) => {
        if (traefik && path === "service") {
            return false;
        }
        const shape = serviceShape(node);
        if (shape.relevant) {
            add(shape, `${source.owner}, values ${path === "" ? "(top level)" : path}`, [...source.identities], undefined);
        }
        return true;
    });
    return { services, externalIps };
}

/**
 * LoadBalancer Services of a resource, as kube-vip's cloud provider will see
 * them: Services and ServicePatches of type LoadBalancer (a Service of another
 * loadBalancerClass is not kube-vip's), the objects of a ConfigGroup, and the
 * Services Helm values ask for.
 */
export function loadBalancerServices(resource: ResourceView): LoadBalancerService[] {
    return [
        ...objectsOf(resource).flatMap(objectServices),
        ...helmSources(resource).flatMap(source => valuesClaims(source).services),
    ];
}

/** Every spec.externalIPs a resource declares, directly, in a ConfigGroup or in Helm values. */
export function externalIpClaims(resource: ResourceView): ExternalIpClaim[] {
    return [
        ...objectsOf(resource).flatMap(objectExternalIps),
        ...helmSources(resource).flatMap(source => valuesClaims(source).externalIps),
    ];
}

// ---------------------------------------------------------------------------
// kube-vip

/** A kube-vip container (or the one a kube-vip chart renders), with its environment as a map. */
export interface KubeVipInstance {
    /** e.g. `DaemonSet kube-system/kube-vip-control-plane`. */
    readonly owner: string;
    readonly image?: string;
    readonly env: Record<string, string>;
    /** Variables set through valueFrom, which the pack cannot read. */
    readonly unseenEnv: readonly string[];
    /** A patch of a workload declared elsewhere: variables it leaves out keep their old values. */
    readonly patch: boolean;
}

/** The image's name without registry, organisation, tag or digest: `kube-vip` for `docker.io/plndr/kube-vip:v0.3.8`. */
export function imageName(image: string): string {
    return image.replace(/@sha256:[0-9a-f]+$/, "").split("/").pop()!.replace(/:[^:]+$/, "");
}

function containersOf(view: ObjectView): any[] {
    const spec = view.props?.spec;
    const podKinds = [typeToken(KINDS.pod), TYPES.podPatch];
    const workloadKinds = [typeToken(KINDS.daemonSet), typeToken(KINDS.deployment), TYPES.daemonSetPatch, TYPES.deploymentPatch];
    if (podKinds.includes(view.type)) {
        return Array.isArray(spec?.containers) ? spec.containers : [];
    }
    if (workloadKinds.includes(view.type)) {
        return Array.isArray(spec?.template?.spec?.containers) ? spec.template.spec.containers : [];
    }
    return [];
}

function isKubeVipContainer(container: any): boolean {
    const images = KUBE_VIP.images as readonly string[];
    const named = (typeof container?.image === "string" && images.includes(imageName(container.image))) || images.includes(container?.name);
    const env: any[] = Array.isArray(container?.env) ? container.env : [];
    return named || env.some(e => (KUBE_VIP.signatureEnv as readonly string[]).includes(e?.name));
}

/** kube-vip as it will run: containers recognised by image name or by kube-vip's own variables, and the kube-vip chart's values. */
export function kubeVipInstances(resource: ResourceView): KubeVipInstance[] {
    const instances: KubeVipInstance[] = [];
    for (const view of objectsOf(resource)) {
        const kind = view.type.split(":").pop()!;
        for (const container of containersOf(view).filter(isKubeVipContainer)) {
            const env: any[] = Array.isArray(container.env) ? container.env : [];
            instances.push({
                owner: `${kind} ${metaNamespace(view)}/${metaName(view)}${via(view)}`,
                image: typeof container.image === "string" ? container.image : undefined,
                env: Object.fromEntries(env.filter(e => e?.value !== undefined && e?.value !== null).map(e => [e.name, String(e.value)])),
                unseenEnv: env.filter(e => e?.valueFrom !== undefined).map(e => String(e.name)),
                patch: view.type.endsWith("Patch"),
            });
        }
    }
    for (const source of helmSources(resource).filter(s => s.chart === CHARTS.kubeVip)) {
        const values = source.values;
        const env = Object.fromEntries(Object.entries(isObject(values.env) ? values.env : {}).map(([k, v]) => [k, String(v)]));
        // The chart renders config.address as vip_address when cp_enable is true.
        if (parseGoBool(env[KUBE_VIP.controlPlaneEnv]) === true && values.config?.address !== undefined) {
            env.vip_address = String(values.config.address);
        }
        const repository = values.image?.repository;
        instances.push({
            owner: source.owner,
            image: typeof repository === "string" ? `${repository}${values.image?.tag === undefined ? "" : `:${values.image.tag}`}` : undefined,
            env,
            unseenEnv: Object.keys(isObject(values.envValueFrom) ? values.envValueFrom : {}),
            patch: false,
        });
    }
    return instances;
}

/** kube-vip containers of a workload, for the image pin check. */
export function kubeVipContainers(resource: ResourceView): Array<{ owner: string; image: string; env: Record<string, string> }> {
    return kubeVipInstances(resource).filter((i): i is KubeVipInstance & { image: string } => i.image !== undefined);
}

/**
 * Whether a kube-vip instance holds the control-plane VIP: cp_enable true as
 * Go's ParseBool reads it ("True", "1", "t" included), or a patch that sets an
 * address and leaves cp_enable to the workload it patches.
 */
export function holdsControlPlaneVip(instance: KubeVipInstance): boolean {
    const enabled = parseGoBool(instance.env[KUBE_VIP.controlPlaneEnv]);
    return enabled === true || (instance.patch && enabled === undefined && kubeVipAddresses(instance).length > 0);
}

/** The addresses a kube-vip instance advertises as its VIP: vip_address (the older name) and address. */
export function kubeVipAddresses(instance: KubeVipInstance): Array<{ variable: string; value: string }> {
    return KUBE_VIP.addressEnv.filter(name => instance.env[name] !== undefined && instance.env[name] !== "").map(name => ({ variable: name, value: instance.env[name] }));
}

// ---------------------------------------------------------------------------
// The kubevip ConfigMap: pools and sharing

function isNamedConfigMap(view: ResourceView, target: { name: string; namespace: string }): boolean {
    const isConfigMap = isKind(view, KINDS.configMap) || view.type === TYPES.configMapPatch;
    return isConfigMap && metaName(view) === target.name && metaNamespace(view) === target.namespace && view.props?.metadata?.name !== undefined;
}

/** The kubevip ConfigMap or a ConfigMapPatch of it, with its data; directly or in a ConfigGroup. */
export function kubeVipConfigData(resource: ResourceView): Array<{ owner: string; patch: boolean; data: Record<string, unknown> }> {
    return objectsOf(resource)
        .filter(view => isNamedConfigMap(view, KUBE_VIP_POOL_CONFIG_MAP))
        .map(view => ({
            owner: `${view.type === TYPES.configMapPatch ? "ConfigMapPatch" : "ConfigMap"} ${KUBE_VIP_POOL_CONFIG_MAP.namespace}/${KUBE_VIP_POOL_CONFIG_MAP.name}${via(view)}`,
            patch: view.type === TYPES.configMapPatch,
            data: isObject(view.props.data) ? view.props.data : {},
        }));
}

/** The pool keys of the kube-vip ConfigMap and its patches (range-* and cidr-*). */
export function kubeVipPools(resource: ResourceView): Array<{ owner: string; key: string; value: string }> {
    return kubeVipConfigData(resource).flatMap(({ owner, data }) => Object.entries(data)
        .filter(([key]) => key.startsWith("range-") || key.startsWith("cidr-"))
        .map(([key, value]) => ({ owner, key, value: String(value) })));
}

/**
 * The namespaces whose Services may share an address, as the cloud provider
 * reads the kubevip ConfigMap: `allow-share-<namespace>` decides for its
 * namespace, `allow-share-global` for the others; a value is a boolean.
 * `data` is the ConfigMap's data with every patch applied.
 */
export function addressSharing(data: Record<string, unknown>): (namespace: string) => boolean {
    const flag = (key: string): boolean | undefined => {
        const value = data[key];
        return value === undefined ? undefined : parseGoBool(String(value).trim()) === true;
    };
    return namespace => flag(`allow-share-${namespace}`) ?? flag("allow-share-global") ?? false;
}

// ---------------------------------------------------------------------------
// Cilium

/** One datapath setting as a resource sets it, with where. */
export interface CiliumSetting<T> {
    readonly value: T;
    /** e.g. `values l2announcements.enabled = "true"` or `key enable-wireguard = "false"`. */
    readonly where: string;
}

/** Cilium's datapath settings that a resource decides; a ConfigMapPatch decides only the keys it sets. */
export interface CiliumConfigView {
    /** e.g. `Helm release kube-system/cilium (chart cilium)` or `ConfigMapPatch kube-system/cilium-config`. */
    readonly owner: string;
    readonly fromChart: boolean;
    readonly l2Announcements?: CiliumSetting<boolean>;
    readonly wireguard?: CiliumSetting<boolean>;
    readonly podCidrs?: CiliumSetting<readonly string[]>;
    readonly kubeProxyReplacement?: CiliumSetting<boolean>;
}

function cidrList(value: unknown): string[] {
    return (Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[ ,]+/) : []).map(c => c.trim()).filter(c => c !== "");
}

function fromChartValues(source: HelmSource): CiliumConfigView {
    const values = source.values;
    const l2 = values.l2announcements?.enabled;
    const encryption = isObject(values.encryption) ? values.encryption : {};
    const ipamMode = values.ipam?.mode ?? "cluster-pool";
    const list = values.ipam?.operator?.clusterPoolIPv4PodCIDRList;
    const kpr = values.kubeProxyReplacement;
    return {
        owner: source.owner,
        fromChart: true,
        // The chart writes enable-l2-announcements only when the value is Go-true, then quotes it for the agent's ParseBool.
        l2Announcements: { value: goTruthy(l2) && parseGoBool(l2) === true, where: `values l2announcements.enabled = ${JSON.stringify(l2 ?? false)}` },
        // enable-wireguard is written only for encryption.type "wireguard" and a Go-true enabled.
        wireguard: {
            value: encryption.type === "wireguard" && goTruthy(encryption.enabled) && parseGoBool(encryption.enabled) === true,
            where: `values encryption = ${JSON.stringify({ enabled: encryption.enabled ?? false, type: encryption.type ?? "ipsec" })}`,
        },
        podCidrs: ipamMode !== "cluster-pool" ? undefined : list === undefined
            ? { value: CILIUM_CHART_DEFAULT_POD_CIDRS, where: `values ipam.operator.clusterPoolIPv4PodCIDRList (unset: the chart's default ${CILIUM_CHART_DEFAULT_POD_CIDRS.join(" ")})` }
            : { value: cidrList(list), where: `values ipam.operator.clusterPoolIPv4PodCIDRList = ${JSON.stringify(list)}` },
        // The chart refuses anything but "true" and "false" and defaults to "false".
        kubeProxyReplacement: { value: String(kpr) === "true", where: `values kubeProxyReplacement = ${kpr === undefined ? "unset (the chart's default \"false\")" : JSON.stringify(kpr)}` },
    };
}

function fromConfigMap(view: ObjectView): CiliumConfigView {
    const data: Record<string, unknown> = isObject(view.props.data) ? view.props.data : {};
    const keys = CILIUM_CONFIG_MAP.keys;
    const flag = (key: string): CiliumSetting<boolean> | undefined =>
        data[key] === undefined ? undefined : { value: parseGoBool(String(data[key]).trim()) === true, where: `key ${key} = ${JSON.stringify(data[key])}` };
    return {
        owner: `${view.type === TYPES.configMapPatch ? "ConfigMapPatch" : "ConfigMap"} ${CILIUM_CONFIG_MAP.namespace}/${CILIUM_CONFIG_MAP.name}${via(view)}`,
        fromChart: false,
        l2Announcements: flag(keys.l2Announcements),
        wireguard: flag(keys.wireguard),
        podCidrs: data[keys.podCidrs] === undefined ? undefined : { value: cidrList(data[keys.podCidrs]), where: `key ${keys.podCidrs} = ${JSON.stringify(data[keys.podCidrs])}` },
        kubeProxyReplacement: data[keys.kubeProxyReplacement] === undefined
            ? undefined
            : { value: String(data[keys.kubeProxyReplacement]).trim() === "true", where: `key ${keys.kubeProxyReplacement} = ${JSON.stringify(data[keys.kubeProxyReplacement])}` },
    };
}

/** Cilium's settings a resource decides: a release or chart of the cilium chart (any spelling), or the cilium-config ConfigMap or a patch of it. */
export function ciliumConfigs(resource: ResourceView): CiliumConfigView[] {
    return [
        ...helmSources(resource).filter(s => s.chart === CHARTS.cilium && s.kind !== "application").map(fromChartValues),
        ...objectsOf(resource).filter(view => isNamedConfigMap(view, CILIUM_CONFIG_MAP)).map(fromConfigMap),
    ];
}

/** The values of a Helm release of the Cilium chart, or undefined (kept for the program's reports). */
export function ciliumValues(resource: ResourceView): Record<string, any> | undefined {
    return helmSources(resource).find(s => s.chart === CHARTS.cilium && s.kind !== "application")?.values;
}

// ---------------------------------------------------------------------------
// Network policies: which namespaces are default-deny

export type Direction = "ingress" | "egress";
export const DIRECTIONS: readonly Direction[] = ["ingress", "egress"];

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
// Argo CD

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
        }];
    });
}

// ---------------------------------------------------------------------------
// Second allocators and announcers

export interface SecondAllocator {
    /** e.g. `CiliumLoadBalancerIPPool lan-pool`. */
    readonly owner: string;
    /** What it does, e.g. "makes Cilium's LB IPAM assign LoadBalancer addresses". */
    readonly role: string;
    /** The addresses it hands out, as written (CIDRs or first-last ranges). */
    readonly blocks: readonly string[];
}

function allocatorBlocks(spec: Record<string, any> | undefined): string[] {
    if (!isObject(spec)) {
        return [];
    }
    const blocks: string[] = [];
    for (const block of [...(Array.isArray(spec.blocks) ? spec.blocks : []), ...(Array.isArray(spec.cidrs) ? spec.cidrs : [])]) {
        if (isObject(block) && typeof block.cidr === "string") {
            blocks.push(block.cidr);
        } else if (isObject(block) && typeof block.start === "string") {
            blocks.push(typeof block.stop === "string" ? `${block.start}-${block.stop}` : block.start);
        }
    }
    for (const address of Array.isArray(spec.addresses) ? spec.addresses : []) {
        if (typeof address === "string") {
            blocks.push(address.replace(/\s+/g, ""));
        }
    }
    return blocks;
}

/** Objects that allocate or announce LoadBalancer addresses besides kube-vip, and releases of MetalLB. */
export function secondAllocators(resource: ResourceView): SecondAllocator[] {
    const found: SecondAllocator[] = [];
    for (const view of objectsOf(resource)) {
        const gk = groupKind(view);
        const known = gk === undefined ? undefined : SECOND_ALLOCATOR_KINDS.find(k => k.group === gk.group && k.kind === gk.kind);
        if (known !== undefined) {
            const ns = view.props?.metadata?.namespace;
            found.push({ owner: `${known.kind} ${ns === undefined ? "" : `${ns}/`}${metaName(view)}${via(view)}`, role: known.role, blocks: allocatorBlocks(view.props?.spec) });
        }
    }
    for (const source of helmSources(resource).filter(s => s.chart === CHARTS.metallb)) {
        found.push({ owner: source.owner, role: "installs MetalLB, a LoadBalancer allocator and announcer", blocks: [] });
    }
    return found;
}

// ---------------------------------------------------------------------------
// What the pack cannot see at preview time

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
            const count = Array.isArray(props.valueYamlFiles) ? props.valueYamlFiles.length : 1;
            reasons.push(`takes values from valueYamlFiles (${count} file${count === 1 ? "" : "s"}), which the pack cannot read: any address they pin, any Service type they set, any Cilium or kube-vip setting they change goes unchecked. Fix: pass those values inline in values, where the pack reads them`);
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
    if (resource.type === TYPES.configFileV2 || resource.type === TYPES.kustomizeDirectoryV2) {
        reasons.push(`reads manifests from ${props.file ?? props.directory ?? "files"}, which the pack cannot read before the provider renders them. Fix: check the rendered objects in a pulumi preview`);
    }
    for (const instance of kubeVipInstances(resource)) {
        const hidden = instance.unseenEnv.filter(name => [...KUBE_VIP.addressEnv, KUBE_VIP.controlPlaneEnv].includes(name as never));
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

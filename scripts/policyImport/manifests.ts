// What the rest of an imported folder says about the pods the policies select:
// the namespaces its manifests deploy into (Argo CD Helm Applications too), the pod templates (labels, host
// network, container ports), the Services (selectors, ports, the addresses
// they pin or the external IPs they use), the Services that kustomize's
// helmCharts values declare, and the backends of Ingresses and Traefik
// IngressRoutes. Read once, from the same files the policies come from;
// encrypted files are skipped unread. Pure apart from reading the files.

import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { Labels } from "./cilium";
import { isObject } from "./cilium";
import { yamlFiles } from "./files";
import { KUBE_SYSTEM, LOADBALANCER_IPS_ANNOTATION } from "../../policy/definitions";

/** Namespaces that run pods whatever a folder holds: K3s's own in kube-system, and default, which always exists. */
export const ALWAYS_RUNNING: readonly string[] = [KUBE_SYSTEM, "default"];

export interface PodTemplate {
    readonly file: string;
    readonly namespace?: string;
    readonly labels: Labels;
    readonly hostNetwork: boolean;
    /** Container ports by name (for a Service's named targetPort). */
    readonly namedPorts: ReadonlyMap<string, number>;
}

export interface ServicePort {
    readonly port: number;
    /** The pod port: a number, or a container port's name. */
    readonly targetPort: number | string;
    readonly protocol: "TCP" | "UDP";
}

export interface ServiceManifest {
    readonly file: string;
    readonly namespace?: string;
    readonly name: string;
    readonly type: string;
    readonly selector: Labels;
    readonly ports: readonly ServicePort[];
    /** Addresses the Service asks for: kube-vip's annotation, Cilium LB IPAM's, spec.loadBalancerIP. */
    readonly pinned: readonly string[];
    readonly externalIPs: readonly string[];
}

/** A Service declared in the values of a kustomize helmCharts entry (charts render them; their selectors are the chart's). */
export interface HelmService {
    readonly file: string;
    readonly namespace?: string;
    readonly release: string;
    readonly chart: string;
    readonly type: string;
    readonly pinned: readonly string[];
}

export interface IngressBackend {
    readonly file: string;
    readonly namespace?: string;
    readonly service: string;
    readonly port?: number | string;
}

/** One layer of a chart release's values: valuesInline, or a values file (a SOPS-encrypted one for its clear parts). */
export interface ChartValues {
    readonly source: string;
    readonly values: Record<string, unknown>;
}

/** A kustomize helmCharts release: its chart, namespace and values, files first and valuesInline last (kustomize's order). */
export interface ChartRelease {
    readonly file: string;
    readonly namespace?: string;
    readonly release: string;
    readonly chart: string;
    readonly values: readonly ChartValues[];
}

/** A kustomization and the files its `resources` list, relative to the imported folder. */
export interface Kustomization {
    readonly file: string;
    readonly resources: readonly string[];
}

export interface FolderManifests {
    /** Namespaces some manifest runs pods in: a pod template's, a kustomize helmCharts release's, or an Argo CD Application's that deploys a Helm chart. */
    readonly namespaces: ReadonlySet<string>;
    readonly templates: readonly PodTemplate[];
    readonly services: readonly ServiceManifest[];
    readonly helmServices: readonly HelmService[];
    readonly ingressBackends: readonly IngressBackend[];
    /** Every kustomization.yaml read (none when the folder was not read whole). */
    readonly kustomizations?: readonly Kustomization[];
    /** Every helmCharts release, with its values. */
    readonly charts?: readonly ChartRelease[];
}

/** kube-vip's annotation, and Cilium LB IPAM's (current and older spelling). */
const PIN_ANNOTATIONS = [LOADBALANCER_IPS_ANNOTATION, "lbipam.cilium.io/ips", "io.cilium/lb-ipam-ips"];
const POLICY_KINDS = new Set(["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"]);

const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);
const stringLabels = (value: unknown): Labels => (isObject(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string" || typeof v === "number").map(([k, v]) => [k, String(v)])) : {});

function pinnedOf(annotations: unknown, loadBalancerIP: unknown): string[] {
    const found = PIN_ANNOTATIONS.flatMap(key => (isObject(annotations) ? String(annotations[key] ?? "") : "").split(",")).map(a => a.trim()).filter(a => a !== "");
    const legacy = text(loadBalancerIP);
    return [...new Set([...found, ...(legacy === undefined ? [] : [legacy])])];
}

function podSpecOf(object: Record<string, any>): { spec?: Record<string, any>; labels: Labels } {
    switch (object.kind) {
        case "Pod":
            return { spec: object.spec, labels: stringLabels(object.metadata?.labels) };
        case "CronJob":
            return { spec: object.spec?.jobTemplate?.spec?.template?.spec, labels: stringLabels(object.spec?.jobTemplate?.spec?.template?.metadata?.labels) };
        case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job":
            return { spec: object.spec?.template?.spec, labels: stringLabels(object.spec?.template?.metadata?.labels) };
        default:
            return { labels: {} };
    }
}

/** Reads every unencrypted YAML document under `root` (minus `exclude`). */
export function readFolderManifests(root: string, exclude: readonly string[] = []): FolderManifests {
    const namespaces = new Set<string>();
    const templates: PodTemplate[] = [];
    const services: ServiceManifest[] = [];
    const helmServices: HelmService[] = [];
    const ingressBackends: IngressBackend[] = [];
    const kustomizations: Kustomization[] = [];
    const charts: ChartRelease[] = [];
    const files = yamlFiles(root, "", exclude.map(e => e.replace(/\/+$/, "")));
    // kustomize's `namespace:` applies to every object of its folder (and the folders it includes, approximated by the subtree).
    const kustomizeNamespace = new Map<string, string>();
    const documents: Array<{ file: string; object: Record<string, any> }> = [];
    // Files a kustomization applies as patches change other objects; their own metadata says nothing.
    const patches = new Set<string>();
    for (const file of files) {
        if (/\.enc\.ya?ml$/i.test(file)) {
            continue;
        }
        const parsed = parseAllDocuments(fs.readFileSync(path.join(root, file), "utf8"));
        const docs = Array.isArray(parsed) ? parsed : [parsed];
        if (docs.some(d => d.errors.length > 0)) {
            continue;
        }
        const values = docs.map(d => d.toJS() as unknown);
        if (values.some(v => isObject(v) && v.sops !== undefined)) {
            continue;
        }
        for (const object of values) {
            if (!isObject(object)) {
                continue;
            }
            if (/(^|\/)kustomization\.ya?ml$/i.test(file)) {
                const folder = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
                const ns = text(object.namespace);
                if (ns !== undefined) {
                    kustomizeNamespace.set(folder, ns);
                }
                const resources = (Array.isArray(object.resources) ? object.resources : []).filter((r: unknown): r is string => typeof r === "string");
                kustomizations.push({ file, resources: resources.map((r: string) => path.posix.normalize(folder === "" ? r : `${folder}/${r}`)) });
                for (const patch of [...(Array.isArray(object.patches) ? object.patches : []), ...(Array.isArray(object.patchesStrategicMerge) ? object.patchesStrategicMerge : [])]) {
                    const target = typeof patch === "string" ? patch : text(patch?.path);
                    if (target !== undefined) {
                        patches.add(path.posix.normalize(folder === "" ? target : `${folder}/${target}`));
                    }
                }
                for (const chart of Array.isArray(object.helmCharts) ? object.helmCharts : []) {
                    if (!isObject(chart)) {
                        continue;
                    }
                    const chartNs = text(chart.namespace) ?? ns;
                    if (chartNs !== undefined) {
                        namespaces.add(chartNs);
                    }
                    charts.push({ file, namespace: chartNs, release: text(chart.releaseName) ?? text(chart.name) ?? "", chart: text(chart.name) ?? "", values: chartValues(root, file, folder, chart) });
                    // Charts spell a Service's values their own way (service.main.type, serviceType beside
                    // serviceAnnotations): every map of the values that asks for a LoadBalancer is one.
                    for (const entry of loadBalancerValues(chart.valuesInline)) {
                        helmServices.push({ file, namespace: chartNs, release: text(chart.releaseName) ?? text(chart.name) ?? "", chart: text(chart.name) ?? "", type: "LoadBalancer", pinned: pinnedOf(entry.annotations ?? entry.serviceAnnotations, entry.loadBalancerIP) });
                    }
                }
                continue;
            }
            documents.push({ file, object });
        }
    }
    const namespaceOf = (file: string, object: Record<string, any>): string | undefined => {
        const own = text(object.metadata?.namespace);
        for (let folder = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ""; ; folder = folder.includes("/") ? folder.slice(0, folder.lastIndexOf("/")) : "") {
            const ns = kustomizeNamespace.get(folder);
            if (ns !== undefined) {
                return ns;
            }
            if (folder === "") {
                return own;
            }
        }
    };
    for (const { file, object } of documents.filter(d => !patches.has(d.file))) {
        const kind = String(object.kind ?? "");
        const namespace = namespaceOf(file, object);
        if (kind === "Namespace" || POLICY_KINDS.has(kind)) {
            continue;
        }
        const pod = podSpecOf(object);
        if (pod.spec !== undefined && isObject(pod.spec)) {
            if (namespace !== undefined) {
                namespaces.add(namespace);
            }
            const namedPorts = new Map<string, number>();
            for (const container of Array.isArray(pod.spec.containers) ? pod.spec.containers : []) {
                for (const port of Array.isArray(container?.ports) ? container.ports : []) {
                    if (typeof port?.name === "string" && typeof port?.containerPort === "number") {
                        namedPorts.set(port.name, port.containerPort);
                    }
                }
            }
            templates.push({ file, namespace, labels: pod.labels, hostNetwork: pod.spec.hostNetwork === true, namedPorts });
        } else if (kind === "Service") {
            const spec = isObject(object.spec) ? object.spec : {};
            const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter((p: unknown) => isObject(p) && typeof p.port === "number").map((p: Record<string, any>) => ({
                port: p.port as number,
                targetPort: typeof p.targetPort === "number" || typeof p.targetPort === "string" ? p.targetPort : p.port as number,
                protocol: p.protocol === "UDP" ? "UDP" as const : "TCP" as const,
            }));
            services.push({
                file, namespace, name: text(object.metadata?.name) ?? "", type: text(spec.type) ?? "ClusterIP", selector: stringLabels(spec.selector), ports,
                pinned: pinnedOf(object.metadata?.annotations, spec.loadBalancerIP),
                externalIPs: (Array.isArray(spec.externalIPs) ? spec.externalIPs : []).filter((a: unknown): a is string => typeof a === "string"),
            });
        } else if (kind === "Application" && String(object.apiVersion ?? "").startsWith("argoproj.io/")) {
            // A Helm chart from a chart repository (or a Git path rendered with helm): pods whose templates the folder does not hold.
            const sources = [object.spec?.source, ...(Array.isArray(object.spec?.sources) ? object.spec.sources : [])].filter(isObject);
            const target = text(object.spec?.destination?.namespace);
            if (target !== undefined && sources.some(source => text(source.chart) !== undefined || isObject(source.helm))) {
                namespaces.add(target);
            }
        } else if (kind === "Ingress") {
            const backends: Array<Record<string, any>> = [];
            if (isObject(object.spec?.defaultBackend)) {
                backends.push(object.spec.defaultBackend);
            }
            for (const rule of Array.isArray(object.spec?.rules) ? object.spec.rules : []) {
                for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
                    if (isObject(p?.backend)) {
                        backends.push(p.backend);
                    }
                }
            }
            for (const backend of backends) {
                const service = text(backend.service?.name);
                if (service !== undefined) {
                    ingressBackends.push({ file, namespace, service, port: backend.service?.port?.number ?? text(backend.service?.port?.name) });
                }
            }
        } else if (kind === "IngressRoute" || kind === "IngressRouteTCP" || kind === "IngressRouteUDP") {
            for (const route of Array.isArray(object.spec?.routes) ? object.spec.routes : []) {
                for (const service of Array.isArray(route?.services) ? route.services : []) {
                    const name = text(service?.name);
                    if (name !== undefined && (service.kind === undefined || service.kind === "Service")) {
                        ingressBackends.push({ file, namespace: text(service.namespace) ?? namespace, service: name, port: typeof service.port === "number" || typeof service.port === "string" ? service.port : undefined });
                    }
                }
            }
        }
    }
    return { namespaces, templates, services, helmServices, ingressBackends, kustomizations, charts };
}

/**
 * A helmCharts entry's values: valuesFile and additionalValuesFiles, then
 * valuesInline. A values file missing beside an encrypted one of the same name
 * (values.yaml, values.enc.yaml: a plugin decrypts it for Argo CD) is read
 * from the encrypted one: SOPS leaves keys and most values in clear, and the
 * encrypted ones read as `ENC[...]`.
 */
function chartValues(root: string, kustomization: string, folder: string, chart: Record<string, unknown>): ChartValues[] {
    const layers: ChartValues[] = [];
    const names = [chart.valuesFile, ...(Array.isArray(chart.additionalValuesFiles) ? chart.additionalValuesFiles : [])].filter((n): n is string => typeof n === "string");
    for (const name of names) {
        const rel = path.posix.normalize(folder === "" ? name : `${folder}/${name}`);
        const candidates = [rel, rel.replace(/\.ya?ml$/i, ".enc.yaml")];
        const found = candidates.find(c => fs.existsSync(path.join(root, c)));
        if (found === undefined) {
            continue;
        }
        const parsed = parseAllDocuments(fs.readFileSync(path.join(root, found), "utf8"));
        const first = (Array.isArray(parsed) ? parsed : [parsed])[0];
        const value = first === undefined || first.errors.length > 0 ? undefined : first.toJS() as unknown;
        if (isObject(value)) {
            const { sops, ...values } = value;
            layers.push({ source: sops === undefined ? found : `${found} (SOPS: read for its clear parts)`, values });
        }
    }
    if (isObject(chart.valuesInline)) {
        layers.push({ source: `${kustomization} (valuesInline)`, values: chart.valuesInline });
    }
    return layers;
}

/** The maps in a chart's values that ask for a LoadBalancer Service (type or serviceType). */
function loadBalancerValues(values: unknown): Array<Record<string, any>> {
    if (Array.isArray(values)) {
        return values.flatMap(loadBalancerValues);
    }
    if (!isObject(values)) {
        return [];
    }
    const own = values.type === "LoadBalancer" || values.serviceType === "LoadBalancer" ? [values] : [];
    return [...own, ...Object.values(values).flatMap(loadBalancerValues)];
}

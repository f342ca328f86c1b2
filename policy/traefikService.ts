// Traefik's Services as the chart reads its values (templates/service.yaml
// and _service.tpl of traefik/traefik-helm-chart): the main Service from
// `service`, one more per `service.additionalServices.<key>` (named
// `<release>-<key>`). From chart 40.0.0 on ("align syntax with upstream") the
// chart copies `service.spec` into the Service's spec and reads nothing else
// of it there: its own values give `spec: {type: LoadBalancer}` for the main
// Service, an additional one is ClusterIP unless its spec says otherwise, and
// a `service.type`, `service.loadBalancerClass` or `service.loadBalancerIP`
// beside `spec` is ignored without an error. Before 40, `service.type`
// (LoadBalancer unless set), `service.loadBalancerClass` and
// `service.externalIPs` were read, and `spec` copied after them (a spec.type
// comes last). Annotations live beside `spec` in both: `annotations`, and
// `annotationsTCP` over them on the TCP Service (`annotationsUDP` on the UDP
// one). The readers are pure; the policy at the end refuses values the pinned
// chart does not read, so that no reviewer takes them for what the Service
// will be.

import { ResourceValidationPolicy } from "@pulumi/policy";
import { CHARTS } from "./definitions";
import { helmSources, isObject } from "./readers";
import { ServiceClaim, serviceAddressList } from "./serviceValues";

/** The chart major that moved the Service fields under `service.spec`. */
export const TRAEFIK_SPEC_LAYOUT_SINCE = 40;

/** Whether a chart version reads the Service fields from `spec` only; an unknown version is read as the newest charts read it. */
export function readsSpecOnly(version: string | undefined): boolean {
    const major = /^v?([0-9]+)\./.exec(version?.trim() ?? "");
    return major === null || Number(major[1]) >= TRAEFIK_SPEC_LAYOUT_SINCE;
}

/** Keys of a Traefik Service's values the chart reads besides `spec` (the main Service's also nameOverride and additionalServices). */
const READ_BESIDE_SPEC = ["enabled", "single", "annotations", "annotationsTCP", "annotationsUDP", "labels", "spec"];
const READ_ON_MAIN = ["nameOverride", "additionalServices"];

/** Service fields the chart read beside `spec` before 40, and fields of a ServiceSpec someone may write there. */
const SPEC_FIELDS = [
    "type", "loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges", "externalIPs", "externalTrafficPolicy", "internalTrafficPolicy",
    "ipFamilyPolicy", "ipFamilies", "clusterIP", "sessionAffinity", "allocateLoadBalancerNodePorts", "healthCheckNodePort", "publishNotReadyAddresses",
];

/** One Service the chart renders from a values node. */
export interface TraefikService extends ServiceClaim {
    /** `service` or `service.additionalServices.<key>`. */
    readonly path: string;
    /** The Service's name: the release's (or nameOverride), or `<release>-<key>`. */
    readonly name: string;
    readonly enabled: boolean;
}

function pinsOf(node: Record<string, any>, spec: Record<string, any>): string[] {
    const annotated = (key: string) => serviceAddressList(isObject(node[key]) ? node[key] : undefined);
    const pinned = [...new Set([...annotated("annotationsTCP"), ...annotated("annotations"), ...annotated("annotationsUDP")])];
    // The cloud provider copies the deprecated spec.loadBalancerIP into the annotation when none is set.
    return pinned.length > 0 ? pinned : serviceAddressList(undefined, spec.loadBalancerIP);
}

function readService(node: Record<string, any>, path: string, name: string, main: boolean, specOnly: boolean): TraefikService {
    const spec = isObject(node.spec) ? node.spec : {};
    const list = (value: unknown) => (Array.isArray(value) ? value.filter((a): a is string => typeof a === "string") : []);
    let type: unknown;
    if (specOnly) {
        // The chart's values.yaml gives the main Service spec.type LoadBalancer; Helm merges the user's spec over it (null deletes).
        type = "type" in spec ? (spec.type ?? "ClusterIP") : main ? "LoadBalancer" : "ClusterIP";
    } else {
        // The chart writes `type` (LoadBalancer unless set), then copies spec after it: a spec.type comes last.
        type = spec.type ?? (typeof node.type === "string" && node.type !== "" ? node.type : "LoadBalancer");
    }
    return {
        path,
        name,
        enabled: node.enabled !== false,
        type,
        loadBalancerClass: specOnly ? spec.loadBalancerClass : spec.loadBalancerClass ?? node.loadBalancerClass,
        pinned: pinsOf(node, spec),
        externalIPs: specOnly ? list(spec.externalIPs) : [...list(node.externalIPs), ...list(spec.externalIPs)],
    };
}

/** The Services the Traefik chart renders from a release's values, as the given chart version reads them. */
export function traefikServices(values: Record<string, any>, release: string, version: string | undefined): TraefikService[] {
    const service = values.service;
    if (!isObject(service)) {
        // The chart's own values: one LoadBalancer Service that pins nothing.
        return [{ path: "service", name: release, enabled: true, type: "LoadBalancer", pinned: [], externalIPs: [] }];
    }
    const specOnly = readsSpecOnly(version);
    const mainName = specOnly && typeof service.nameOverride === "string" && service.nameOverride !== "" ? service.nameOverride : release;
    const services = [readService(service, "service", mainName, true, specOnly)];
    for (const [key, extra] of Object.entries(isObject(service.additionalServices) ? service.additionalServices : {})) {
        if (isObject(extra)) {
            services.push(readService(extra, `service.additionalServices.${key}`, `${release}-${key}`, false, specOnly));
        }
    }
    return services;
}

/** A value under a Traefik Service that the chart does not read where it is written. */
export interface IgnoredValue {
    /** The Service's values node: `service` or `service.additionalServices.<key>`. */
    readonly service: string;
    readonly path: string;
    readonly value: unknown;
    /** Where the chart reads it, e.g. `service.spec.type`. */
    readonly instead: string;
}

/**
 * Values of a Traefik release's Services that the given chart version does
 * not read: from 40 on, a ServiceSpec field beside `spec`; in any version,
 * annotations or labels written inside `spec`, which the chart copies into
 * the Service's spec, where Kubernetes has no such field.
 */
export function ignoredTraefikValues(values: Record<string, any>, version: string | undefined): IgnoredValue[] {
    const service = values.service;
    if (!isObject(service)) {
        return [];
    }
    const specOnly = readsSpecOnly(version);
    const nodes: Array<[string, Record<string, any>, boolean]> = [["service", service, true]];
    for (const [key, extra] of Object.entries(isObject(service.additionalServices) ? service.additionalServices : {})) {
        if (isObject(extra)) {
            nodes.push([`service.additionalServices.${key}`, extra, false]);
        }
    }
    const ignored: IgnoredValue[] = [];
    for (const [path, node, main] of nodes) {
        for (const [key, value] of Object.entries(node)) {
            const read = READ_BESIDE_SPEC.includes(key) || (main && READ_ON_MAIN.includes(key));
            if (specOnly && !read && SPEC_FIELDS.includes(key)) {
                ignored.push({ service: path, path: `${path}.${key}`, value, instead: `${path}.spec.${key}` });
            }
        }
        const spec = isObject(node.spec) ? node.spec : {};
        for (const key of ["annotations", "labels"].filter(k => spec[k] !== undefined)) {
            ignored.push({ service: path, path: `${path}.spec.${key}`, value: spec[key], instead: `${path}.${key}` });
        }
    }
    return ignored;
}

// ---------------------------------------------------------------------------
// Policy

export const traefikServiceValuesReadByTheChart: ResourceValidationPolicy = {
    name: "traefik-service-values-read-by-the-chart",
    description:
        "A Traefik release's (or Application's) Service values are written where its chart version reads them: from chart 40 on, type, loadBalancerClass, " +
        "loadBalancerIP, externalIPs and the other Service fields under service.spec (and additionalServices.<name>.spec), not beside it, where the chart " +
        "ignores them without an error; annotations beside spec, never inside it. A value the chart ignores tells a reviewer a Service type or address that the cluster never gets.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const source of helmSources(args).filter(s => s.chart === CHARTS.traefik)) {
            const version = source.version === undefined ? "an unpinned version (read as the newest charts read it)" : `version ${source.version}`;
            const rendered = new Map(traefikServices(source.values, source.release, source.version).map(s => [s.path, s]));
            for (const ignored of ignoredTraefikValues(source.values, source.version)) {
                const service = rendered.get(ignored.service);
                const actual = service === undefined ? "" : ` (the chart renders Service ${service.name} as type ${String(service.type)}${service.pinned.length === 0 ? "" : `, pinned to ${service.pinned.join(", ")}`})`;
                reportViolation(
                    `${source.owner} sets values ${ignored.path} = ${JSON.stringify(ignored.value)}, which the Traefik chart at ${version} does not read there${actual}: ` +
                    `a reviewer would take it for what the Service gets. Fix: move it to ${ignored.instead}, or delete it.`,
                );
            }
        }
    },
};

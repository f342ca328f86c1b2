// Addresses Services claim: LoadBalancer Services that pin an address (on a
// Service or a patch, in a ConfigGroup's objects, anywhere in a chart's values)
// and spec.externalIPs; the policies that keep pinned addresses in the pool,
// unique, and off external IPs.

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { AddressContext, describeAddress, whatItIs, whyItMatters } from "./addressRoles";
import { formatRange, parseIpv4, rangeContains } from "./addressing";
import { CHARTS, KINDS, KUBE_VIP_LOADBALANCER_CLASS, TYPES } from "./definitions";
import { LAN_KEYS, networkNeeds } from "./networkConfig";
import { ParsedReservation } from "./reservations";
import { HelmSource, ObjectView, ResourceView, helmSources, isKind, isObject, metaName, metaNamespace, objectsOf, readEach, readable, via } from "./readers";
import { POOL_CONFIG_MAP, addressSharing, kubeVipConfigData } from "./kubeVip";
import { ServiceClaim, serviceAddressList, splitAddresses } from "./serviceValues";
import { traefikServices } from "./traefikService";

// ---------------------------------------------------------------------------
// Readers: the Services and external IPs a resource declares

/** A LoadBalancer Service (or what will render one), declared directly, patched, or inside Helm values. */
export interface LoadBalancerService {
    /** e.g. `Service traefik/traefik-vip239 (from Helm release traefik)`. */
    readonly owner: string;
    readonly namespace: string;
    /** Addresses it pins; empty when it lets the cloud provider choose. */
    readonly pinned: readonly string[];
    /** The Argo CD Application whose values declare it, when so. */
    readonly application?: string;
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

/** A Service of another loadBalancerClass is left alone by kube-vip and its cloud provider. */
function foreignClass(loadBalancerClass: unknown): boolean {
    return typeof loadBalancerClass === "string" && loadBalancerClass !== "" && loadBalancerClass !== KUBE_VIP_LOADBALANCER_CLASS;
}

/** The Service fields of a values node, wherever the chart keeps them. */
interface ServiceShape extends ServiceClaim {
    readonly enabled: boolean;
    readonly relevant: boolean;
}

/** Maps of annotations that reach a chart's Services besides `annotations`: `commonAnnotations` (every object), `serviceAnnotations`, `serviceDnsAnnotations`. */
const SERVICE_ANNOTATION_MAPS = /^(common|service[A-Za-z]*)Annotations$/;

/**
 * A values node read as a Service: its fields beside it or in its `spec`,
 * pins in its `annotations` or in a map of annotations that reaches its
 * Services (`commonAnnotations`, which charts put on every object they
 * render, their Services included; `serviceAnnotations`).
 */
function serviceShape(node: Record<string, any>): ServiceShape {
    const spec = isObject(node.spec) ? node.spec : {};
    const maps = [node.annotations, spec.annotations, ...Object.entries(node).filter(([key]) => SERVICE_ANNOTATION_MAPS.test(key)).map(([, value]) => value)];
    const annotated = [...new Set(maps.flatMap(map => serviceAddressList(map)))];
    const pinned = annotated.length > 0 ? annotated : splitAddresses(spec.loadBalancerIP ?? node.loadBalancerIP ?? spec.loadBalancerIPs ?? node.loadBalancerIPs);
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
    const pinned = serviceAddressList(props.metadata?.annotations, props.spec?.loadBalancerIP);
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
    const add = (shape: ServiceShape, owner: string, service: string | undefined) => {
        if (!shape.enabled) {
            return;
        }
        if (shape.externalIPs.length > 0) {
            externalIps.push({ owner, addresses: shape.externalIPs });
        }
        const type = shape.type ?? (shape.pinned.length > 0 ? "LoadBalancer" : undefined);
        if (type === "LoadBalancer" && !foreignClass(shape.loadBalancerClass)) {
            services.push({ owner, namespace: source.namespace, pinned: shape.pinned, service, ...(source.application === undefined ? {} : { application: source.application }) });
        }
    };
    if (traefik) {
        // Read as the chart version reads them (traefikService.ts): a value the chart ignores claims nothing.
        for (const service of traefikServices(source.values, source.release, source.version)) {
            const from = source.kind === "application" ? source.owner : `Helm release ${source.release}`;
            add({ ...service, relevant: true }, `Service ${source.namespace}/${service.name} (from ${from})`, `${source.namespace}/${service.name}`);
        }
    }
    walkValues(source.values, "", (node, path) => {
        if (traefik && path === "service") {
            return false;
        }
        const shape = serviceShape(node);
        if (shape.relevant) {
            add(shape, `${source.owner}, values ${path === "" ? "(top level)" : path}`, undefined);
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
// Policies

const addressInPoolNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool");
export const loadBalancerAddressInPool: ResourceValidationPolicy = {
    name: "loadbalancer-address-in-pool",
    description:
        "A LoadBalancer Service that pins an address pins one inside the kube-vip pool, wherever it is declared: spec.loadBalancerIP or kube-vip's annotation " +
        "on a Service or ServicePatch, a ConfigGroup's objects, or any loadBalancerIP in a Helm release's, helm.v4.Chart's or Argo CD Application's values. " +
        "kube-vip's cloud provider does not check pinned addresses, so one outside the pool could be the API VIP, the gateway, the LAN's network or broadcast address, or a host's.",
    enforcementLevel: "mandatory",
    configSchema: addressInPoolNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = addressInPoolNeeds.read("loadbalancer-address-in-pool", args.getConfig());
        const context: AddressContext = { ...net };
        const pool = formatRange(net.loadBalancerPool);
        for (const service of loadBalancerServices(args)) {
            for (const address of service.pinned) {
                const parsed = parseIpv4(address);
                if (!parsed.ok) {
                    reportViolation(`${service.owner} pins "${address}", which ${parsed.reason}. Fix: pin an address of the pool ${pool}.`);
                } else if (!rangeContains(net.loadBalancerPool, parsed.value)) {
                    reportViolation(
                        `${service.owner} pins ${address}, outside the LoadBalancer pool ${pool}${whatItIs(parsed.value, context)}; ${whyItMatters(parsed.value, context)}. ` +
                        `Fix: pin a free address of ${pool}, or widen the pool.`,
                    );
                }
            }
        }
    },
};

const externalIpsNeeds = networkNeeds(...LAN_KEYS, "controlPlaneVip", "loadBalancerPool", "reservations");
export const noServiceExternalIps: ResourceValidationPolicy = {
    name: "no-service-external-ips",
    description:
        "No Service lists spec.externalIPs, directly, in a ServicePatch, a ConfigGroup or any chart's values: Cilium's kube-proxy replacement sends traffic for a " +
        "Service's external IPs (on its ports) to the Service, from pods and from the nodes themselves, and no pool or controller checks who else holds the address, " +
        "so the gateway's, the API VIP's, a Traefik VIP's or a host's address is silently taken over (CVE-2020-8554).",
    enforcementLevel: "mandatory",
    configSchema: externalIpsNeeds.schema,
    validateResource: (args, reportViolation) => {
        const net = externalIpsNeeds.read("no-service-external-ips", args.getConfig());
        const context: AddressContext = { ...net };
        const pool = formatRange(net.loadBalancerPool);
        for (const claim of externalIpClaims(args)) {
            for (const address of claim.addresses) {
                const parsed = parseIpv4(address);
                const what = parsed.ok ? describeAddress(parsed.value, context) : `"${address}"`;
                const gateway = parsed.ok && parsed.value === net.lanGateway ? ", so the nodes' own traffic to the router on those ports would be captured" : "";
                reportViolation(
                    `${claim.owner} lists spec.externalIPs ${what}: Cilium's kube-proxy replacement sends traffic for that address (on the Service's ports), from pods and ` +
                    `from the nodes themselves, to the Service, and no pool or controller checks who else holds it${gateway}. ` +
                    `Fix: drop externalIPs and use a LoadBalancer Service with an address of the pool ${pool}.`,
                );
            }
        }
    },
};

/** Whether a reservation's holder may pin the address with this Service: Traefik's Service of that name, or any Service the Application declares. */
function heldBy(reservation: ParsedReservation, service: LoadBalancerService): boolean {
    const holder = reservation.holder;
    return holder.kind === "traefik" ? service.service === `${reservation.namespace}/${holder.service}` : service.application === holder.name;
}

const uniqueNeeds = networkNeeds("reservations");
export const uniqueLoadBalancerAddresses: StackValidationPolicy = {
    name: "unique-loadbalancer-addresses",
    description:
        "No two LoadBalancer Services pin the same address (a Service and a patch of it count once), and none pins an address reserved for another owner " +
        "(a Traefik VIP, an address an Application owns) whose owner is not in the stack, unless the kubevip ConfigMap, with its patches, lets their namespaces share.",
    enforcementLevel: "mandatory",
    configSchema: uniqueNeeds.schema,
    validateStack: (args, reportViolation) => {
        const { reservations } = uniqueNeeds.read("unique-loadbalancer-addresses", args.getConfig());
        const resources = readable(args.resources);
        const configs = readEach(resources, kubeVipConfigData);
        const data = Object.assign({}, ...configs.filter(c => !c.patch).map(c => c.data), ...configs.filter(c => c.patch).map(c => c.data));
        const sharing = addressSharing(data);
        const services = readEach(resources, loadBalancerServices);
        const owners = new Map<string, LoadBalancerService[]>();
        for (const service of services) {
            for (const address of service.pinned) {
                const list = owners.get(address) ?? [];
                // A patch of a Service pins the same Service's address.
                if (service.service === undefined || !list.some(s => s.service === service.service)) {
                    list.push(service);
                }
                owners.set(address, list);
            }
        }
        // A reservation whose owner pins nothing here stands in for it.
        const absentOwners = reservations.filter(reservation => !services.some(service => heldBy(reservation, service)));
        for (const [address, list] of owners) {
            const parsed = parseIpv4(address);
            const reservedFor = parsed.ok ? absentOwners.filter(r => r.address === parsed.value) : [];
            const claims = list.length + reservedFor.length;
            const closed = [...new Set(list.filter(service => !sharing(service.namespace)).map(service => service.namespace))];
            const holders = parsed.ok ? reservations.filter(r => r.address === parsed.value) : [];
            const others = list.filter(service => !holders.some(r => heldBy(r, service))).map(service => service.owner);
            // allow-share exempts nothing from ownership: only the owner's own Services may share an owned address.
            const intruders = holders.length > 0 && others.length > 0;
            if (claims > 1 && (closed.length > 0 || reservedFor.length > 0 || intruders)) {
                const what = parsed.ok ? describeAddress(parsed.value, { reservations }) : address;
                const reserved = reservedFor.length === 0 ? "" : ` and reserved for ${reservedFor.map(r => r.owner).join(", ")} (not in this stack)`;
                const share = holders.length > 0
                    ? `Fix: ${address} belongs to ${holders.map(r => r.owner).join(", ")}; pin another free address of the pool for ${others.join("; ")}.`
                    : `Fix: give each its own address, or let ${closed.join(", ")} share with allow-share-<namespace>: "true" in the ${POOL_CONFIG_MAP} (Services sharing an address need distinct ports).`;
                reportViolation(
                    `${what} is pinned by ${list.length} Service${list.length === 1 ? "" : "s"}${reserved}: ${list.map(service => service.owner).join("; ")}. ` +
                    `kube-vip would announce one address for several Services, and only one of them would answer. ${share}`,
                );
            }
        }
    },
};

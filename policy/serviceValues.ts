// How a Service's addresses are written, wherever it is declared: kube-vip's
// annotation (comma-separated), or the deprecated spec.loadBalancerIP, which
// kube-vip's cloud provider copies into the annotation when none is set. Pure.

import { LOADBALANCER_IPS_ANNOTATION } from "./definitions";
import { isObject } from "./readers";

export function splitAddresses(value: unknown): string[] {
    if (Array.isArray(value)) {
        return value.flatMap(splitAddresses);
    }
    return typeof value === "string" ? value.split(",").map(a => a.trim()).filter(a => a !== "") : [];
}

/** The addresses a Service pins: kube-vip's annotation in `annotations`, else `loadBalancerIP`. */
export function serviceAddressList(annotations: unknown, loadBalancerIP?: unknown): string[] {
    const annotated = splitAddresses(isObject(annotations) ? annotations[LOADBALANCER_IPS_ANNOTATION] : undefined);
    return annotated.length > 0 ? annotated : splitAddresses(loadBalancerIP);
}

/** What a declared or rendered Service asks of the LoadBalancer machinery. */
export interface ServiceClaim {
    /** Its spec.type as rendered; undefined when the values do not say. */
    readonly type?: unknown;
    readonly loadBalancerClass?: unknown;
    /** Addresses it pins; empty when it lets the cloud provider choose. */
    readonly pinned: readonly string[];
    readonly externalIPs: readonly string[];
}

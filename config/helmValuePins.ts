// Addresses an Application's helmValues pin for its Services, wherever in the
// values tree (service.annotations, commonAnnotations, serviceDns.annotations,
// a chart's loadBalancerIP), against the addresses the Application declares
// in loadBalancerAddresses. An address pinned but not declared is owned by
// nobody: the cloud provider keeps it in range-global for any Service, and no
// policy lets the LAN reach the pods behind it. Pure.

import { LOADBALANCER_IPS_ANNOTATION } from "../policy/definitions";
import { formatIpv4, parseIpv4 } from "../policy/addressing";

/** Keys whose text value pins Service addresses: kube-vip's annotation, and the Service field the cloud provider copies into it. */
const PIN_KEYS = [LOADBALANCER_IPS_ANNOTATION, "loadBalancerIP"] as const;

export interface HelmValuePin {
    /** Where in the config: `applications[2].helmValues.service.annotations.<the annotation>`. */
    readonly where: string;
    /** The value as written. */
    readonly value: string;
    /** The addresses it names; undefined for a part that is not an IPv4 address. */
    readonly addresses: ReadonlyArray<{ readonly text: string; readonly value?: number }>;
}

/** Every pin in a values tree, in document order. */
export function helmValuePins(values: unknown, where: string): HelmValuePin[] {
    const pins: HelmValuePin[] = [];
    const walk = (node: unknown, at: string) => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => walk(item, `${at}[${i}]`));
        } else if (node !== null && typeof node === "object") {
            for (const [key, value] of Object.entries(node)) {
                if ((PIN_KEYS as readonly string[]).includes(key) && typeof value === "string" && value.trim() !== "") {
                    const addresses = value.split(",").map(part => part.trim()).filter(part => part !== "").map(text => {
                        const parsed = parseIpv4(text);
                        return parsed.ok ? { text: formatIpv4(parsed.value), value: parsed.value } : { text };
                    });
                    pins.push({ where: `${at}.${key}`, value, addresses });
                } else {
                    walk(value, `${at}.${key}`);
                }
            }
        }
    };
    walk(values, where);
    return pins;
}

/** A pinned address the Application does not declare, as a config issue's parts. */
export function undeclaredPins(values: unknown, where: string, declared: ReadonlySet<number>): Array<{ where: string; value: string; problem: string; fix: string }> {
    const issues: Array<{ where: string; value: string; problem: string; fix: string }> = [];
    for (const pin of helmValuePins(values, where)) {
        for (const address of pin.addresses) {
            if (address.value === undefined) {
                issues.push({ where: pin.where, value: pin.value, problem: `is not a list of IPv4 addresses kube-vip can pin (${address.text})`, fix: "write the address, e.g. 192.168.1.236" });
            } else if (!declared.has(address.value)) {
                issues.push({
                    where: pin.where,
                    value: pin.value,
                    problem: `pins ${address.text}, but no loadBalancerAddresses entry of this Application declares it: the cloud provider keeps it free for any other Service, and no policy lets the LAN reach the pods behind it`,
                    fix: `declare it on the workload that serves it: loadBalancerAddresses: [{address: ${address.text}, ports: [<the Service's ports>]}]`,
                });
            }
        }
    }
    return issues;
}

// What K3s runs itself and the program's policies name: its CoreDNS, behind
// the kube-dns Service. Pure.

import { KUBE_SYSTEM } from "../policy/definitions";
import type { PortSpec } from "../policy/ports";

/** K3s's CoreDNS pods. */
export const KUBE_DNS_PODS = { namespace: KUBE_SYSTEM, labels: { "k8s-app": "kube-dns" } } as const;

/** The ports CoreDNS answers on. */
export const DNS_PORTS: readonly PortSpec[] = [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }];

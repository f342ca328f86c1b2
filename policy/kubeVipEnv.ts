// kube-vip's environment as kube-vip reads it (pkg/kubevip/config_environment.go
// and startNetworking in pkg/cluster/cluster.go of kube-vip): a variable that is
// unset or empty keeps kube-vip's default; of the two address variables,
// `address` wins over `vip_address` (its older name) when both are set; a
// switch is read with Go's strconv.ParseBool, and a value ParseBool refuses
// stops kube-vip at start. The pack (policy/kubeVip.ts) and the preflight's
// adoption check (components/checks/adoption.ts) read kube-vip's containers
// through these two functions. Pure.

import { KUBE_VIP_CONTAINER, KUBE_VIP_ENV } from "./definitions";
import { parseGoBool } from "./goBool";

/** A container's environment: each variable set by value, with that value. */
export type KubeVipEnv = Readonly<Record<string, string | undefined>>;

/** The VIP kube-vip takes from its environment, and the variable that set it. */
export interface KubeVipAddress {
    readonly variable: (typeof KUBE_VIP_CONTAINER.addressEnv)[number];
    readonly value: string;
}

/** The switches kube-vip reads with ParseBool that the program and its checks care about. */
export type KubeVipSwitch =
    | typeof KUBE_VIP_ENV.controlPlane | typeof KUBE_VIP_ENV.services | typeof KUBE_VIP_ENV.servicesElection
    | typeof KUBE_VIP_ENV.arp | typeof KUBE_VIP_ENV.leaderElection;

/** The address kube-vip announces: `address` when set and not empty, else `vip_address`; undefined when neither is. */
export function kubeVipAddress(env: KubeVipEnv): KubeVipAddress | undefined {
    for (const variable of KUBE_VIP_CONTAINER.addressEnv) {
        const value = env[variable];
        if (value !== undefined && value !== "") {
            return { variable, value };
        }
    }
    return undefined;
}

/**
 * A switch as kube-vip reads it: true or false by Go's ParseBool ("True",
 * "1" and "t" are true); undefined when unset or empty (kube-vip's default,
 * off) and when ParseBool refuses the value (kube-vip does not start).
 */
export function kubeVipSwitch(env: KubeVipEnv, name: KubeVipSwitch): boolean | undefined {
    const value = env[name];
    return value === undefined || value === "" ? undefined : parseGoBool(value);
}

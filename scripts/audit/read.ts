// Reads the cluster for the live audit: one kubectl call per kind, never one
// per object, so the audit costs the same nine calls on any cluster.

import { execFileSync } from "child_process";
import { kubectlErrorLine } from "../../components/checks/kubectl";
import type { AuditPlan } from "./plan";
import type { ClusterSnapshot } from "./checks";

/** kubectl as the audit calls it: returns stdout, throws with `stderr` on failure. */
export type Kubectl = (args: string[]) => string;

/** The cluster cannot be read at all: kubectl missing, the API unreachable, a core kind refused. */
export class ClusterReadError extends Error {}

export function kubectl(args: string[]): string {
    try {
        return execFileSync("kubectl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            throw new ClusterReadError("kubectl is not on PATH: install it on the machine that runs the audit (see the README's prerequisites)");
        }
        throw error;
    }
}

const stderrOf = (error: unknown) => String((error as { stderr?: unknown }).stderr ?? (error as Error).message ?? error).trim();

/** A custom resource kind the cluster does not serve (its CRD is absent): nothing of it runs. */
const NO_SUCH_KIND = /the server doesn't have a resource type|no matches for kind|could not find the requested resource/i;

export interface ReadResult {
    readonly cluster: ClusterSnapshot;
    /** Kinds the cluster does not serve, for the report. */
    readonly absentKinds: readonly string[];
}

export function readCluster(plan: AuditPlan, run: Kubectl = kubectl): ReadResult {
    const absentKinds: string[] = [];
    const list = (resource: string, namespaced: boolean, optional: boolean): Array<Record<string, any>> => {
        let text: string;
        try {
            text = run(["get", resource, ...(namespaced ? ["--all-namespaces"] : []), "-o", "json"]);
        } catch (error) {
            if (error instanceof ClusterReadError) {
                throw error;
            }
            if (optional && NO_SUCH_KIND.test(stderrOf(error))) {
                absentKinds.push(resource);
                return [];
            }
            throw new ClusterReadError(`kubectl get ${resource} failed: ${kubectlErrorLine(stderrOf(error))}. Check that kubectl's current context is the cluster of the stack (kubectl config current-context) and that it may list ${resource}`);
        }
        return itemsOf(text, resource);
    };
    const services = list("services", true, false);
    const policies = [
        ...list("ciliumnetworkpolicies.cilium.io", true, true),
        ...list("ciliumclusterwidenetworkpolicies.cilium.io", false, true),
        ...list("networkpolicies.networking.k8s.io", true, false),
    ];
    const cidrGroups = list("ciliumcidrgroups.cilium.io", false, true);
    const applications = list("applications.argoproj.io", true, true);
    const applicationSets = list("applicationsets.argoproj.io", true, true);
    let poolConfigMap: Record<string, any> | undefined;
    try {
        poolConfigMap = JSON.parse(run(["-n", plan.poolConfigMap.namespace, "get", "configmap", plan.poolConfigMap.name, "-o", "json"]));
    } catch (error) {
        if (error instanceof ClusterReadError) {
            throw error;
        }
        if (!/NotFound|not found/.test(stderrOf(error))) {
            throw new ClusterReadError(`kubectl get configmap ${plan.poolConfigMap.name} failed: ${kubectlErrorLine(stderrOf(error))}`);
        }
    }
    let hostNetworkPods: Array<Record<string, any>>;
    try {
        hostNetworkPods = itemsOf(run(["get", "pods", "--all-namespaces", "--field-selector", "spec.hostNetwork=true", "-o", "json"]), "pods");
    } catch (error) {
        if (error instanceof ClusterReadError) {
            throw error;
        }
        throw new ClusterReadError(`kubectl get pods failed: ${kubectlErrorLine(stderrOf(error))}`);
    }
    return { cluster: { services, policies, cidrGroups, applications, applicationSets, poolConfigMap, hostNetworkPods }, absentKinds };
}

function itemsOf(text: string, resource: string): Array<Record<string, any>> {
    try {
        const parsed = JSON.parse(text);
        return Array.isArray(parsed?.items) ? parsed.items : [];
    } catch {
        throw new ClusterReadError(`kubectl get ${resource} printed something other than JSON`);
    }
}

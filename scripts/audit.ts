// The live audit of a stack (`homelab-network audit`, scripts/cli/audit.ts).
//
// Reads the cluster of kubectl's current context (one call per kind:
// Services, Cilium and Kubernetes network policies, CIDR groups, Argo CD
// Applications and ApplicationSets, the kubevip ConfigMap, host-network pods)
// and checks the promises the pack checks at preview time against what
// really runs: each owned address held only by its owner's Service, no
// LoadBalancer address outside the pool, no pinned address nobody declared,
// range-global as planned, no policy admitting the LAN on a port nobody owns,
// every Application's (and ApplicationSet template's) namespace, destination
// and pinned sources, no host-network pod outside the platform. See
// docs/audit.md.
//
// Exit codes (scripts/cli/exitCodes.ts): 0 the cluster keeps the plan, 1 a
// breach, 2 the stack's config, 3 a cluster that could not be read.

import * as path from "path";
import { EXIT } from "./cli/exitCodes";
import { stackSettingsOf } from "./policyConfig";
import { auditCluster, formatFindings } from "./audit/checks";
import { auditPlanOf } from "./audit/plan";
import { ClusterReadError, Kubectl, kubectl, readCluster } from "./audit/read";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface AuditDeps {
    /** Replaces kubectl (tests, the benchmark). */
    readonly run?: Kubectl;
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
    /** The folder whose stack files are read; default: this repository. */
    readonly root?: string;
}

/** Audits the cluster against a stack's plan and returns the exit code; a config error throws, as it would stop pulumi up. */
export function auditStack(stack: string, deps: AuditDeps = {}): number {
    const out = deps.out ?? ((text: string) => console.log(text));
    const err = deps.err ?? ((text: string) => console.error(text));
    const plan = auditPlanOf(stack, stackSettingsOf(deps.root ?? REPO_ROOT, stack));
    let read;
    try {
        read = readCluster(plan, deps.run ?? kubectl);
    } catch (error) {
        if (error instanceof ClusterReadError) {
            err(`Live audit of stack "${stack}": the cluster cannot be read. ${error.message}`);
            return EXIT.cluster;
        }
        throw error;
    }
    const findings = auditCluster(plan, read.cluster);
    const absent = read.absentKinds.length === 0 ? "" : `\n\nNot served by this cluster (nothing of them runs): ${read.absentKinds.join(", ")}`;
    const breached = findings.some(f => f.breach);
    (breached ? err : out)(`${formatFindings(plan, findings)}${absent}`);
    return breached ? EXIT.findings : EXIT.clean;
}

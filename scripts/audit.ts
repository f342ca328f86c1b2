// The live audit of a stack: `npm run audit -- --stack <name>`.
//
// Reads the cluster of kubectl's current context (one call per kind:
// Services, Cilium and Kubernetes network policies, CIDR groups, Argo CD
// Applications, the kubevip ConfigMap, host-network pods) and checks the
// promises the pack checks at preview time against what really runs: each
// owned address held only by its owner's Service, no LoadBalancer address
// outside the pool, no pinned address nobody declared, range-global as
// planned, no policy admitting the LAN on a port nobody owns, every
// Application's namespace and destination, no host-network pod outside the
// platform. See docs/audit.md.
//
// Exit codes: 0 the cluster keeps the plan, 1 a breach, 2 the stack's config
// or the cluster cannot be read, 64 bad usage.

import * as path from "path";
import { stackSettingsOf } from "./policyConfig";
import { auditCluster, formatFindings } from "./audit/checks";
import { AuditPlan, auditPlanOf } from "./audit/plan";
import { ClusterReadError, Kubectl, kubectl, readCluster } from "./audit/read";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run audit -- --stack <name>";

export interface AuditDeps {
    /** Replaces kubectl (tests, the benchmark). */
    readonly run?: Kubectl;
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
    /** The repository whose stack files are read. */
    readonly root?: string;
}

export function main(argv: string[], deps: AuditDeps = {}): number {
    const out = deps.out ?? ((text: string) => console.log(text));
    const err = deps.err ?? ((text: string) => console.error(text));
    if (argv.length !== 2 || argv[0] !== "--stack" || argv[1] === "") {
        err(USAGE);
        return 64;
    }
    const stack = argv[1];
    let plan: AuditPlan;
    try {
        plan = auditPlanOf(stack, stackSettingsOf(deps.root ?? REPO_ROOT, stack));
    } catch (error) {
        err((error as Error).message);
        return 2;
    }
    let read;
    try {
        read = readCluster(plan, deps.run ?? kubectl);
    } catch (error) {
        if (error instanceof ClusterReadError) {
            err(`Live audit of stack "${stack}": the cluster cannot be read. ${error.message}`);
            return 2;
        }
        throw error;
    }
    const findings = auditCluster(plan, read.cluster);
    const report = formatFindings(plan, findings);
    const absent = read.absentKinds.length === 0 ? "" : `\n\nNot served by this cluster (nothing of them runs): ${read.absentKinds.join(", ")}`;
    const breached = findings.some(f => f.breach);
    (breached ? err : out)(`${report}${absent}`);
    return breached ? 1 : 0;
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}

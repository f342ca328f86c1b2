// `node --max-semi-space-size=64 -r ts-node/register/transpile-only tools/diffSynthetic.ts <N>`:
// the policy diff of the home network with N generated Applications
// (tools/syntheticStack.ts) against its own generated policies, for `npm run
// bench`. Prints one JSON line: the time of the program's offline run, of the
// diff itself, and what the diff found (nothing should be lost or gained).

import { diffPolicies } from "../scripts/policyDiff/diff";
import { stackPolicies, workloadsOf } from "../scripts/policyDiff/run";
import { syntheticApplications } from "./syntheticStack";

async function main(count: number): Promise<void> {
    const start = process.hrtime.bigint();
    const policies = await stackPolicies("home", undefined, { applications: syntheticApplications(count) });
    const ran = process.hrtime.bigint();
    const workloads = workloadsOf(undefined, [policies]);
    const diff = diffPolicies(policies, policies, workloads);
    const end = process.hrtime.bigint();
    console.log(JSON.stringify({
        runMs: Number(ran - start) / 1e6, diffMs: Number(end - ran) / 1e6, ms: Number(end - start) / 1e6,
        policies: policies.length, workloads: workloads.length, lost: diff.lost.length, gained: diff.gained.length,
    }));
}

if (require.main === module) {
    main(Number(process.argv[2] ?? "200")).then(() => process.exit(0), error => {
        console.error(error);
        process.exit(1);
    });
}

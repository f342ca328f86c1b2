// `node --max-semi-space-size=64 -r ts-node/register/transpile-only tools/planSynthetic.ts <N> [<stack folder>]`:
// the offline plan of the home network with N generated Applications
// (tools/syntheticStack.ts), for `npm run bench`. Prints one JSON line: the
// plan's own time in this process, the resources and the exit code.
//
// Without a folder, the Applications are handed to the plan as a config
// override. With one (a folder tools/diffSynthetic.ts prepared, whose
// Pulumi.home.yaml lists the same N Applications), the plan reads that stack
// file, as `homelab-network plan` and policy-diff read a stack: the plan that
// policy-diff's figure is a ratio to pays for the same file.

import { plan } from "../scripts/plan";
import { syntheticApplications, syntheticSize } from "./syntheticStack";

async function main(count: number, stackFolder: string | undefined): Promise<void> {
    const start = process.hrtime.bigint();
    const result = stackFolder === undefined ? await plan("home", { applications: syntheticApplications(count) }) : await plan("home", {}, undefined, stackFolder);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ ...syntheticSize(count), ms, resources: result.counts?.resources ?? 0, exitCode: result.exitCode, violations: result.violations.length }));
}

if (require.main === module) {
    main(Number(process.argv[2] ?? "200"), process.argv[3]).then(() => process.exit(0), error => {
        console.error(error);
        process.exit(1);
    });
}

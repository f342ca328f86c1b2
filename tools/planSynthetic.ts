// `node --max-semi-space-size=64 -r ts-node/register/transpile-only tools/planSynthetic.ts <N>`:
// the offline plan of the home network with N generated Applications
// (tools/syntheticStack.ts), for `npm run bench`. Prints one JSON line: the
// plan's own time in this process, the resources and the exit code.

import { plan } from "../scripts/plan";
import { syntheticApplications, syntheticSize } from "./syntheticStack";

async function main(count: number): Promise<void> {
    const start = process.hrtime.bigint();
    const result = await plan("home", { applications: syntheticApplications(count) });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ ...syntheticSize(count), ms, resources: result.counts?.resources ?? 0, exitCode: result.exitCode, violations: result.violations.length }));
}

if (require.main === module) {
    main(Number(process.argv[2] ?? "200")).then(() => process.exit(0), error => {
        console.error(error);
        process.exit(1);
    });
}

// `node --max-semi-space-size=64 -r ts-node/register/transpile-only scripts/planSynthetic.ts <N>`:
// the offline plan of the home network with N generated Applications
// (scripts/syntheticStack.ts), for `npm run bench`. Prints one JSON line: the
// plan's own time in this process, the resources and the exit code.

import { plan } from "./plan";
import { syntheticApplications, syntheticSize } from "./syntheticStack";

async function main(count: number): Promise<void> {
    const start = process.hrtime.bigint();
    const result = await plan("home", { applications: syntheticApplications(count) });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const resources = Number(/Resources per component \((\d+) in all\)/.exec(result.report)?.[1] ?? "0");
    console.log(JSON.stringify({ ...syntheticSize(count), ms, resources, exitCode: result.exitCode, violations: result.violations.length }));
}

if (require.main === module) {
    main(Number(process.argv[2] ?? "200")).then(() => process.exit(0), error => {
        console.error(error);
        process.exit(1);
    });
}

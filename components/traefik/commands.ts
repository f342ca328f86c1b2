// The command line `pulumi up` runs to apply Traefik's CRDs before its
// release (components/traefik/apply-crds.ts). Pure.

import { NODE_TS } from "../checks/commands";
import { TRAEFIK, TRAEFIK_CRDS } from "./names";

export function applyCrdsCommand(chartVersion: string): string {
    const args = [...NODE_TS, TRAEFIK_CRDS.script, TRAEFIK.repository, TRAEFIK.chart, chartVersion];
    // Every part is a path, a URL or a validated version: nothing to quote.
    for (const arg of args) {
        if (!/^[A-Za-z0-9_./:+-]+$/.test(arg)) {
            throw new Error(`refusing to put ${JSON.stringify(arg)} on a shell command line`);
        }
    }
    return args.join(" ");
}

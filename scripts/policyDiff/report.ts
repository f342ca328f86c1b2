// The policy diff's listing: what was read and mapped, then lost, then
// gained, then what is not counted as lost and why (each entry named). Pure.

import { DiffEntry, entryText } from "./diff";
import { folderText } from "./folder";
import type { DiffResult } from "./run";

/** For a diff of two sides that needed no preparing. */
const NOTHING_PREPARED: DiffResult["original"] = { policies: [], mappings: [], vacuous: [], remainder: [], inRemainder: () => false };

const lines = (entries: readonly DiffEntry[]) => entries.map(entryText).sort().map(t => `  ${t}`);

function apart(title: string, entries: readonly string[]): string[] {
    return entries.length === 0 ? [] : ["", `${title}: ${entries.length}`, ...entries.map(e => `  ${e}`)];
}

/** The listing: lost first, then gained, then the rest, each sorted. */
export function diffReport({ diff, original = NOTHING_PREPARED, folder, narrowed }: Pick<DiffResult, "diff"> & Partial<DiffResult>): string {
    return [
        ...(folder === undefined ? [] : folderText(folder)),
        ...original.mappings,
        `Compared ${diff.workloads} workloads${diff.skippedHostNetwork > 0 ? ` (${diff.skippedHostNetwork} host-network, outside policy, left out)` : ""}.`,
        "",
        `Lost (allowed before, not by the stack): ${diff.lost.length === 0 ? "none" : diff.lost.length}`,
        ...lines(diff.lost),
        "",
        `Gained (allowed by the stack, not before): ${diff.gained.length === 0 ? "none" : diff.gained.length}`,
        ...lines(diff.gained),
        ...apart("Not counted as lost: traffic only the platform's own pods (Argo CD, Traefik, Hubble, CoreDNS, kube-vip) no longer allow at their end, whose policies the program writes", diff.platform.map(entryText).sort()),
        ...apart("Not counted as lost: world ingress to pods that nothing exposes (no LoadBalancer or NodePort Service, no externalIPs), which reached them from nowhere", diff.unreachable.map(entryText).sort()),
        ...(narrowed === undefined || narrowed.entries.length === 0 ? [] : [
            "",
            `Not counted as lost: egress outside the cluster on ports no probe uses, from probers whose config says what they reach (the importer narrows them: the pack refuses world egress on every port): ${narrowed.entries.length}`,
            ...narrowed.probers.map(p => `  prober ${p}`),
            ...lines(narrowed.entries),
        ]),
        ...apart("Not counted: rules whose peer matched nothing in the original (no workload either side declares), left out of both sides", original.vacuous),
        ...apart("Not counted: the remainder, rules the program cannot express (policies in a namespace the platform owns, for pods other than the platform's), by policy, rule, peer and ports", original.remainder),
        ...apart("Not counted as lost: traffic only the remainder's pods no longer allow at their end", diff.remainder.map(entryText).sort()),
    ].join("\n");
}

/** Whether the diff fails: traffic lost that nothing above explains. */
export function anythingLost(result: Pick<DiffResult, "diff">): boolean {
    return result.diff.lost.length > 0;
}

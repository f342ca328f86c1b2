// Every stack at once: two stacks whose LANs overlap are two clusters on one
// network, and kube-vip in each answers ARP for the addresses its stack
// claims. Each stack's plan is sound alone; only read side by side do two
// API VIPs on one address, or one pool inside the other, show. The offline
// plan reads every other Pulumi.<stack>.yaml of the repository for this.

import { Ipv4Range, blockAsRange, formatRange, rangesOverlap } from "../policy/addressing";
import type { StackSettings } from "../config/stack";
import { stackSettingsOf } from "./policyConfig";
import { listStacks } from "./stackFiles";

interface Claim {
    readonly key: string;
    readonly range: Ipv4Range;
}

function claimsOf(settings: StackSettings): Claim[] {
    const a = settings.addresses;
    return [
        { key: "controlPlaneVip", range: { start: a.controlPlaneVip.value, end: a.controlPlaneVip.value } },
        { key: "loadBalancerPool", range: a.loadBalancerPool },
    ];
}

/** Where two stacks on one LAN claim the same addresses, one sentence each naming both stacks, their keys and the fix. */
export function stackConflicts(stack: string, settings: StackSettings, other: string, otherSettings: StackSettings): string[] {
    const lan = settings.addresses.lan;
    const otherLan = otherSettings.addresses.lan;
    if (!rangesOverlap(blockAsRange(lan), blockAsRange(otherLan))) {
        return [];
    }
    const conflicts: string[] = [];
    for (const mine of claimsOf(settings)) {
        for (const theirs of claimsOf(otherSettings)) {
            if (!rangesOverlap(mine.range, theirs.range)) {
                continue;
            }
            const shared = { start: Math.max(mine.range.start, theirs.range.start), end: Math.min(mine.range.end, theirs.range.end) };
            conflicts.push(
                `stack "${stack}" and stack "${other}" are on one LAN (${lan.cidr}${otherLan.cidr === lan.cidr ? "" : ` and ${otherLan.cidr}`}) and both claim ${formatRange(shared)}: ` +
                `${mine.key} ${formatRange(mine.range)} in Pulumi.${stack}.yaml, ${theirs.key} ${formatRange(theirs.range)} in Pulumi.${other}.yaml. ` +
                "kube-vip in both clusters would answer ARP for the same address, and clients would reach whichever answered last. " +
                `Fix: give each stack addresses of its own (change ${mine.key} in Pulumi.${stack}.yaml or ${theirs.key} in Pulumi.${other}.yaml).`,
            );
        }
    }
    return conflicts;
}

/**
 * The conflicts of `stack` with every other stack of the repository, and the
 * stacks that could not be read (their own plan reports why).
 */
export function crossStackConflicts(root: string, stack: string, settings: StackSettings): { conflicts: string[]; unreadable: string[] } {
    const conflicts: string[] = [];
    const unreadable: string[] = [];
    for (const other of listStacks(root).filter(s => s !== stack)) {
        let otherSettings: StackSettings;
        try {
            otherSettings = stackSettingsOf(root, other);
        } catch {
            unreadable.push(other);
            continue;
        }
        conflicts.push(...stackConflicts(stack, settings, other, otherSettings));
    }
    return { conflicts, unreadable };
}

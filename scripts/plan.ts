// The offline plan (`homelab-network plan`, scripts/cli/plan.ts).
//
// Runs the real program (index.ts) under mocks with the stack's config, runs
// the real policy pack over the resources it declares, and reports the address
// plan, the resources per component and every violation, with the stack's
// topology (the network, and the declared connections) as Mermaid. It also
// reads every other Pulumi.<stack>.yaml: two stacks on one LAN must not claim
// the same VIPs or pool addresses. Needs no cluster and no Pulumi CLI.
//
// Exit codes (scripts/cli/exitCodes.ts): 0 plan clean (advisories allowed),
// 1 a mandatory violation (or an address another stack on the LAN claims
// too), 2 a config error.

import * as pulumi from "@pulumi/pulumi";
import { rangeContains, rangeSize } from "../policy/addressing";
import { loadBalancerServices } from "../policy/addresses";
import { formatPort } from "../policy/ports";
import { ProgramRun, REPO_ROOT, runProgram } from "./offlineRun";
import type { StackSettings } from "../config/stack";
import { policyPackConfigFor, stackSettingsOf } from "./policyConfig";
import { PolicyPackConfig, Violation, runPolicies } from "./policyRunner";
import { StackConfigValues, StackFileError, listStacks } from "./stackFiles";
import { crossStackConflicts } from "./stackOverlap";
import { topologyDocument } from "./topology";
import { argoCdNeedsReport } from "./argoCdNeeds";

/** What the plan counted, for tools that compare plans (tools/planSynthetic.ts). */
export interface PlanCounts {
    /** The resources the program declares, components left out. */
    readonly resources: number;
    /** The top-level components, each a line of "Resources per component". */
    readonly components: number;
}

export interface PlanResult {
    readonly exitCode: number;
    readonly report: string;
    /** Absent when the config stopped the program before it declared anything. */
    readonly counts?: PlanCounts;
    /** The topology document: the network and the declared connections, as Mermaid. */
    readonly diagram?: string;
    readonly violations: readonly Violation[];
}

/**
 * The pool, address by address: each owned one with its owner (and the
 * program's Service that pins it, or the ports an Application serves there),
 * then what the cloud provider may still hand out.
 */
function poolTable(settings: StackSettings, run: ProgramRun): string[] {
    const pool = settings.addresses.loadBalancerPool;
    const pinnedBy = new Map<string, string[]>();
    for (const service of run.resources.flatMap(r => loadBalancerServices({ type: r.type, name: r.name, props: r.inputs }))) {
        for (const address of service.pinned) {
            pinnedBy.set(address, [...(pinnedBy.get(address) ?? []), service.owner]);
        }
    }
    const owned = settings.ownership.reservations.filter(r => rangeContains(pool, r.address.value)).sort((x, y) => x.address.value - y.address.value);
    const rows = owned.map(({ address, owner }) => {
        const detail = owner.kind === "application"
            ? `: ${(owner.ports ?? []).map(formatPort).join(", ")}`
            : (pinnedBy.get(address.text) ?? []).map(s => `: pinned by ${s}`).join("");
        return `    ${address.text.padEnd(15)} ${owner.description}${detail}`;
    });
    const unpinned = settings.ownership.unpinned;
    const count = unpinned.reduce((sum, r) => sum + rangeSize(r), 0);
    return [
        `  pool            ${pool.text} (${rangeSize(pool)} addresses, ${owned.length} owned)`,
        ...rows,
        count === 0
            ? "    unpinned      none: a Service that pins no address stays <pending>"
            : `    unpinned      ${count}: ${unpinned.map(r => r.text).join(", ")} (the cloud provider's range-global)`,
    ];
}

/** Which Applications are staged (policies allow what is declared, deny nothing else) and which enforce. */
export function enforcementLines(settings: Pick<StackSettings, "applications">): string[] {
    const apps = settings.applications;
    const staged = apps.filter(app => app.enforcement === "staged");
    if (apps.length === 0) {
        return ["Policy enforcement: no Applications"];
    }
    if (staged.length === 0) {
        return [`Policy enforcement: all ${apps.length} Applications enforce (default deny)`];
    }
    const namespaces = [...new Set(staged.map(app => app.namespace))];
    // An enforced Application that shares a namespace with a staged one loses the namespace-wide deny too.
    const sharing = apps.filter(app => app.enforcement === "enforce" && namespaces.includes(app.namespace)).map(app => app.name);
    return [
        `Policy enforcement: ${staged.length} of ${apps.length} Applications staged (enableDefaultDeny off: declared connections allowed, nothing else denied)`,
        ...staged.map(app => `  staged  ${app.name.padEnd(28)} namespace ${app.namespace}`),
        ...(sharing.length === 0 ? [] : [`  note: ${sharing.join(", ")} enforce${sharing.length === 1 ? "s" : ""} only through ${sharing.length === 1 ? "its" : "their"} own policies: ${sharing.length === 1 ? "its namespace's" : "their namespaces'"} baseline is staged`]),
        `  enforce the rest: ${apps.length - staged.length}. Switch a staged one with enforcement: enforce once Hubble shows no traffic it does not declare.`,
    ];
}

function componentSummary(run: ProgramRun): string[] {
    const byUrn = new Map(run.resources.map(r => [r.urn, r]));
    const topLevel = run.resources.filter(r => !r.custom && (r.parent === "" || !byUrn.has(r.parent)));
    const rootOf = (urn: string): string => {
        let current = byUrn.get(urn);
        while (current !== undefined && byUrn.has(current.parent)) {
            current = byUrn.get(current.parent);
        }
        return current?.urn ?? urn;
    };
    const lines: string[] = [];
    for (const component of topLevel) {
        const members = run.resources.filter(r => r.custom && rootOf(r.urn) === component.urn);
        const kinds = new Map<string, number>();
        for (const member of members) {
            const kind = member.type.split(":").pop()!;
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
        const detail = [...kinds].map(([kind, count]) => (count > 1 ? `${count} ${kind}` : kind)).join(", ");
        lines.push(`  ${component.type.split(":").pop()!.padEnd(22)} ${component.name.padEnd(26)} ${String(members.length).padStart(3)}  ${detail}`);
    }
    return lines;
}

/**
 * `overrides` replaces stack config keys and `packConfig` the pack's config,
 * so tests can plan a broken variant of a stack without writing files; `root`
 * is the folder whose Pulumi.yaml and Pulumi.<stack>.yaml are read.
 */
export async function plan(stack: string, overrides: StackConfigValues = {}, packConfig?: PolicyPackConfig, root: string = REPO_ROOT, gitopsRepo?: string): Promise<PlanResult> {
    let run: ProgramRun;
    try {
        run = await runProgram(stack, overrides, root);
    } catch (error) {
        if (error instanceof pulumi.RunError || error instanceof StackFileError) {
            return { exitCode: 2, report: error.message, violations: [] };
        }
        throw error;
    }
    // The same typed plan the program read its config into.
    const settings = stackSettingsOf(root, stack, overrides);
    const violations = await runPolicies(
        run.resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs })),
        packConfig ?? policyPackConfigFor(settings),
    );

    // Every other stack of the repository: two on one LAN must not claim the same addresses.
    const others = crossStackConflicts(root, stack, settings);
    const otherStacks = listStacks(root).filter(s => s !== stack);

    const a = settings.addresses;
    const needs = await argoCdNeedsReport(settings.applications, settings.platformAccess.sopsAgeKey, gitopsRepo);
    const apiUrl = String(run.outputs.apiServerUrl);

    const resourceCount = run.resources.filter(r => r.custom).length;
    const components = componentSummary(run);
    const report = [
        `Offline plan of stack "${stack}": the program ran under mocks; no cluster or Pulumi CLI was used.`,
        "",
        "Address plan",
        `  LAN             ${a.lan.cidr}`,
        `  gateway         ${a.gateway?.text ?? "not set: cannot prove no VIP is the router's address"}`,
        `  DHCP scope      ${a.dhcpScope?.text ?? "not set: cannot prove the VIPs stay out of it"}`,
        `  API VIP         ${a.controlPlaneVip.text} (${apiUrl}) on ${a.vipInterface}`,
        ...poolTable(settings, run),
        `  pod CIDR        ${a.podCidr.cidr}`,
        `  service CIDR    ${a.serviceCidr.cidr}`,
        `  Cilium devices  ${a.ciliumDevices.join(" ")}`,
        "",
        ...needs,
        "",
        `Resources per component (${resourceCount} in all)`,
        ...components,
        "",
        ...enforcementLines(settings),
        "",
        violations.length === 0 ? "Policy violations: none" : `Policy violations: ${violations.length}`,
        ...violations.map(v => `  [${v.enforcementLevel}] ${v.policy}: ${v.message}`),
        "",
        otherStacks.length === 0 ? "Other stacks: none in this repository"
            : others.conflicts.length === 0 && others.unreadable.length === 0 ? `Other stacks (${otherStacks.join(", ")}): no address claimed twice on one LAN`
                : others.conflicts.length === 0 ? `Other stacks (${otherStacks.join(", ")}): none of those read claims an address twice on one LAN`
                : `Other stacks: ${others.conflicts.length} address claim${others.conflicts.length === 1 ? "" : "s"} shared on one LAN`,
        ...others.conflicts.map(c => `  [mandatory] ${c}`),
        ...others.unreadable.map(s => `  stack "${s}" could not be read (its own plan says why), so its addresses were not compared`),
    ].join("\n");

    const mandatory = violations.some(v => v.enforcementLevel === "mandatory") || others.conflicts.length > 0;
    return {
        exitCode: mandatory ? 1 : 0,
        report,
        counts: { resources: resourceCount, components: components.length },
        diagram: topologyDocument(stack, settings),
        violations,
    };
}

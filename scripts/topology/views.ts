// Two views of the connection graph, each small enough to read at the home
// cluster's 55 Applications:
//
// - The overview: one node per namespace, one unlabelled arrow per ordered
//   pair of namespaces that talk (however many workloads and ports). The
//   peers outside the Applications are not drawn there but listed per
//   namespace (`namespaceSummaries`, a table in the document): nearly every
//   namespace talks to them, and their arrows are what made the single
//   diagram a hairball. Pods of an Application's namespace that no workload
//   declares count as that namespace.
// - One diagram per namespace: its workloads and every connection one of them
//   makes or takes, with its ports. A peer is drawn once per workload of this
//   namespace that it talks to, beside it, so no two arrows share an end
//   outside the namespace: an arrow into "Internet" leaves from the workload
//   that calls it, and no label sits where arrows meet.
//
// Neither view uses subgraphs: Mermaid's layout puts an edge's label where it
// crosses a group's border, on top of the group's title. Peers stand on the
// left when they call in and on the right when they are called. Pure.

import type { WorkloadSpec } from "../../config/applications";
import { ConnectionGraph, End, connectionLabel, endKey, namespaceOf } from "./connections";
import { Classes, HEAD, Ids, label } from "./mermaid";

type Side = "in" | "out";

/** A workload's own lines: the Application's name when neither the workload's nor the namespace's says it. */
function workloadLines(w: WorkloadSpec): string[] {
    const title = w.wholeNamespace ? w.app : w.name;
    const detail = w.wholeNamespace ? "whole namespace" : w.app === w.name || w.app === w.namespace ? undefined : `Application ${w.app}`;
    return [title, ...(detail === undefined ? [] : [detail])];
}

/** The namespace an end stands for in the overview: a workload's, or an Application namespace's undeclared pods. */
function overviewNamespace(end: End, graph: ConnectionGraph): string | undefined {
    if (end.kind === "workload") {
        return end.workload.namespace;
    }
    return end.podsOf !== undefined && graph.namespaces.has(end.podsOf) ? end.podsOf : undefined;
}

/** What the overview says of one namespace. */
export interface NamespaceSummary {
    readonly namespace: string;
    readonly applications: readonly string[];
    readonly workloads: number;
    /** The namespaces whose workloads (or undeclared pods) call this one's, and those it calls. */
    readonly calledByNamespaces: readonly string[];
    readonly callsNamespaces: readonly string[];
    /** The peers outside the Applications that call this namespace's workloads, and those they call, by brief name. */
    readonly calledBy: readonly string[];
    readonly calls: readonly string[];
}

/** Every namespace that holds a workload, by name, with whom it talks. */
export function namespaceSummaries(graph: ConnectionGraph): NamespaceSummary[] {
    const sets = new Map<string, { calledByNamespaces: Set<string>; callsNamespaces: Set<string>; calledBy: Set<string>; calls: Set<string> }>();
    for (const namespace of graph.namespaces.keys()) {
        sets.set(namespace, { calledByNamespaces: new Set(), callsNamespaces: new Set(), calledBy: new Set(), calls: new Set() });
    }
    for (const connection of graph.connections) {
        const from = overviewNamespace(connection.from, graph);
        const to = overviewNamespace(connection.to, graph);
        if (from !== undefined && to !== undefined) {
            if (from !== to) {
                sets.get(from)!.callsNamespaces.add(to);
                sets.get(to)!.calledByNamespaces.add(from);
            }
        } else if (to !== undefined && connection.from.kind === "external") {
            connection.from.brief.forEach(name => sets.get(to)!.calledBy.add(name));
        } else if (from !== undefined && connection.to.kind === "external") {
            connection.to.brief.forEach(name => sets.get(from)!.calls.add(name));
        }
    }
    const sorted = (set: Set<string>) => [...set].sort();
    return [...graph.namespaces.keys()].sort().map(namespace => {
        const { applications, workloads } = graph.namespaces.get(namespace)!;
        const found = sets.get(namespace)!;
        return {
            namespace, applications, workloads: workloads.length,
            calledByNamespaces: sorted(found.calledByNamespaces), callsNamespaces: sorted(found.callsNamespaces),
            calledBy: sorted(found.calledBy), calls: sorted(found.calls),
        };
    });
}

/** The namespaces, one node each, and one arrow per ordered pair of namespaces that talk. */
export function overviewDiagram(stack: string, graph: ConnectionGraph): string {
    const ids = new Ids();
    const classes = new Classes();
    const lines: string[] = [...HEAD];
    if (graph.namespaces.size === 0) {
        const none = ids.of("none");
        lines.push(`    ${none}[${label([`Stack ${stack} declares no Applications`, "nothing to connect"], true)}]`);
        return lines.join("\n");
    }
    const node = (namespace: string) => ids.of(`ns:${namespace}`, `ns_${namespace}`);
    const summaries = namespaceSummaries(graph);
    for (const summary of summaries) {
        const apps = summary.applications.length === 1 ? "1 Application" : `${summary.applications.length} Applications`;
        const workloads = summary.workloads === 1 ? "1 workload" : `${summary.workloads} workloads`;
        lines.push(`    ${node(summary.namespace)}[${label([summary.namespace, `${apps}, ${workloads}`], true)}]`);
        classes.add("workload", node(summary.namespace));
    }
    for (const summary of summaries) {
        lines.push(...summary.callsNamespaces.map(to => `    ${node(summary.namespace)} --> ${node(to)}`));
    }
    lines.push(...classes.lines());
    return lines.join("\n");
}

/** The connections one namespace's workloads make and take, each from its caller, with its ports. */
export function namespaceDiagram(namespace: string, graph: ConnectionGraph): string {
    const entry = graph.namespaces.get(namespace);
    if (entry === undefined) {
        throw new Error(`no Application declares a workload in namespace ${namespace}`);
    }
    const ids = new Ids();
    const classes = new Classes();
    const lines: string[] = [...HEAD];
    const own = (w: WorkloadSpec) => ids.of(`w:${w.id}`, `w_${w.id}`);
    for (const w of entry.workloads) {
        lines.push(`    ${own(w)}[${label(workloadLines(w), true)}]`);
        classes.add("workload", own(w));
    }
    const peers: string[] = [];
    /** A peer's node beside the one workload of this namespace it talks to. */
    const peerNode = (end: End, side: Side, beside: WorkloadSpec): string => {
        const id = ids.of(`${side}:${beside.id}:${endKey(end)}`, `${side}_${beside.id}_${endKey(end).slice(2)}`);
        if (end.kind === "workload") {
            peers.push(`    ${id}[${label([...workloadLines(end.workload), `namespace ${end.workload.namespace}`], true)}]`);
            classes.add("neighbour", id);
        } else {
            peers.push(`    ${id}[${label(end.lines, true)}]`);
            classes.add(end.style, id);
        }
        return id;
    };
    const inside = (end: End): end is { kind: "workload"; workload: WorkloadSpec } => namespaceOf(end) === namespace;
    const arrows: string[] = [];
    for (const connection of graph.connections) {
        const { from, to } = connection;
        let ends: [string, string];
        if (inside(from) && inside(to)) {
            ends = [own(from.workload), own(to.workload)];
        } else if (inside(to)) {
            ends = [peerNode(from, "in", to.workload), own(to.workload)];
        } else if (inside(from)) {
            ends = [own(from.workload), peerNode(to, "out", from.workload)];
        } else {
            continue;
        }
        arrows.push(`    ${ends[0]} -->|${label(connectionLabel(connection))}| ${ends[1]}`);
    }
    lines.push(...peers, ...arrows, ...classes.lines());
    return lines.join("\n");
}

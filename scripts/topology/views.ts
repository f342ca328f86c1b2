// The views of the connection graph, each small enough to read at the home
// cluster's 55 Applications (measured in docs/topology.md):
//
// - The overview: one node per namespace, one unlabelled arrow per ordered
//   pair of namespaces that talk (however many workloads and ports). The
//   peers outside the Applications are not drawn there but listed per
//   namespace (`namespaceSummaries`, a table in the document): nearly every
//   namespace talks to them, and their arrows are what made the single
//   diagram a hairball. Pods of an Application's namespace that no workload
//   declares count as that namespace. Past a dozen namespaces it runs top to
//   bottom: a row of 28 was 9,000 pixels wide.
// - A namespace of a few workloads: one diagram of its workloads and every
//   connection one of them makes or takes, with its ports. A peer is drawn
//   once per workload of this namespace that it talks to, beside it, so no
//   two arrows share an end outside the namespace: an arrow into "Internet"
//   leaves from the workload that calls it, and no label sits where arrows
//   meet. A workload's call to itself goes to a dashed copy of it marked
//   "itself": Mermaid lays the label of a loop over the nodes.
// - A namespace of more: a map (its workloads and the namespaces they talk
//   to, one unlabelled arrow per caller and callee; the peers outside the
//   Applications named in each workload's box by the overview's names, as
//   nearly every workload has some and their arrows tangle), then one
//   diagram per workload drawn as above. One diagram of the home cluster's
//   20 monitoring workloads was 8,300 pixels tall, with labels over nodes.
//
// No view uses subgraphs: Mermaid's layout puts an edge's label where it
// crosses a group's border, on top of the group's title. Peers stand on the
// left when they call in and on the right when they are called. Pure.

import type { WorkloadSpec } from "../../config/applications";
import { ConnectionGraph, End, connectionLabel, endKey, namespaceOf } from "./connections";
import { Classes, Ids, head, label } from "./mermaid";

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

/** A namespace with more workloads than this is drawn as a map and one diagram per workload. */
export const WORKLOADS_IN_ONE_DIAGRAM = 4;

/** An overview of more namespaces than this runs top to bottom. */
export const NAMESPACES_IN_A_ROW = 12;

/**
 * Top to bottom, the namespaces that talk to no other would stand in one row
 * (eleven of the home cluster's 26, 3,800 pixels wide): invisible links
 * (`~~~`) set them in rows of this many.
 */
const LONE_NAMESPACES_IN_A_ROW = 4;

/** The namespaces, one node each, and one arrow per ordered pair of namespaces that talk. */
export function overviewDiagram(stack: string, graph: ConnectionGraph): string {
    const ids = new Ids();
    const classes = new Classes();
    const topDown = graph.namespaces.size > NAMESPACES_IN_A_ROW;
    const lines = head(topDown ? "TB" : "LR");
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
    if (topDown) {
        const lone = summaries.filter(s => s.callsNamespaces.length === 0 && s.calledByNamespaces.length === 0).map(s => node(s.namespace));
        lines.push(...lone.slice(LONE_NAMESPACES_IN_A_ROW).map((id, i) => `    ${lone[i]} ~~~ ${id}`));
    }
    lines.push(...classes.lines());
    return lines.join("\n");
}

function workloadsOf(namespace: string, graph: ConnectionGraph): readonly WorkloadSpec[] {
    const entry = graph.namespaces.get(namespace);
    if (entry === undefined) {
        throw new Error(`no Application declares a workload in namespace ${namespace}`);
    }
    return entry.workloads;
}

type WorkloadEnd = { kind: "workload"; workload: WorkloadSpec };

/**
 * Every connection that one of `own` makes or takes, from its caller, with
 * its ports; each peer drawn beside the one workload of `own` it talks to.
 */
function connectionsDiagram(own: readonly WorkloadSpec[], graph: ConnectionGraph): string {
    const ids = new Ids();
    const classes = new Classes();
    const lines = head();
    const node = (w: WorkloadSpec) => ids.of(`w:${w.id}`, `w_${w.id}`);
    for (const w of own) {
        lines.push(`    ${node(w)}[${label(workloadLines(w), true)}]`);
        classes.add("workload", node(w));
    }
    const peers: string[] = [];
    const peerNode = (end: End, side: Side, beside: WorkloadSpec): string => {
        const id = ids.of(`${side}:${beside.id}:${endKey(end)}`, `${side}_${beside.id}_${endKey(end).slice(2)}`);
        if (end.kind === "workload") {
            const where = end.workload.id === beside.id ? "itself" : `namespace ${end.workload.namespace}`;
            peers.push(`    ${id}[${label([...workloadLines(end.workload), where], true)}]`);
            classes.add("neighbour", id);
        } else {
            peers.push(`    ${id}[${label(end.lines, true)}]`);
            classes.add(end.style, id);
        }
        return id;
    };
    const ownIds = new Set(own.map(w => w.id));
    const inside = (end: End): end is WorkloadEnd => end.kind === "workload" && ownIds.has(end.workload.id);
    const arrows: string[] = [];
    for (const connection of graph.connections) {
        const { from, to } = connection;
        let ends: [string, string];
        if (inside(from) && inside(to) && from.workload.id !== to.workload.id) {
            ends = [node(from.workload), node(to.workload)];
        } else if (inside(to) && !inside(from)) {
            ends = [peerNode(from, "in", to.workload), node(to.workload)];
        } else if (inside(from)) {
            ends = [node(from.workload), peerNode(to, "out", from.workload)];
        } else {
            continue;
        }
        arrows.push(`    ${ends[0]} -->|${label(connectionLabel(connection))}| ${ends[1]}`);
    }
    lines.push(...peers, ...arrows, ...classes.lines());
    return lines.join("\n");
}

/** The connections one namespace's workloads make and take, each from its caller, with its ports. */
export function namespaceDiagram(namespace: string, graph: ConnectionGraph): string {
    return connectionsDiagram(workloadsOf(namespace, graph), graph);
}

/** The connections one workload makes and takes, each from its caller, with its ports; its namespace's other workloads drawn as peers. */
export function workloadDiagram(workload: WorkloadSpec, graph: ConnectionGraph): string {
    return connectionsDiagram([workload], graph);
}

/**
 * A namespace's map: its workloads and the namespaces they talk to, one
 * unlabelled arrow per caller and callee; a workload's peers outside the
 * Applications are named in its box (the overview's names: "Internet",
 * "Traefik", "CIDRs"), not drawn, as nearly every workload has some.
 */
export function namespaceMap(namespace: string, graph: ConnectionGraph): string {
    const own = workloadsOf(namespace, graph);
    const ids = new Ids();
    const classes = new Classes();
    const lines = head();
    const node = (w: WorkloadSpec) => ids.of(`w:${w.id}`, `w_${w.id}`);
    const outside = new Map(own.map(w => [w.id, { in: new Set<string>(), out: new Set<string>() }]));
    const peers: string[] = [];
    const namespaceNode = (other: string, side: Side): string => {
        const known = ids.has(`${side}:${other}`);
        const id = ids.of(`${side}:${other}`, `${side}_${other}`);
        if (!known) {
            peers.push(`    ${id}[${label([`namespace ${other}`], true)}]`);
            classes.add("neighbour", id);
        }
        return id;
    };
    const inside = (end: End): end is WorkloadEnd => namespaceOf(end) === namespace;
    const arrows = new Set<string>();
    for (const { from, to } of graph.connections) {
        if (inside(from) && inside(to)) {
            if (from.workload.id !== to.workload.id) {
                arrows.add(`    ${node(from.workload)} --> ${node(to.workload)}`);
            }
        } else if (inside(to)) {
            if (from.kind === "workload") {
                arrows.add(`    ${namespaceNode(from.workload.namespace, "in")} --> ${node(to.workload)}`);
            } else {
                from.brief.forEach(name => outside.get(to.workload.id)!.in.add(name));
            }
        } else if (inside(from)) {
            if (to.kind === "workload") {
                arrows.add(`    ${node(from.workload)} --> ${namespaceNode(to.workload.namespace, "out")}`);
            } else {
                to.brief.forEach(name => outside.get(from.workload.id)!.out.add(name));
            }
        }
    }
    const nodes = own.map(w => {
        const found = outside.get(w.id)!;
        const said = [
            ...(found.in.size > 0 ? [`from ${[...found.in].sort().join(", ")}`] : []),
            ...(found.out.size > 0 ? [`to ${[...found.out].sort().join(", ")}`] : []),
        ];
        classes.add("workload", node(w));
        return `    ${node(w)}[${label([...workloadLines(w), ...said], true)}]`;
    });
    lines.push(...nodes, ...peers, ...arrows, ...classes.lines());
    return lines.join("\n");
}

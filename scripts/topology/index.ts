// The stack's topology, the document `npm run plan` writes: the network as it
// is (network.ts), then the declared connections (connections.ts) as an
// overview of namespaces and, per namespace, one diagram or a map and one
// diagram per workload (views.ts), each Mermaid block under a heading that
// says what its lines and arrows mean. Pure.

import type { WorkloadSpec } from "../../config/applications";
import type { StackSettings } from "../../config/stack";
import { connectionGraph } from "./connections";
import { topologyDiagram } from "./network";
import { NamespaceSummary, WORKLOADS_IN_ONE_DIAGRAM, namespaceDiagram, namespaceMap, namespaceSummaries, overviewDiagram, workloadDiagram } from "./views";

export { portList } from "./mermaid";
export { topologyDiagram } from "./network";
export { connectionGraph } from "./connections";
export { NAMESPACES_IN_A_ROW, WORKLOADS_IN_ONE_DIAGRAM, namespaceDiagram, namespaceMap, namespaceSummaries, overviewDiagram, workloadDiagram } from "./views";

/** The diagrams of one namespace. */
export interface NamespaceDiagrams {
    readonly namespace: string;
    readonly applications: readonly string[];
    /**
     * `whole`: `diagram` holds every connection of the namespace's workloads,
     * with its ports. `map` (more than WORKLOADS_IN_ONE_DIAGRAM workloads):
     * `diagram` is the namespace's map, and `workloads` one diagram each.
     */
    readonly drawn: "whole" | "map";
    readonly diagram: string;
    /** Empty when the namespace is drawn whole; else one per workload, in the config's order. */
    readonly workloads: ReadonlyArray<{ readonly workload: WorkloadSpec; readonly diagram: string }>;
}

/** The diagrams of the declared connections, in the document's order, and what the overview's table says. */
export interface ConnectionDiagrams {
    readonly overview: string;
    readonly summaries: readonly NamespaceSummary[];
    /** One per namespace that holds a workload, by namespace name. */
    readonly namespaces: readonly NamespaceDiagrams[];
}

export function connectionDiagrams(stack: string, settings: StackSettings): ConnectionDiagrams {
    const graph = connectionGraph(settings);
    const namespaces = [...graph.namespaces].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, entry]): NamespaceDiagrams => {
        if (entry.workloads.length <= WORKLOADS_IN_ONE_DIAGRAM) {
            return { namespace, applications: entry.applications, drawn: "whole", diagram: namespaceDiagram(namespace, graph), workloads: [] };
        }
        return {
            namespace, applications: entry.applications, drawn: "map", diagram: namespaceMap(namespace, graph),
            workloads: entry.workloads.map(workload => ({ workload, diagram: workloadDiagram(workload, graph) })),
        };
    });
    return { overview: overviewDiagram(stack, graph), summaries: namespaceSummaries(graph), namespaces };
}

const mermaid = (source: string) => ["```mermaid", source, "```"];

/** A Markdown table cell: a pipe would end it. */
const cell = (items: readonly string[]) => (items.length === 0 ? "-" : items.join(", ").replace(/\|/g, "\\|"));

/** The overview's table: per namespace, its Applications and whom it talks to outside them. */
function summaryTable(summaries: readonly NamespaceSummary[]): string[] {
    return [
        "| namespace | Applications | workloads | called by, outside the Applications | calls, outside the Applications |",
        "| --- | --- | --- | --- | --- |",
        ...summaries.map(s => `| ${s.namespace} | ${cell(s.applications)} | ${s.workloads} | ${cell(s.calledBy)} | ${cell(s.calls)} |`),
    ];
}

const names = (items: readonly string[]) => items.map(a => `\`${a}\``).join(", ");

/** A workload's heading: its name, and its Application's where that differs. */
function workloadHeading(w: WorkloadSpec): string {
    if (w.wholeNamespace) {
        return `Application \`${w.app}\` (whole namespace)`;
    }
    return w.app === w.name ? `Workload \`${w.name}\`` : `Workload \`${w.name}\` of Application \`${w.app}\``;
}

/** A namespace's part of the document: its heading, what its diagrams show, and the diagrams. */
function namespaceSection(n: NamespaceDiagrams): string[] {
    const owners = `${n.applications.length === 1 ? "Application" : "Applications"} ${names(n.applications)}`;
    if (n.drawn === "whole") {
        return [
            "",
            `### Namespace \`${n.namespace}\``,
            "",
            `${owners}: every connection of its workloads, one arrow per caller and callee, with its ports. Workloads of other namespaces are dashed; a peer is drawn beside each workload it talks to.`,
            "",
            ...mermaid(n.diagram),
        ];
    }
    return [
        "",
        `### Namespace \`${n.namespace}\``,
        "",
        `${owners}: ${n.workloads.length} workloads, too many for one readable diagram. First a map: its workloads and the other namespaces they talk to (dashed), one arrow per caller and callee, without ports; a workload's box names its peers outside the Applications as the table does (\`from\` those that call it, \`to\` those it calls). Then one diagram per workload, in the config's order, with every connection it makes or takes and its ports.`,
        "",
        ...mermaid(n.diagram),
        ...n.workloads.flatMap(({ workload, diagram }) => [
            "",
            `#### ${workloadHeading(workload)}`,
            "",
            ...mermaid(diagram),
        ]),
    ];
}

/** The document `npm run plan` writes: every diagram, each with what its lines and arrows mean. */
export function topologyDocument(stack: string, settings: StackSettings): string {
    const connections = connectionDiagrams(stack, settings);
    return [
        `# Topology of stack \`${stack}\``,
        "",
        "Generated by `npm run plan` from the stack's config; do not edit by hand.",
        "",
        "## The network",
        "",
        "Solid arrows carry traffic. Dotted arrows lead from an address to the controller that answers for it: the kube-vip role that announces it over ARP, and for Services that pin no address the cloud provider that writes one into them. No packet passes through either.",
        "",
        ...mermaid(topologyDiagram(stack, settings)),
        "",
        "## Declared connections",
        "",
        "Every connection declared in the stack's `applications`, drawn as an arrow from the end that opens it to the end that takes it, however many times and at whichever end it is declared. Peers outside the Applications (the internet, the nodes, the API, CIDRs, DNS names, the platform's pods) stand on the left when they call in and on the right when they are called. Not drawn: every namespace's DNS to CoreDNS, and traffic inside an Application declared without workloads (its whole namespace).",
        "",
        "### Namespaces",
        "",
        "One node per namespace and one arrow from each namespace to every namespace it calls, whatever the number of connections. The table lists each namespace's Applications and the peers outside them it talks to. Each namespace's part below has its workloads and the ports.",
        "",
        ...mermaid(connections.overview),
        "",
        ...summaryTable(connections.summaries),
        ...connections.namespaces.flatMap(namespaceSection),
        "",
    ].join("\n");
}

/** The Mermaid sources of a document, in order. */
export function mermaidBlocks(document: string): string[] {
    return [...document.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map(m => m[1]);
}

// The importer's two outputs: the `applications` config as YAML (with the
// original rules each connection says as comments, and TODO placeholders for
// what policies cannot tell), and the report: coverage, the platform's
// policies, and every rule not expressed, with its file and reason. Pure.

import { Document, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { PLATFORM_POLICY_RULES, REASON_TITLES, ReasonCode } from "./cilium";
import { CLEANUP_HEADING, cleanupLines } from "./cleanup";
import {
    ImportResult,
    ImportedApplication,
    ImportedConnection,
    RuleOutcome,
    TODO,
    configEntities,
    configPorts,
    coverage,
    ruleId,
    shortRuleId,
} from "./importer";

/** `1 rule`, `2 rules`. */
function count(n: number, noun: string, plural = `${noun}s`): string {
    return `${n} ${n === 1 ? noun : plural}`;
}

function percent(part: number, whole: number): string {
    return whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`;
}

function connectionValue(connection: ImportedConnection, direction: "to" | "from"): Record<string, unknown> {
    const peer = connection.peer;
    const value: Record<string, unknown> = {};
    switch (peer.kind) {
        case "app":
            value.app = peer.app;
            value.workload = peer.workload;
            break;
        case "entity": {
            const names = configEntities(peer.entities, direction);
            value.entity = names.length === 1 ? names[0] : names;
            break;
        }
        case "cidr":
            value.cidr = peer.cidr;
            break;
        case "fqdn":
            value.fqdn = peer.patterns.length === 1 ? peer.patterns[0] : [...peer.patterns];
            break;
        case "platform":
            value.platform = peer.id;
            break;
        case "ingress":
            value.ingress = [...peer.entrypoints];
            return value;
        case "pods":
            value.pods = true;
            value.namespace = peer.namespace;
            if (Object.keys(peer.labels).length > 0) {
                value.selector = { ...peer.labels };
            }
            break;
    }
    if (connection.ports.kind === "icmp") {
        value.icmp = [...connection.ports.types];
    } else {
        value.ports = configPorts(connection.ports);
    }
    return value;
}

/** Lists of scalars on one line: ports: [80, 443]. */
function flowLeaves(node: unknown): void {
    if (node instanceof YAMLSeq) {
        if (node.items.every(item => item instanceof Scalar)) {
            node.flow = true;
        } else {
            node.items.forEach(flowLeaves);
        }
    } else if (node instanceof YAMLMap) {
        for (const pair of node.items) {
            flowLeaves(pair.value);
        }
    }
}

function applicationNode(doc: Document, app: ImportedApplication, result: ImportResult): YAMLMap {
    const options = result.options;
    const prefix = options.pathPrefix === undefined || options.pathPrefix === "" ? "" : `${options.pathPrefix.replace(/\/+$/, "")}/`;
    const node = doc.createNode({
        name: app.name,
        namespace: app.namespace,
        repoURL: options.repoURL ?? TODO,
        path: `${prefix}${app.folder}` || ".",
        targetRevision: options.targetRevision ?? TODO,
    }) as YAMLMap;
    node.commentBefore = ` from ${app.files.join(", ")}`;
    const comment = (key: string, text: string) => {
        (node.get(key, true) as Scalar).comment = ` ${text}`;
    };
    if (options.repoURL === undefined) {
        comment("repoURL", "TODO: the Git repository of these manifests (the program refuses this entry until it is a URL)");
    }
    comment("path", "TODO: check: guessed from the policies' folder");
    if (options.targetRevision === undefined) {
        comment("targetRevision", "TODO: a commit SHA or release tag (a branch such as HEAD only where the stack sets argoCdAllowBranchRevisions: true)");
    }
    if (app.enforcement === "staged") {
        node.set("enforcement", doc.createNode("staged"));
        comment("enforcement", "the original had no default deny here: allow what is declared, deny nothing else, until you switch to enforce");
    }
    const workloads = new YAMLSeq();
    for (const workload of app.workloads) {
        const item = doc.createNode({ name: workload.name, selector: { ...workload.selector } }) as YAMLMap;
        item.commentBefore = ` policies: ${workload.policies.join(", ")}`;
        const connections = new YAMLMap();
        for (const [direction, list] of [["to", workload.to], ["from", workload.from]] as const) {
            if (list.length === 0) {
                continue;
            }
            const seq = new YAMLSeq();
            for (const connection of list) {
                const entry = doc.createNode(connectionValue(connection, direction)) as YAMLMap;
                entry.commentBefore = ` ${connection.rules.map(shortRuleId).join(", ")}`;
                flowLeaves(entry);
                seq.items.push(entry);
            }
            connections.set(direction, seq);
        }
        if (connections.items.length > 0) {
            item.set("connections", connections);
        }
        if (workload.loadBalancerAddresses !== undefined && workload.loadBalancerAddresses.length > 0) {
            const addresses = new YAMLSeq();
            for (const lb of workload.loadBalancerAddresses) {
                const entry = doc.createNode({ address: lb.address, ports: configPorts({ kind: "ports", ports: lb.ports }) }) as YAMLMap;
                entry.commentBefore = ` ${lb.source}${lb.todo === undefined ? "" : `\n TODO: ${lb.todo}`}`;
                flowLeaves(entry);
                addresses.items.push(entry);
            }
            item.set("loadBalancerAddresses", addresses);
        }
        flowLeaves(item.get("selector", true));
        workloads.items.push(item);
    }
    node.set("workloads", workloads);
    return node;
}

/** The `applications` list, ready to paste under `homelab-network:applications:`. */
export function renderApplicationsYaml(result: ImportResult, source: string): string {
    const doc = new Document(new YAMLSeq());
    const seq = doc.contents as YAMLSeq;
    for (const app of result.applications) {
        seq.items.push(applicationNode(doc, app, result));
    }
    const figures = coverage(result);
    doc.commentBefore = [
        ` Applications imported by npm run import-policies from ${source}.`,
        ` Paste under homelab-network:applications: in the stack file and fill in every TODO.`,
        ` Application rules expressed at their original granularity: ${figures.applicationCounted} of ${figures.applicationRules} (${percent(figures.applicationCounted, figures.applicationRules)});`,
        ` the report (on stderr) lists the others. Each connection's comment names the original rules it says.`,
    ].join("\n");
    return doc.toString({ lineWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

const STATUS_ORDER: readonly RuleOutcome["status"][] = ["unexpressed", "partial"];

/** The report: what was read, the coverage, the platform's policies, and every rule not (or not exactly) expressed. */
export interface ReadSummary {
    readonly source: string;
    readonly files: number;
    readonly policies: number;
    readonly encrypted: number;
    readonly otherKinds: ReadonlyMap<string, number>;
    readonly unreadable: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
    readonly invalid: ReadonlyArray<{ readonly file: string; readonly doc: number; readonly reason: string }>;
}

export function renderReport(result: ImportResult, read: ReadSummary): string {
    const lines: string[] = [];
    const figures = coverage(result);
    const rules = result.rules;
    const others = [...read.otherKinds.values()].reduce((a, b) => a + b, 0);
    lines.push(`Read ${count(read.policies, "CiliumNetworkPolicy", "CiliumNetworkPolicies")} (${count(rules.length, "rule")}) from ${count(read.files, "YAML file")} under ${read.source}; skipped ${count(read.encrypted, "encrypted file")} and ${count(others, "document")} of other kinds.`);
    const clusterwide = read.otherKinds.get("CiliumClusterwideNetworkPolicy") ?? 0;
    if (clusterwide > 0) {
        lines.push(`  not imported: ${count(clusterwide, "CiliumClusterwideNetworkPolicy", "CiliumClusterwideNetworkPolicies")} (the vocabulary writes namespaced policies only)`);
    }
    for (const u of read.unreadable) {
        lines.push(`  not read: ${u.file}: ${u.reason}`);
    }
    for (const u of read.invalid) {
        lines.push(`  not read: ${u.file} document ${u.doc}: ${u.reason}`);
    }
    lines.push("");
    lines.push("Coverage: rules expressed at their original granularity (the same workload selector, the same peer, the same ports):");
    lines.push(`  application rules: ${figures.applicationCounted} of ${figures.applicationRules} (${percent(figures.applicationCounted, figures.applicationRules)})`);
    lines.push(`  all rules:         ${figures.counted} of ${figures.rules} (${percent(figures.counted, figures.rules)})${figures.platformRules === 0 ? "" : `; the ${count(figures.platformRules, "rule")} of the platform's ${count(result.platform.length, "policy", "policies")} are not imported`}`);
    const of = (status: RuleOutcome["status"]) => rules.filter(r => r.status === status).length;
    lines.push(`  of the application rules: ${of("expressed")} expressed exactly, ${of("widened")} expressed with the other end opened too (widened), ${of("baseline")} covered by the namespace baseline (default deny, DNS), ${of("partial")} partly expressed, ${of("unexpressed")} not expressed`);
    const workloads = result.applications.reduce((n, a) => n + a.workloads.length, 0);
    const connections = result.applications.reduce((n, a) => n + a.workloads.reduce((m, w) => m + w.to.length + w.from.length, 0), 0);
    lines.push(`  printed: ${count(result.applications.length, "Application")}, ${count(workloads, "workload")}, ${count(connections, "connection")}`);

    lines.push("");
    lines.push(result.platform.length === 0
        ? "Platform policies: none. These would be recognised, and not imported, as the program deploys its own:"
        : `Platform policies: not imported; the program deploys its own policies for these (${count(result.platform.length, "policy", "policies")}, ${count(figures.platformRules, "rule")}). Recognised by:`);
    for (const rule of PLATFORM_POLICY_RULES) {
        lines.push(`  - ${rule}`);
    }
    for (const p of result.platform) {
        lines.push(`  ${p.file}: ${p.namespace}/${p.name} (${p.platform}, ${count(p.rules, "rule")})`);
    }

    for (const status of STATUS_ORDER) {
        const listed = rules.filter(r => r.status === status);
        if (listed.length === 0) {
            continue;
        }
        lines.push("");
        lines.push(status === "unexpressed"
            ? `Not expressed: ${count(listed.length, "rule")} (nothing printed for them), by reason:`
            : `Partly expressed: ${count(listed.length, "rule")} (what could be said is printed; never more than the original allowed), by reason:`);
        const byCode = new Map<ReasonCode, RuleOutcome[]>();
        for (const rule of listed) {
            for (const code of new Set(rule.reasons.map(r => r.code))) {
                byCode.set(code, [...(byCode.get(code) ?? []), rule]);
            }
        }
        for (const [code, group] of [...byCode.entries()].sort((a, b) => b[1].length - a[1].length)) {
            lines.push(`  ${REASON_TITLES[code]} (${group.length}):`);
            for (const rule of group) {
                const details = rule.reasons.filter(r => r.code === code).map(r => r.detail);
                lines.push(`    ${ruleId(rule.ref)}: ${[...new Set(details)].join("; ")}`);
            }
        }
    }

    const widened = rules.filter(r => r.status === "widened");
    if (widened.length > 0) {
        lines.push("");
        lines.push(`Widened: ${count(widened.length, "rule")}, expressed, but the original allowed only one end of the connection (or other ports at each end); the program opens both:`);
        for (const rule of widened) {
            lines.push(`  ${ruleId(rule.ref)}: ${[...new Set(rule.widened)].join("; ")}`);
        }
    }
    if (result.namespacesWithoutDefaultDeny.length > 0) {
        lines.push("");
        lines.push(result.takeOver === undefined
            ? `Namespaces without a default-deny policy in the originals: ${result.namespacesWithoutDefaultDeny.join(", ")}. The program gives every namespace one: pods and directions no original policy governed there are denied from now on.`
            : `Staged: ${result.namespacesWithoutDefaultDeny.join(", ")} had no default-deny policy in the originals, so their Applications are written with enforcement: staged ` +
              "(their policies allow what is declared and deny nothing else, as before). Watch their traffic in Hubble, then switch each to enforce:");
        for (const line of result.takeOver?.staged ?? []) {
            lines.push(`  ${line}`);
        }
    }
    lines.push(...takeOverLines(result));
    return `${lines.join("\n")}\n`;
}

/** The take-over's findings: the LAN's addresses, Traefik's paths, and what would still fail the pack. */
function takeOverLines(result: ImportResult): string[] {
    const report = result.takeOver;
    if (report === undefined) {
        return [];
    }
    const section = (title: string, items: readonly string[]) => (items.length === 0 ? [] : ["", title, ...items.map(i => `  ${i}`)]);
    return [
        ...section(`Reached from the LAN on an address of their own: ${count(report.lan.length, "workload")}, written as loadBalancerAddresses:`, report.lan),
        ...section(`The LAN (world) not written: ${count(report.lanDropped.length, "workload")} whose policies admitted it, although it never reached them as world:`, report.lanDropped),
        ...section(`Narrowed to what the workload's config says it reaches: ${count(report.narrowed?.length ?? 0, "workload")} whose policy let it out to the world on every port (the pack's egress-to-world-needs-ports refuses that):`, report.narrowed ?? []),
        ...section(`Traefik paths kept: ${count(report.traefik.length, "connection")} from Traefik written as platform: traefik (the program's Traefik policy opens only those):`, report.traefik),
        ...section(`${CLEANUP_HEADING}: the hand-written policy files the stack replaces, ${count(report.cleanup?.entries.reduce((n, e) => n + e.delete.length, 0) ?? 0, "file")} to delete and ${count(report.cleanup?.entries.reduce((n, e) => n + e.edit.length, 0) ?? 0, "file")} to edit. ` +
            "Delete them from the GitOps repository once the stack's policies for their Application are applied and policy-diff shows nothing lost " +
            "(docs/runbooks.md, \"Take over a running cluster\", step 6). The program's Argo CD neither applies nor prunes policies (resource.exclusions): " +
            "delete the live objects too, with the kubectl command given:", report.cleanup === undefined ? [] : cleanupLines(report.cleanup)),
        "",
        report.packFailures.length === 0
            ? "Policy pack: nothing in the printed config is known to fail it (run npm run plan on a stack that holds it)."
            : `Policy pack: the printed config fails it in ${count(report.packFailures.length, "place")} until fixed:`,
        ...report.packFailures.map(f => `  ${f}`),
    ];
}

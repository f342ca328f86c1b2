#!/usr/bin/env node
// Preflight of a K3s cluster before this stack touches it. Node.js and
// kubectl, nothing else; run by `npm run preflight -- --stack <name>` and as
// the first step of `pulumi up`:
//
//   preflight.ts --control-plane-vip <ip> --ingress-vip <ip> --ingress-secondary-vip <ip>
//                --pod-cidr <cidr> --service-cidr <cidr> --cilium-version <x.y.z>
//                [--first-deploy] [--skip-vip-probe] [--adopt-running-kube-vip]
//
// It reads every Node through kubectl: the `k3s.io/node-args` annotation (the
// arguments K3s started with, config.yaml values included, as a JSON list) and
// the kubelet version. It reports every mismatch at once, each with the flag
// that fixes it:
//   - on K3s servers: flannel, kube-proxy, the network policy controller,
//     servicelb and the bundled Traefik not disabled, the API VIP missing from
//     --tls-san, --cluster-cidr / --service-cidr other than the stack's;
//   - on every node: a Kubernetes minor outside what the pinned Cilium supports;
//   - with --first-deploy (and without --skip-vip-probe): a VIP of the stack
//     that already answers on the LAN. Once the stack runs, its own VIPs
//     answer, so only the first deploy probes, and not even that when this
//     stack's kube-vip DaemonSet already exists (a stack deployed before the
//     preflight existed). With --adopt-running-kube-vip (the stack setting
//     adoptRunningKubeVip: a take-over of a cluster that runs kube-vip today),
//     a VIP that answers passes when this cluster's kube-vip holds it
//     (adoption.ts says what counts).
// Exit codes (those of every homelab-network command): 0 clean, 1 mismatches,
// 2 usage, 3 the cluster could not be read (kubectl missing, API unreachable).
// Node.js, run through scripts/register-ts.js.

import { execFileSync } from "node:child_process";
import { formatIpv4, parseIpv4 } from "../../policy/addressing";
import { KUBE_VIP } from "../../platform/kube-vip";
import { type Adopted, type AnsweringVip, type Problem, adoptAnsweringVips } from "./adoption";
import { type KubeObject, type Kubectl, kubectlErrorLine } from "./kubectl";
import { type ProbeResult, probeAddress } from "./vipProbe";

// The probe is vipProbe.ts's; tests and callers reach it through here too.
export { type ProbeDeps, type ProbeResult, arpEntry, probeAddress, tcpConnect } from "./vipProbe";

export type { Problem } from "./adoption";

/** What the preflight compares the cluster with: the command line, parsed. */
export interface Expected {
    controlPlaneVip: string;
    ingressVip: string;
    ingressSecondaryVip: string;
    podCidr: string;
    serviceCidr: string;
    ciliumVersion: string;
    firstDeploy: boolean;
    skipVipProbe: boolean;
    adoptRunningKubeVip: boolean;
    /** Probe the VIPs on the LAN: a first deploy without --skip-vip-probe. */
    probeVips?: boolean;
}

/** One node as checked. */
export interface NodeReport {
    readonly name: string;
    readonly role: string;
    readonly version: string | undefined;
    readonly problems: Problem[];
}

/** Everything the preflight found. */
export interface Report {
    readonly nodes: NodeReport[];
    /** Cluster-wide problems. */
    readonly problems: Problem[];
    /** What could not be checked. */
    readonly notes: string[];
    vipsProbed?: boolean;
    adopted?: Adopted[];
}

/** What tests replace: kubectl, the network probe, and where messages go. */
export interface PreflightDeps {
    readonly run?: Kubectl;
    readonly probe?: (address: string) => Promise<ProbeResult>;
    readonly out?: (text: string) => void;
    readonly err?: (text: string) => void;
}

/**
 * Cilium minor -> the Kubernetes 1.x minors it is e2e-tested on and supports,
 * from Cilium's "Kubernetes Compatibility" page of each release. The only
 * place this is written down: update it when ciliumVersion moves to a minor
 * that is not here (the preflight refuses an unknown minor).
 */
export const CILIUM_KUBERNETES_SUPPORT: Readonly<Record<string, { readonly from: number; readonly to: number }>> = {
    "1.18": { from: 30, to: 33 },
    "1.19": { from: 32, to: 35 },
    "1.20": { from: 33, to: 36 },
};

const K3S_DEFAULT_CLUSTER_CIDR = "10.42.0.0/16";
const K3S_DEFAULT_SERVICE_CIDR = "10.43.0.0/16";

/** K3s server flags that take no value (a config.yaml value shows as `--flag true`). */
const BOOLEAN_FLAGS = new Set(["disable-kube-proxy", "disable-network-policy", "cluster-init", "disable-agent", "secrets-encryption"]);

export class KubectlMissing extends Error {}

/** The cluster could not be read: kubectl failed for a reason other than a mismatch. */
export class ClusterUnreadable extends Error {}

function kubectl(args: string[]): string {
    try {
        return execFileSync("kubectl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (error: any) {
        if (error.code === "ENOENT") {
            throw new KubectlMissing("kubectl is not on PATH: install it on the machine that runs the preflight and pulumi up (see the README's prerequisites)");
        }
        throw error;
    }
}

/**
 * The flags in a K3s argument list, by name without dashes, each with every
 * value it was given in order: `--flag=value`, `--flag value`, a repeated
 * flag, and a boolean flag alone or followed by true/false all work.
 */
export function parseNodeArgs(args: readonly string[]): Map<string, string[]> {
    const flags = new Map<string, string[]>();
    const add = (name: string, value: string): Map<string, string[]> => flags.set(name, [...(flags.get(name) ?? []), value]);
    for (let i = 0; i < args.length; i++) {
        const match = /^--?([^=]+)(?:=(.*))?$/s.exec(args[i]);
        if (match === null) {
            continue;
        }
        const [, name, inline] = match;
        if (inline !== undefined) {
            add(name, inline);
        } else if (BOOLEAN_FLAGS.has(name)) {
            const next = args[i + 1];
            add(name, next === "true" || next === "false" ? args[++i] : "true");
        } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
            add(name, args[++i]);
        } else {
            add(name, "");
        }
    }
    return flags;
}

/** Every value of a list flag (`--disable a --disable b,c`), trimmed, without empties. */
function listValues(flags: ReadonlyMap<string, readonly string[]>, name: string): string[] {
    return (flags.get(name) ?? []).flatMap(value => value.split(",")).map(value => value.trim()).filter(value => value !== "");
}

/** The last value of a flag (K3s keeps the last), or undefined when absent. */
function lastValue(flags: ReadonlyMap<string, readonly string[]>, name: string): string | undefined {
    const values = flags.get(name);
    return values === undefined ? undefined : values[values.length - 1];
}

function isTrue(value: string): boolean {
    return value === "" || value === "true";
}

/** An IPv4 address, by the program's parser (untrimmed: the value goes on to K3s's flags as given); undefined when it is not one. */
function ipv4(text: string): number | undefined {
    const parsed = text === text.trim() ? parseIpv4(text) : undefined;
    return parsed?.ok ? parsed.value : undefined;
}

/**
 * An IPv4 CIDR as `network/bits`, host bits cleared; undefined when it is not
 * one. Not policy/addressing.ts's parseCidr, which refuses host bits: K3s
 * accepts them in its flags and clears them, and so does this.
 */
function canonicalCidr(text: string): string | undefined {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(String(text).trim());
    if (match === null || Number(match[2]) > 32) {
        return undefined;
    }
    const address = ipv4(match[1]);
    if (address === undefined) {
        return undefined;
    }
    const size = 2 ** (32 - Number(match[2]));
    return `${formatIpv4(Math.floor(address / size) * size)}/${match[2]}`;
}

/**
 * The IPv4 CIDR among every value of a K3s CIDR flag. K3s's --cluster-cidr and
 * --service-cidr are list flags: a dual-stack cluster gives them as one
 * comma-separated value or, from a YAML list in config.yaml, as the flag
 * repeated once per family. K3s takes the first CIDR of each family.
 */
function ipv4Cidr(values: readonly string[]): string | undefined {
    return values.flatMap(value => value.split(",")).map(canonicalCidr).find(cidr => cidr !== undefined);
}

/** K3s subcommands that register a Node (and so write k3s.io/node-args). */
const NODE_SUBCOMMANDS = new Set(["server", "agent"]);

/**
 * The K3s subcommand of a node-args list and the arguments after it. K3s
 * records its command line from the first argument on, so global flags
 * (`k3s --debug server ...`) come before the subcommand; config.yaml's values
 * are inserted right after the subcommand.
 */
export function splitSubcommand(args: readonly string[]): { role: string; global: readonly string[]; flags: readonly string[] } {
    const index = args.findIndex(arg => NODE_SUBCOMMANDS.has(arg));
    return index < 0 ? { role: "unknown", global: args, flags: [] } : { role: args[index], global: args.slice(0, index), flags: args.slice(index + 1) };
}

/** "1.19.6" or "v1.35.1+k3s1" -> { major, minor }, or undefined. */
function minorOf(version: string | undefined): { major: number; minor: number } | undefined {
    const match = /^v?([0-9]+)\.([0-9]+)(?:[.+-]|$)/.exec(String(version ?? ""));
    return match === null ? undefined : { major: Number(match[1]), minor: Number(match[2]) };
}

const serverFix = (flag: string): string => `add ${flag} to the K3s server install (the install command's flags, or /etc/rancher/k3s/config.yaml), then restart k3s`;

/** The server-flag mismatches of one K3s server. */
function serverFlagProblems(flags: ReadonlyMap<string, readonly string[]>, expected: Expected): Problem[] {
    const problems: Problem[] = [];
    const flannel = lastValue(flags, "flannel-backend");
    if (flannel !== "none") {
        problems.push({
            check: "flannel",
            message: `flannel is not disabled (${flannel === undefined ? "--flannel-backend is not set, so K3s runs flannel with vxlan" : `--flannel-backend is "${flannel}"`}); Cilium must be the only CNI`,
            fix: serverFix("--flannel-backend=none"),
        });
    }
    const kubeProxy = lastValue(flags, "disable-kube-proxy");
    if (kubeProxy === undefined || !isTrue(kubeProxy)) {
        problems.push({
            check: "kube-proxy",
            message: `kube-proxy is not disabled (--disable-kube-proxy is ${kubeProxy === undefined ? "not set" : `"${kubeProxy}"`}); Cilium replaces it`,
            fix: serverFix("--disable-kube-proxy"),
        });
    }
    const networkPolicy = lastValue(flags, "disable-network-policy");
    if (networkPolicy === undefined || !isTrue(networkPolicy)) {
        problems.push({
            check: "network-policy",
            message: `K3s's network policy controller is not disabled (--disable-network-policy is ${networkPolicy === undefined ? "not set" : `"${networkPolicy}"`}); Cilium enforces network policy`,
            fix: serverFix("--disable-network-policy"),
        });
    }
    const disabled = listValues(flags, "disable");
    const stillOn = ["servicelb", "traefik"].filter(component => !disabled.includes(component));
    if (stillOn.length > 0) {
        problems.push({
            check: "disable",
            message: `K3s's bundled ${stillOn.join(" and ")} ${stillOn.length > 1 ? "are" : "is"} not disabled (--disable ${disabled.length === 0 ? "is not set" : `lists ${disabled.join(", ")}`}); ` +
                "kube-vip gives LoadBalancer Services their addresses and this stack deploys its own Traefik",
            fix: serverFix("--disable=servicelb,traefik"),
        });
    }
    const sans = listValues(flags, "tls-san");
    if (!sans.includes(expected.controlPlaneVip)) {
        problems.push({
            check: "tls-san",
            message: `the API VIP ${expected.controlPlaneVip} is not in the API certificate (--tls-san ${sans.length === 0 ? "is not set" : `lists ${sans.join(", ")}`}); ` +
                "Cilium reaches the API on the VIP and verifies that the certificate names it",
            fix: serverFix(`--tls-san=${expected.controlPlaneVip}`) + " (K3s regenerates its serving certificate with the new name)",
        });
    }
    const cidrFlags: [string, "podCidr" | "serviceCidr", string][] = [["cluster-cidr", "podCidr", K3S_DEFAULT_CLUSTER_CIDR], ["service-cidr", "serviceCidr", K3S_DEFAULT_SERVICE_CIDR]];
    for (const [flag, key, fallback] of cidrFlags) {
        const values = flags.get(flag);
        const given = values === undefined ? undefined : values.join(",");
        const actual = given === undefined ? fallback : (ipv4Cidr(values ?? []) ?? given);
        const wanted = canonicalCidr(expected[key]);
        if (actual !== wanted) {
            problems.push({
                check: flag,
                message: `K3s's ${flag === "cluster-cidr" ? "pod" : "service"} CIDR is ${actual} (${given === undefined ? `the default: --${flag} is not set` : `--${flag}=${given}`}) but the stack's ${key} is ${wanted}`,
                fix: `add --${flag}=${wanted} to the K3s server install (only a new cluster takes it), or set ${key} to ${actual} in the stack's config`,
            });
        }
    }
    return problems;
}

/** The version mismatch of one node, or undefined. */
function versionProblem(kubeletVersion: string | undefined, expected: Expected): Problem | undefined {
    const cilium = minorOf(expected.ciliumVersion);
    const support = cilium === undefined ? undefined : CILIUM_KUBERNETES_SUPPORT[`${cilium.major}.${cilium.minor}`];
    if (cilium === undefined || support === undefined) {
        return undefined; // reported once for the whole cluster by clusterProblems
    }
    const kubernetes = minorOf(kubeletVersion);
    const range = `Kubernetes 1.${support.from} to 1.${support.to}`;
    const ciliumMinor = `${cilium.major}.${cilium.minor}`;
    if (kubernetes === undefined) {
        return { check: "kubernetes-version", message: `its kubelet version "${kubeletVersion}" cannot be read as a Kubernetes version; Cilium ${ciliumMinor} supports ${range}`, fix: `run a K3s release of Kubernetes 1.${support.to} (INSTALL_K3S_CHANNEL=v1.${support.to})` };
    }
    if (kubernetes.major === 1 && kubernetes.minor >= support.from && kubernetes.minor <= support.to) {
        return undefined;
    }
    return {
        check: "kubernetes-version",
        message: `it runs Kubernetes ${kubeletVersion} (${kubernetes.major}.${kubernetes.minor}), outside what Cilium ${ciliumMinor} (ciliumVersion ${expected.ciliumVersion}) supports: ${range}`,
        fix: `install K3s from a channel Cilium ${ciliumMinor} supports (INSTALL_K3S_CHANNEL=v1.${support.to} for servers and agents alike), ` +
            `or pin a ciliumVersion whose minor supports Kubernetes ${kubernetes.major}.${kubernetes.minor}`,
    };
}

/**
 * Every mismatch between the nodes (`kubectl get nodes -o json`'s items) and
 * the stack. Returns { nodes: [{ name, role, problems }], problems (cluster-wide),
 * notes (what could not be checked) }.
 */
export function checkNodes(items: readonly KubeObject[], expected: Expected): Report {
    const notes: string[] = [];
    const problems: Problem[] = [];
    const cilium = minorOf(expected.ciliumVersion);
    if (cilium === undefined || CILIUM_KUBERNETES_SUPPORT[`${cilium.major}.${cilium.minor}`] === undefined) {
        const minor = cilium === undefined ? expected.ciliumVersion : `${cilium.major}.${cilium.minor}`;
        problems.push({
            check: "cilium-version",
            message: `ciliumVersion ${expected.ciliumVersion}: the preflight does not know which Kubernetes versions Cilium ${minor} supports (it knows ${Object.keys(CILIUM_KUBERNETES_SUPPORT).join(", ")})`,
            fix: `add Cilium ${minor} to CILIUM_KUBERNETES_SUPPORT in components/checks/preflight.ts, from Cilium's Kubernetes compatibility page for that release`,
        });
    }
    const nodes = items.map((item): NodeReport => {
        const name: string = item?.metadata?.name ?? "(unnamed node)";
        const annotation = item?.metadata?.annotations?.["k3s.io/node-args"];
        let args: unknown;
        if (annotation !== undefined) {
            try {
                args = JSON.parse(annotation);
            } catch {
                args = undefined;
            }
        }
        const nodeProblems: Problem[] = [];
        let role = "unknown";
        if (!Array.isArray(args) || !args.every((arg: unknown) => typeof arg === "string")) {
            notes.push(`node ${name} has no readable k3s.io/node-args annotation (is it a K3s node?): its K3s flags were not checked`);
        } else {
            const command = splitSubcommand(args);
            role = command.role;
            if (role === "server") {
                nodeProblems.push(...serverFlagProblems(parseNodeArgs(command.flags), expected));
            } else if (role === "unknown") {
                notes.push(`node ${name}'s k3s.io/node-args names neither server nor agent (it starts ${JSON.stringify(args.slice(0, 3))}): its K3s flags were not checked`);
            }
        }
        const version = versionProblem(item?.status?.nodeInfo?.kubeletVersion, expected);
        if (version !== undefined) {
            nodeProblems.push(version);
        }
        return { name, role, version: item?.status?.nodeInfo?.kubeletVersion, problems: nodeProblems };
    });
    if (nodes.length === 0) {
        notes.push("the cluster has no nodes yet: nothing was checked");
    } else if (!nodes.some(node => node.role === "server")) {
        notes.push("no node is a K3s server (a server started with --disable-agent registers no node): the server flags were not checked");
    }
    return { nodes, problems, notes };
}

/** The nodes' items from kubectl, or a ClusterUnreadable that says what to check. */
function readNodes(run: Kubectl): KubeObject[] {
    let output: string;
    try {
        output = run(["get", "nodes", "-o", "json", "--request-timeout=15s"]);
    } catch (error: any) {
        if (error instanceof KubectlMissing) {
            throw error;
        }
        const detail = kubectlErrorLine(String(error.stderr ?? error.message));
        const denied = /Unauthorized|Forbidden|must be logged in/i.test(detail);
        const noKubeconfig = /localhost:8080/.test(detail);
        throw new ClusterUnreadable(
            `kubectl could not read the cluster's nodes: ${detail}\n` +
            (noKubeconfig ? "kubectl found no kubeconfig and fell back to localhost:8080: copy /etc/rancher/k3s/k3s.yaml from the first server and set KUBECONFIG to it (see the README's quick start).\n" : "") +
            (denied
                ? "The API refused the kubeconfig's credentials: use the kubeconfig from the first server (/etc/rancher/k3s/k3s.yaml) and a user allowed to list nodes."
                : "Check the kubeconfig kubectl uses (KUBECONFIG, or ~/.kube/config; kubectl config current-context) and its server address: " +
                  "before the first deploy it must be a K3s server's own LAN address, https://<server address>:6443 (the VIP does not exist yet), " +
                  "and that server must be running (sudo systemctl status k3s) and reachable from this machine."),
        );
    }
    try {
        return JSON.parse(output).items ?? [];
    } catch (error: any) {
        throw new ClusterUnreadable(`kubectl get nodes -o json did not print JSON (${error.message}): check which kubectl is on PATH`);
    }
}

/** The VIPs of the stack that already answer: { key, address, detail } each. */
async function answeringVips(expected: Expected, probe: (address: string) => Promise<ProbeResult>): Promise<AnsweringVip[]> {
    const vips: [string, string][] = [["controlPlaneVip", expected.controlPlaneVip], ["ingressVip", expected.ingressVip], ["ingressSecondaryVip", expected.ingressSecondaryVip]];
    const results = await Promise.all(vips.map(async ([key, address]) => ({ key, address, result: await probe(address) })));
    return results.filter(r => r.result.answers).map(r => ({ key: r.key, address: r.address, detail: r.result.detail }));
}

/** Answering VIPs as problems, when the stack does not take over a running kube-vip. */
function vipProblems(answering: readonly AnsweringVip[]): Problem[] {
    return answering.map(r => ({
        check: "vip-in-use",
        message: `${r.key} ${r.address} already answers on the LAN (${r.detail}): another device holds it, and two holders of one address break both`,
        fix: `free ${r.address} (check the router's DHCP leases and static addresses), or set ${r.key} to an unused address in the stack's config. ` +
            "If this cluster runs kube-vip on it today and the stack takes it over, set adoptRunningKubeVip: true in the stack's config: " +
            "the preflight then checks that this cluster's kube-vip holds it",
    }));
}

/**
 * Whether this stack's kube-vip already runs: then the stack was deployed
 * before (a stack older than the preflight creates it on its next update, as
 * on a first deploy) and its own VIPs answer, so probing them proves nothing.
 * Notes the skip in `report`. An error reading it counts as "not running".
 */
function stackAlreadyRuns(run: Kubectl, report: Report): boolean {
    let found = "";
    try {
        found = run(["-n", KUBE_VIP.namespace, "get", "daemonset", KUBE_VIP.controlPlane.daemonSet, "--ignore-not-found", "-o", "name", "--request-timeout=15s"]).trim();
    } catch (error: any) {
        if (error instanceof KubectlMissing) {
            throw error;
        }
    }
    if (found !== "") {
        report.notes.push(`this stack's kube-vip (${KUBE_VIP.namespace}/${KUBE_VIP.controlPlane.daemonSet}) already runs, so the stack's VIPs answer: they were not probed`);
        return true;
    }
    return false;
}

/**
 * The whole preflight. `expected`: the stack's values plus `probeVips`.
 * `deps.run` replaces kubectl and `deps.probe` the network probe (tests).
 * Throws KubectlMissing or ClusterUnreadable when the cluster cannot be read.
 */
export async function preflight(expected: Expected, deps: PreflightDeps = {}): Promise<Report> {
    const run = deps.run ?? kubectl;
    const probe = deps.probe ?? ((address: string) => probeAddress(address));
    const items = readNodes(run);
    const report = checkNodes(items, expected);
    report.vipsProbed = Boolean(expected.probeVips) && !stackAlreadyRuns(run, report);
    report.adopted = [];
    if (report.vipsProbed) {
        const answering = await answeringVips(expected, probe);
        if (expected.adoptRunningKubeVip) {
            const nodeNames = new Set<string>(items.map(item => item?.metadata?.name).filter(name => typeof name === "string"));
            const adoption = adoptAnsweringVips(answering, nodeNames, run);
            report.adopted = adoption.adopted;
            report.problems.push(...adoption.problems);
            for (const vip of adoption.adopted) {
                report.notes.push(`${vip.key} ${vip.address} answers because this cluster's kube-vip holds it (${vip.evidence}): taken over, as adoptRunningKubeVip says`);
            }
        } else {
            report.problems.push(...vipProblems(answering));
        }
    }
    return report;
}

function problemCount(report: Report): number {
    return report.problems.length + report.nodes.reduce((sum, node) => sum + node.problems.length, 0);
}

/** The report as text: every problem with its fix, grouped by node. */
export function formatReport(report: Report): string {
    const count = problemCount(report);
    const lines: string[] = [];
    const describe = (node: NodeReport): string => `${node.name} (K3s ${node.role === "unknown" ? "node" : node.role}${node.version ? `, ${node.version}` : ""})`;
    if (count === 0) {
        const servers = report.nodes.filter(node => node.role === "server").length;
        lines.push(`K3s preflight passed: ${report.nodes.length} node${report.nodes.length === 1 ? "" : "s"} (${servers} server${servers === 1 ? "" : "s"}) ${report.nodes.length === 1 ? "matches" : "match"} the stack` +
            (!report.vipsProbed ? "" : (report.adopted ?? []).length === 0 ? "; no VIP of the stack answers on the LAN" : "; every VIP of the stack that answers is this cluster's kube-vip"));
    } else {
        lines.push(`K3s preflight: ${count} problem${count === 1 ? "" : "s"}; fix ${count === 1 ? "it" : "them"} before deploying the stack.`);
        for (const node of report.nodes.filter(n => n.problems.length > 0)) {
            lines.push("", `  node ${describe(node)}`);
            for (const problem of node.problems) {
                lines.push(`    ${problem.message}`, `    fix: ${problem.fix}`);
            }
        }
        if (report.problems.length > 0) {
            lines.push("", "  the stack");
            for (const problem of report.problems) {
                lines.push(`    ${problem.message}`, `    fix: ${problem.fix}`);
            }
        }
    }
    for (const note of report.notes) {
        lines.push(`  note: ${note}`);
    }
    return lines.join("\n");
}

const USAGE = "usage: preflight.ts --control-plane-vip <ip> --ingress-vip <ip> --ingress-secondary-vip <ip> " +
    "--pod-cidr <cidr> --service-cidr <cidr> --cilium-version <x.y.z> [--first-deploy] [--skip-vip-probe] [--adopt-running-kube-vip]";

const VALUE_OPTIONS: Readonly<Record<string, "controlPlaneVip" | "ingressVip" | "ingressSecondaryVip" | "podCidr" | "serviceCidr" | "ciliumVersion">> = {
    "--control-plane-vip": "controlPlaneVip",
    "--ingress-vip": "ingressVip",
    "--ingress-secondary-vip": "ingressSecondaryVip",
    "--pod-cidr": "podCidr",
    "--service-cidr": "serviceCidr",
    "--cilium-version": "ciliumVersion",
};

/** The command line as `expected`, or { error } naming what is wrong. */
export function parseArguments(argv: readonly string[]): { expected: Expected; error?: undefined } | { error: string; expected?: undefined } {
    const expected: Partial<Expected> = { firstDeploy: false, skipVipProbe: false, adoptRunningKubeVip: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--first-deploy") {
            expected.firstDeploy = true;
        } else if (arg === "--adopt-running-kube-vip") {
            expected.adoptRunningKubeVip = true;
        } else if (arg === "--skip-vip-probe") {
            expected.skipVipProbe = true;
        } else if (arg in VALUE_OPTIONS && i + 1 < argv.length) {
            expected[VALUE_OPTIONS[arg]] = argv[++i];
        } else {
            return { error: `unknown or incomplete argument ${JSON.stringify(arg)}` };
        }
    }
    const problems: string[] = [];
    for (const [option, key] of Object.entries(VALUE_OPTIONS)) {
        const value = expected[key];
        if (value === undefined) {
            problems.push(`${option} is missing`);
        } else if (key.endsWith("Vip") && ipv4(value) === undefined) {
            problems.push(`${option} ${JSON.stringify(value)} is not an IPv4 address`);
        } else if (key.endsWith("Cidr") && canonicalCidr(value) === undefined) {
            problems.push(`${option} ${JSON.stringify(value)} is not an IPv4 CIDR`);
        } else if (key === "ciliumVersion" && minorOf(value) === undefined) {
            problems.push(`${option} ${JSON.stringify(value)} is not a version like 1.19.6`);
        }
    }
    if (problems.length > 0) {
        return { error: problems.join("; ") };
    }
    expected.probeVips = expected.firstDeploy && !expected.skipVipProbe;
    return { expected: expected as Expected };
}

/** Runs the preflight for a command line; returns the exit code. `deps` as for preflight, plus out/err writers. */
export async function main(argv: readonly string[], deps: PreflightDeps = {}): Promise<number> {
    const out = deps.out ?? ((text: string) => console.log(text));
    const err = deps.err ?? ((text: string) => console.error(text));
    const parsed = parseArguments(argv);
    if (parsed.error !== undefined) {
        err(`preflight: ${parsed.error}\n${USAGE}`);
        return 2;
    }
    let report: Report;
    try {
        report = await preflight(parsed.expected, deps);
    } catch (error: any) {
        if (error instanceof KubectlMissing || error instanceof ClusterUnreadable) {
            err(`K3s preflight could not run: ${error.message}`);
            return 3;
        }
        throw error;
    }
    if (problemCount(report) === 0) {
        out(formatReport(report));
        return 0;
    }
    err(formatReport(report));
    return 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => process.exit(code), error => {
        console.error(error);
        process.exit(2);
    });
}

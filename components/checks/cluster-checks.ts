#!/usr/bin/env node
// Checks against the live cluster, run by `pulumi up` (never by preview):
//   wait-for-api <url> [timeout-seconds]
//       waits until the Kubernetes API answers on the control-plane VIP with a
//       certificate that covers the VIP: any HTTP answer over TLS proves
//       kube-vip holds the address and an API server is behind it, and Cilium,
//       which verifies the certificate against the VIP, needs the VIP in it
//       (K3s's --tls-san). A certificate without it fails at once, naming the
//       flag.
//   wait-for-crds <timeout-seconds> <crd>...
//       waits until CustomResourceDefinitions that an operator registers at
//       run time (Cilium's policy CRDs) exist and are Established.
//   post-deploy <json>
//       verifies what the stack promises: the API answers on its VIP, each
//       Traefik Service holds its pinned address, Cilium is rolled out,
//       Hubble's CA is not about to expire (hubble-ca.ts).
// Each failure says what to look at. Node.js (run through
// scripts/register-ts.js) and kubectl, nothing else.

import { execFileSync } from "node:child_process";
import * as https from "node:https";
import * as tls from "node:tls";
import { CILIUM } from "../../platform/cilium";
import { TRAEFIK } from "../../platform/traefik";
import { KUBE_VIP } from "../../platform/kube-vip";
import { type HubbleCaSpec, hubbleCaProblem } from "./hubble-ca";
import type { KubeObject, Kubectl } from "./kubectl";

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** One answer of the API, or why there was none. */
export interface ApiProbe {
    readonly ok: boolean;
    readonly detail: string;
    /** The API answered with a certificate that does not cover the VIP: waiting does not help. */
    readonly certificateMismatch?: boolean;
}

/** An address an Application owns (config/reservations.ts), as the post-deploy spec carries it. */
export interface ReservationSpec {
    readonly address: string;
    readonly namespace: string;
    readonly application: string;
    /** Who owns it, as a phrase for messages. */
    readonly owner: string;
}

/** What post-deploy checks: the JSON postDeployChecks.ts writes on the command line. */
export interface PostDeploySpec {
    readonly apiServerUrl: string;
    /** Service name -> the VIP it pins. */
    readonly serviceAddresses: Record<string, string>;
    readonly serviceNamespace: string;
    readonly cilium: { readonly namespace: string; readonly workloads: readonly string[] };
    readonly hubbleCa?: HubbleCaSpec;
    readonly reservations?: readonly ReservationSpec[];
    readonly loadBalancerIpsAnnotation?: string;
}

/** What tests replace: kubectl, the API wait, the pauses, the pending notes, the clock. */
export interface PostDeployDeps {
    readonly run?: Kubectl;
    readonly waitForApi?: (url: string) => Promise<ApiProbe>;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly note?: (text: string) => void;
    readonly now?: () => number;
}

// What the failures tell the reader to look at, by the names the program gives them.
const KUBE_VIP_LOGS = `kubectl -n ${KUBE_VIP.namespace} logs ds/${KUBE_VIP.services.daemonSet}`;
const CLOUD_PROVIDER_LOGS = `kubectl -n ${KUBE_VIP.namespace} logs deploy/${KUBE_VIP.cloudProvider.deployment}`;

/**
 * One probe of `${url}/version`: "HTTP <code>" on any answer whose certificate
 * covers the URL's host, else the error. The certificate's issuer is not
 * checked (K3s's own CA is not trusted by the machine running Pulumi), its
 * names are: Cilium reaches the API on the VIP and verifies that the
 * certificate names it, so an API whose certificate lacks the VIP answers
 * here but stops Cilium later. Such an answer is `{ ok: false,
 * certificateMismatch: true }`, with the fix in `detail`.
 */
export function probeApi(url: string, timeoutMs = 3000): Promise<ApiProbe> {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
    return new Promise<ApiProbe>(resolve => {
        const request = https.get(new URL("/version", url), { rejectUnauthorized: false, timeout: timeoutMs }, response => {
            const certificate = (response.socket as tls.TLSSocket).getPeerCertificate();
            response.resume();
            const mismatch = certificateProblem(host, certificate);
            resolve(mismatch === undefined
                ? { ok: true, detail: `HTTP ${response.statusCode}` }
                : { ok: false, certificateMismatch: true, detail: mismatch });
        });
        request.on("timeout", () => request.destroy(new Error("timed out")));
        request.on("error", error => resolve({ ok: false, detail: error.message }));
    });
}

/**
 * Why `certificate` does not cover `host` (an IP needs an IP SAN: the common
 * name does not count, as for Go's TLS in Cilium), with the K3s fix; undefined
 * when it does.
 */
export function certificateProblem(host: string, certificate: tls.PeerCertificate | undefined): string | undefined {
    const names = certificate?.subjectaltname;
    if (tls.checkServerIdentity(host, certificate ?? ({} as tls.PeerCertificate)) === undefined) {
        return undefined;
    }
    return `the API answers on ${host}, but its certificate does not cover ${host} ` +
        `(${names ? `it names ${names}` : "it has no subject alternative names"}); Cilium verifies the certificate against the VIP and would never start. ` +
        `Fix: start every K3s server with --tls-san=${host}. On a server that is already installed, add the line "tls-san: [${host}]" ` +
        "(or the address to its existing tls-san list) to /etc/rancher/k3s/config.yaml and restart it (sudo systemctl restart k3s): " +
        "K3s regenerates its serving certificate with the new name. Then run pulumi up again.";
}

export async function waitForApi(url: string, timeoutSeconds: number, intervalMs = 2000): Promise<ApiProbe> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last: ApiProbe = { ok: false, detail: "never probed" };
    do {
        last = await probeApi(url);
        // A certificate without the VIP does not fix itself: stop waiting.
        if (last.ok || last.certificateMismatch) {
            return last;
        }
        await sleep(intervalMs);
    } while (Date.now() < deadline);
    return last;
}

/**
 * Waits until every CRD is Established. `run` is kubectl's runner (injected by
 * tests). Returns the CRDs still missing when time ran out, each with the last
 * error kubectl gave other than NotFound (which only means "not yet"), so that
 * an unreachable or unauthorised API is not mistaken for a slow operator.
 */
export async function waitForCrds(names: readonly string[], timeoutSeconds: number, run: Kubectl = kubectl, intervalMs = 2000): Promise<{ crd: string; lastError: string | undefined }[]> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const pending = new Map<string, string | undefined>(names.map(name => [name, undefined]));
    for (;;) {
        for (const name of [...pending.keys()]) {
            try {
                const established = run(["get", "crd", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"]);
                if (established === "True") {
                    pending.delete(name);
                } else {
                    pending.set(name, undefined);
                }
            } catch (error: any) {
                if (error instanceof KubectlMissing) {
                    throw error;
                }
                const detail = String(error.stderr ?? error.message).trim();
                pending.set(name, /NotFound|not found/.test(detail) ? undefined : detail);
            }
        }
        if (pending.size === 0 || Date.now() >= deadline) {
            return [...pending].map(([crd, lastError]) => ({ crd, lastError }));
        }
        await sleep(intervalMs);
    }
}

/** A whole number of seconds from the command line, or undefined. */
function seconds(text: string | undefined): number | undefined {
    return /^[0-9]+$/.test(text ?? "") ? Number(text) : undefined;
}

/** Compares the addresses Services received with the ones they pin. */
export function addressProblems(expected: Readonly<Record<string, string>>, observed: Readonly<Record<string, readonly string[]>>): string[] {
    const problems: string[] = [];
    for (const [service, vip] of Object.entries(expected)) {
        const got = observed[service] ?? [];
        if (!got.includes(vip)) {
            problems.push(
                `Service ${service} should hold ${vip} but has ${got.length === 0 ? "no address" : got.join(", ")}: ` +
                // The cloud provider labels the Service; kube-vip's services role,
                // elected on a node with a ready Traefik pod, writes the address.
                `check that Traefik pods are Ready (kubectl -n ${TRAEFIK.namespace} get pods), ${KUBE_VIP_LOGS}, ` +
                `and ${CLOUD_PROVIDER_LOGS}`,
            );
        }
    }
    return problems;
}

/** Every Service of the cluster, or [] when kubectl cannot list them (reported by the other checks). */
function allServices(run: Kubectl): KubeObject[] {
    try {
        return JSON.parse(run(["get", "services", "--all-namespaces", "-o", "json"])).items ?? [];
    } catch (error: any) {
        if (error instanceof KubectlMissing) {
            throw error;
        }
        return [];
    }
}

/**
 * The addresses a Service pins: kube-vip's annotation (its name comes in the
 * spec, from the program's one definition), or the deprecated
 * spec.loadBalancerIP the cloud provider copies into it.
 */
function pinnedAddresses(service: KubeObject, annotationName: string | undefined): string[] {
    const annotation = annotationName === undefined ? undefined : service.metadata?.annotations?.[annotationName];
    const pinned: string[] = typeof annotation === "string" ? annotation.split(",").map(a => a.trim()).filter(a => a !== "") : [];
    return pinned.length > 0 ? pinned : service.spec?.loadBalancerIP ? [service.spec.loadBalancerIP] : [];
}

/**
 * Addresses the stack reserved for Applications, against the cluster's
 * Services: a Service in the owner's namespace must hold the address, and no
 * Service elsewhere may hold or pin it. An address no Service of its owner
 * mentions yet is pending (Argo CD may not have synced the Application), not
 * a failure.
 */
export function reservationReport(reservations: readonly ReservationSpec[], services: readonly KubeObject[], annotationName: string | undefined): { problems: string[]; pending: string[] } {
    const problems: string[] = [];
    const pending: string[] = [];
    const name = (service: KubeObject): string => `${service.metadata.namespace}/${service.metadata.name}`;
    for (const reservation of reservations) {
        const holds = (service: KubeObject): boolean => (service.status?.loadBalancer?.ingress ?? []).some((i: KubeObject) => i.ip === reservation.address);
        const mentions = services.filter(service => holds(service) || pinnedAddresses(service, annotationName).includes(reservation.address));
        const elsewhere = mentions.filter(service => service.metadata.namespace !== reservation.namespace);
        const own = mentions.filter(service => service.metadata.namespace === reservation.namespace);
        for (const service of elsewhere) {
            problems.push(
                `${reservation.address} belongs to ${reservation.owner}, but Service ${name(service)} ${holds(service) ? "holds" : "pins"} it: ` +
                `give ${name(service)} another address, or move the reservation (kubectl -n ${service.metadata.namespace} get service ${service.metadata.name} -o yaml)`,
            );
        }
        if (own.length === 0) {
            pending.push(`${reservation.address} is reserved for ${reservation.owner}, but no Service in namespace ${reservation.namespace} pins it yet (has Argo CD synced it? argocd app get ${reservation.application})`);
        } else if (!own.some(holds)) {
            problems.push(
                `Service ${own.map(name).join(", ")} pins ${reservation.address} but has no address: check that its pods are Ready, ` +
                `${KUBE_VIP_LOGS}, and ${CLOUD_PROVIDER_LOGS}`,
            );
        }
    }
    return { problems, pending };
}

export class KubectlMissing extends Error {
    override name = "KubectlMissing";
}

function kubectl(args: string[]): string {
    try {
        return execFileSync("kubectl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (error: any) {
        if (error.code === "ENOENT") {
            throw new KubectlMissing("kubectl is not on PATH: install it on the machine that runs pulumi up (see the README's prerequisites)");
        }
        throw error;
    }
}

/**
 * Every way the live cluster differs from the plan, as messages that say what
 * to look at. `deps` lets tests replace kubectl, the API probe and the pauses.
 */
export async function postDeploy(spec: PostDeploySpec, deps: PostDeployDeps = {}): Promise<string[]> {
    const run = deps.run ?? kubectl;
    const apiWait = deps.waitForApi ?? ((url: string) => waitForApi(url, 60));
    const pause = deps.sleep ?? sleep;
    const problems: string[] = [];
    const api = await apiWait(spec.apiServerUrl);
    if (api.certificateMismatch) {
        problems.push(api.detail);
    } else if (!api.ok) {
        problems.push(`the API does not answer on ${spec.apiServerUrl} (${api.detail}): check kubectl -n ${KUBE_VIP.namespace} logs ds/${KUBE_VIP.controlPlane.daemonSet}`);
    }
    let addressIssues: string[] = [];
    let reserved: { problems: string[]; pending: string[] } = { problems: [], pending: [] };
    for (let attempt = 0; attempt < 30; attempt++) {
        const observed: Record<string, string[]> = {};
        for (const service of Object.keys(spec.serviceAddresses)) {
            try {
                const ips = run(["-n", spec.serviceNamespace, "get", "service", service, "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"]);
                observed[service] = ips === "" ? [] : ips.split(/\s+/);
            } catch (error: any) {
                if (error instanceof KubectlMissing) {
                    throw error;
                }
                observed[service] = [];
            }
        }
        addressIssues = addressProblems(spec.serviceAddresses, observed);
        reserved = (spec.reservations ?? []).length === 0 ? { problems: [], pending: [] } : reservationReport(spec.reservations ?? [], allServices(run), spec.loadBalancerIpsAnnotation);
        if (addressIssues.length === 0 && reserved.problems.length === 0) {
            break;
        }
        await pause(2000);
    }
    problems.push(...addressIssues, ...reserved.problems);
    for (const note of reserved.pending) {
        (deps.note ?? console.log)(`pending: ${note}`);
    }
    // Cilium's agents and operator, as the program names them (components/cilium/names.ts).
    for (const workload of spec.cilium.workloads) {
        try {
            run(["-n", spec.cilium.namespace, "rollout", "status", workload, "--timeout=120s"]);
        } catch (error: any) {
            problems.push(`Cilium's ${workload} is not healthy (${String(error.stderr ?? error.message).trim()}): run cilium status, or kubectl -n ${spec.cilium.namespace} get pods -l k8s-app=cilium`);
        }
    }
    const ca = spec.hubbleCa === undefined ? undefined : hubbleCaProblem(spec.hubbleCa, run, deps.now?.());
    if (ca !== undefined) {
        problems.push(ca);
    }
    return problems;
}

async function main(argv: string[]): Promise<number> {
    const [verb, ...rest] = argv;
    if (verb === "wait-for-api" && rest.length >= 1 && seconds(rest[1] ?? "300") !== undefined) {
        const timeout = seconds(rest[1] ?? "300");
        const result = await waitForApi(rest[0], timeout as number);
        if (result.ok) {
            console.log(`${rest[0]} answers (${result.detail})`);
            return 0;
        }
        if (result.certificateMismatch) {
            console.error(result.detail);
            return 1;
        }
        console.error(`${rest[0]} did not answer within ${timeout}s (last error: ${result.detail}).`);
        console.error(`Check: kubectl -n ${KUBE_VIP.namespace} get ds ${KUBE_VIP.controlPlane.daemonSet} and its logs; vipInterface must exist on the control-plane nodes; the K3s servers need --tls-san=<VIP>.`);
        return 1;
    }
    if (verb === "wait-for-crds" && rest.length >= 2 && seconds(rest[0]) !== undefined) {
        const missing = await waitForCrds(rest.slice(1), seconds(rest[0]) as number);
        if (missing.length === 0) {
            console.log(`established: ${rest.slice(1).join(", ")}`);
            return 0;
        }
        const lines = missing.map(m => `  - ${m.crd}${m.lastError === undefined ? "" : ` (kubectl: ${m.lastError})`}`);
        console.error(`not established within ${rest[0]}s:\n${lines.join("\n")}\nThe Cilium operator registers them when it starts.`);
        console.error(`Check: kubectl -n ${CILIUM.namespace} get pods -l io.cilium/app=operator; kubectl -n ${CILIUM.namespace} logs deploy/${CILIUM.operatorDeployment}`);
        return 1;
    }
    if (verb === "post-deploy" && rest.length === 1) {
        const problems = await postDeploy(JSON.parse(rest[0]) as PostDeploySpec);
        if (problems.length === 0) {
            console.log("post-deploy checks passed: API on its VIP, Traefik Services on their pinned addresses, Cilium rolled out, Hubble's CA far from expiry");
            return 0;
        }
        console.error(`post-deploy checks failed:\n${problems.map(p => `  - ${p}`).join("\n")}`);
        return 1;
    }
    console.error("usage: cluster-checks.ts wait-for-api <url> [timeout-seconds] | wait-for-crds <timeout-seconds> <crd>... | post-deploy <json>");
    return 2;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => process.exit(code), error => {
        console.error(error instanceof KubectlMissing ? error.message : error);
        process.exit(1);
    });
}

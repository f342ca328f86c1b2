// The expiry of Hubble's CA, for cluster-checks.ts. The Cilium chart's
// certgen Job and CronJob (hubble.tls.auto.method: cronJob) run
// cilium-certgen with --ca-generate --ca-reuse-secret: they create the CA
// Secret only when it is missing (cilium/certgen#500) and renew the leaf
// certificates against it every run, so the CA, valid three years, is never
// renewed and Hubble's mTLS stops the day it expires. This reads the CA's
// certificate from its Secret and fails well before that, with the steps that
// rotate it (docs/runbooks.md, "Rotate Hubble's CA").

import { X509Certificate } from "node:crypto";
import type { Kubectl } from "./kubectl";

/** Where the CA lives and how to rotate it: the spec's hubbleCa part (components/cilium/names.ts's HUBBLE_TLS.ca). */
export interface HubbleCaSpec {
    readonly namespace: string;
    readonly secret: string;
    readonly key: string;
    readonly minDays: number;
    readonly leafSecrets: readonly string[];
    readonly cronJob: string;
    readonly restart: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The commands that make certgen write a new CA and leaf certificates, and the pods load them. */
export function rotationSteps(ca: HubbleCaSpec): string[] {
    const job = "hubble-ca-rotate";
    return [
        `kubectl -n ${ca.namespace} delete secret ${[ca.secret, ...ca.leafSecrets].join(" ")}`,
        `kubectl -n ${ca.namespace} create job --from=cronjob/${ca.cronJob} ${job}`,
        `kubectl -n ${ca.namespace} wait --for=condition=complete job/${job} --timeout=180s`,
        `kubectl -n ${ca.namespace} delete job ${job}`,
        `kubectl -n ${ca.namespace} rollout restart ${ca.restart.join(" ")}`,
    ];
}

/**
 * What is wrong with the CA's expiry, or undefined. `ca` is the spec's
 * hubbleCa part (names from components/cilium/names.ts), `run` kubectl's
 * runner, `now` the clock in ms (tests set it).
 */
export function hubbleCaProblem(ca: HubbleCaSpec, run: Kubectl, now: number = Date.now()): string | undefined {
    const where = `Secret ${ca.namespace}/${ca.secret}`;
    const steps = () => `Rotate it (docs/runbooks.md, "Rotate Hubble's CA"): ${rotationSteps(ca).join("; ")}`;
    let encoded: string;
    try {
        encoded = run(["-n", ca.namespace, "get", "secret", ca.secret, "-o", `jsonpath={.data.${ca.key.replace(/\./g, "\\.")}}`]);
    } catch (error: any) {
        if (error.name === "KubectlMissing") {
            throw error;
        }
        return `${where} cannot be read (${String(error.stderr ?? error.message).trim()}): the chart's certgen Job writes it at install; check kubectl -n ${ca.namespace} get jobs,cronjob -l k8s-app=${ca.cronJob}`;
    }
    let certificate: X509Certificate;
    try {
        certificate = new X509Certificate(Buffer.from(encoded, "base64"));
    } catch (error: any) {
        return `${where} holds no readable certificate under ${ca.key} (${error.message}). ${steps()}`;
    }
    const expires = new Date(certificate.validTo);
    const daysLeft = Math.floor((expires.getTime() - now) / DAY_MS);
    if (daysLeft < ca.minDays) {
        const when = daysLeft < 0 ? `expired on ${expires.toISOString().slice(0, 10)}` : `expires on ${expires.toISOString().slice(0, 10)}, in ${daysLeft} days`;
        return `Hubble's CA (${where}) ${when}; certgen never renews it, and Hubble Relay and UI stop when it expires. ${steps()}`;
    }
    return undefined;
}

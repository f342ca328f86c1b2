// The post-deploy check of Hubble's CA (components/checks/hubble-ca.ts), with
// kubectl faked and the clock set against one committed CA certificate
// (test/fixtures/hubble-ca.crt: made once with openssl req -x509, valid three
// years like certgen's, notAfter 2029-12-03T16:15:08Z).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HUBBLE_TLS } from "../../platform/cilium";
import { postDeployCheckSpec } from "../../components/checks/postDeployChecks";
import { fakeKubectl } from "./fakeKubectl";
import { REPO_ROOT } from "../harness";

const checks = require(path.join(REPO_ROOT, "components", "checks", "cluster-checks.ts"));
const { hubbleCaProblem } = require(path.join(REPO_ROOT, "components", "checks", "hubble-ca.ts"));

const CA_PEM = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "hubble-ca.crt"), "utf8");
const EXPIRES = Date.parse("2029-12-03T16:15:08Z");
const DAY = 24 * 60 * 60 * 1000;
const noPause = async () => undefined;

/** A cluster whose Secret kube-system/cilium-ca holds `pem` (base64, as the API returns .data), everything else healthy. */
function cluster(pem: string | Error) {
    return fakeKubectl(args => {
        if (args.join(" ") === "-n kube-system get secret cilium-ca -o jsonpath={.data.ca\\.crt}") {
            return pem instanceof Error ? pem : Buffer.from(pem).toString("base64");
        }
        if (args.includes("service")) {
            return { "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" }[args[args.indexOf("service") + 1]] ?? "";
        }
        return "successfully rolled out";
    });
}

describe("cluster checks: Hubble's CA", () => {
    const spec = JSON.parse(postDeployCheckSpec({
        apiServerUrl: "https://192.168.1.230:6443",
        serviceAddresses: { "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" },
        serviceNamespace: "traefik",
        ownership: { reservations: [], unpinned: [] },
    }));
    const deps = (run: unknown, now: number) => ({ run, now: () => now, waitForApi: async () => ({ ok: true, detail: "HTTP 401" }), sleep: noPause });

    it("reads the CA the chart's certgen keeps: Secret kube-system/cilium-ca, key ca.crt, 90 days' notice", () => {
        assert.deepStrictEqual([spec.hubbleCa.namespace, spec.hubbleCa.secret, spec.hubbleCa.key, spec.hubbleCa.minDays], ["kube-system", "cilium-ca", "ca.crt", 90]);
        assert.deepStrictEqual(spec.hubbleCa, HUBBLE_TLS.ca);
    });

    it("passes with two years left", async () => {
        const kubectl = cluster(CA_PEM);
        assert.deepStrictEqual(await checks.postDeploy(spec, deps(kubectl.run, EXPIRES - 730 * DAY)), []);
        assert.ok(kubectl.calls.some(c => c.includes("cilium-ca")), "the check read the Secret");
    });

    it("fails a CA that expires in 30 days, with the date and every rotation step", async () => {
        const problems = await checks.postDeploy(spec, deps(cluster(CA_PEM).run, EXPIRES - 30 * DAY));
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^Hubble's CA \(Secret kube-system\/cilium-ca\) expires on 2029-12-03, in 30 days; certgen never renews it/);
        assert.ok(problems[0].endsWith([
            "Rotate it (docs/runbooks.md, \"Rotate Hubble's CA\"): kubectl -n kube-system delete secret cilium-ca hubble-server-certs hubble-relay-client-certs",
            "kubectl -n kube-system create job --from=cronjob/hubble-generate-certs hubble-ca-rotate",
            "kubectl -n kube-system wait --for=condition=complete job/hubble-ca-rotate --timeout=180s",
            "kubectl -n kube-system delete job hubble-ca-rotate",
            "kubectl -n kube-system rollout restart daemonset/cilium deployment/hubble-relay",
        ].join("; ")), problems[0]);
    });

    it("draws the line at 90 days: 90 left passes, 89 fails, an expired CA says expired", () => {
        const run = cluster(CA_PEM).run;
        assert.strictEqual(hubbleCaProblem(HUBBLE_TLS.ca, run, EXPIRES - 90 * DAY), undefined);
        assert.match(hubbleCaProblem(HUBBLE_TLS.ca, run, EXPIRES - 89 * DAY), /expires on 2029-12-03, in 89 days/);
        assert.match(hubbleCaProblem(HUBBLE_TLS.ca, run, EXPIRES + DAY), /expired on 2029-12-03/);
    });

    it("fails when the Secret cannot be read or holds no certificate, naming what to look at", () => {
        const missing = cluster(Object.assign(new Error("exit 1"), { stderr: "Error from server (NotFound): secrets \"cilium-ca\" not found" })).run;
        assert.match(hubbleCaProblem(HUBBLE_TLS.ca, missing, EXPIRES), /^Secret kube-system\/cilium-ca cannot be read \(Error from server \(NotFound\).*\): the chart's certgen Job writes it at install; check kubectl -n kube-system get jobs,cronjob -l k8s-app=hubble-generate-certs$/);
        assert.match(hubbleCaProblem(HUBBLE_TLS.ca, cluster("not a certificate").run, EXPIRES), /^Secret kube-system\/cilium-ca holds no readable certificate under ca\.crt/);
    });

    it("stops at once when kubectl is missing", () => {
        const missing = () => {
            throw new checks.KubectlMissing("kubectl is not on PATH");
        };
        assert.throws(() => hubbleCaProblem(HUBBLE_TLS.ca, missing, EXPIRES), /kubectl is not on PATH/);
    });
});

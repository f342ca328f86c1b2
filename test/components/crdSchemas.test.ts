// Every CiliumNetworkPolicy and Argo CD Application the program declares is
// valid against the CRD schemas (test/crdValidation.ts), and the validation
// is strict enough to refuse the mistakes that matter.
import * as assert from "assert";
import type { ICiliumNetworkPolicy } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { TYPES } from "../../policy/definitions";
import { CrdProblem, crdProblems, formatCrdProblems, validateCrds } from "../crdValidation";
import { RecordedResource, runProgram } from "../harness";

function recorded(type: string, name: string, inputs: object): RecordedResource {
    return { type, name, urn: `urn:pulumi:test::homelab-network::${type}::${name}`, custom: true, inputs: inputs as Record<string, any>, parent: "", dependencies: [], protect: false, secretPaths: [], aliases: [] };
}

const cnp = (name: string, object: ICiliumNetworkPolicy) => recorded(TYPES.ciliumNetworkPolicy, name, object);
const app = (name: string, object: IApplication) => recorded(TYPES.application, name, object);

/** A policy for each shape the program writes or is about to write. */
const everyShape: ICiliumNetworkPolicy = {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "every-shape", namespace: "monitoring", labels: { "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
        description: "prometheus and its exporters",
        endpointSelector: {
            matchLabels: { "app.kubernetes.io/name": "prometheus" },
            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["server", "blackbox"] }],
        },
        egress: [
            {
                toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } }],
                toPorts: [{ ports: [{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }], rules: { dns: [{ matchPattern: "*" }] } }],
            },
            { toFQDNs: [{ matchName: "api.github.com" }, { matchPattern: "*.githubusercontent.com" }], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
            { toEntities: ["world"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
            { toEntities: ["host", "remote-node"], toPorts: [{ ports: [{ port: "9100", protocol: "TCP" }, { port: "10250", protocol: "TCP" }] }] },
            { toEntities: ["kube-apiserver"] },
            { toCIDRSet: [{ cidr: "192.168.1.0/24" }, { cidr: "10.0.0.0/8", except: ["10.96.0.0/12"] }], toPorts: [{ ports: [{ port: "30000", endPort: 32767, protocol: "TCP" }] }] },
            { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "databases", "app.kubernetes.io/name": "mariadb" } }], toPorts: [{ ports: [{ port: "mysql" }] }] },
            { toEntities: ["world"], icmps: [{ fields: [{ type: 8, family: "IPv4" }, { type: "EchoRequest", family: "IPv6" }] }] },
            { toEntities: ["cluster"], toPorts: [{ ports: [{ port: "0", protocol: "ANY" }] }] },
        ],
        ingress: [
            { fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "grafana" } }], toPorts: [{ ports: [{ port: "9090", protocol: "TCP" }] }] },
            { fromEntities: ["host", "remote-node"], toPorts: [{ ports: [{ port: "9091", protocol: "TCP" }] }] },
            { fromEntities: ["world"], icmps: [{ fields: [{ type: 0 }] }] },
        ],
    },
};

const defaultDeny: ICiliumNetworkPolicy = {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "default-deny", namespace: "monitoring" },
    spec: { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] },
};

const chartApplication: IApplication = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "podinfo", namespace: "argocd", finalizers: ["resources-finalizer.argocd.argoproj.io"] },
    spec: {
        project: "default",
        destination: { server: "https://kubernetes.default.svc", namespace: "podinfo" },
        source: {
            repoURL: "https://stefanprodan.github.io/podinfo",
            chart: "podinfo",
            targetRevision: "6.7.1",
            // Free-form: any keys a chart reads.
            helm: { valuesObject: { ingress: { enabled: true, hosts: [{ host: "podinfo.lab.internal" }] }, toEndpoint: "not a policy here" } },
        },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=false"] },
    },
};

/** A deep copy of `object` with `change` applied to it. */
function changed<T>(object: T, change: (copy: any) => void): T {
    const copy = JSON.parse(JSON.stringify(object));
    change(copy);
    return copy;
}

function problemList(problems: CrdProblem[]): string {
    return formatCrdProblems(problems) || "(none)";
}

describe("CRD schemas", () => {
    describe("the program's objects", () => {
        for (const stack of ["home", "lab"]) {
            it(`${stack}: every CiliumNetworkPolicy and Application validates`, async () => {
                const { validated, problems } = await validateCrds((await runProgram(stack)).resources);
                assert.deepStrictEqual(problems, [], problemList(problems));
                assert.ok(validated.ciliumNetworkPolicy > 0, `${stack} declares no CiliumNetworkPolicy: nothing was validated`);
                if (stack === "lab") {
                    assert.ok(validated.application > 0, "lab declares no Application: nothing was validated");
                }
            });
        }
    });

    describe("hand-made objects", () => {
        it("accepts every policy shape the program uses: ports, endPort, entities, endpoints, CIDR sets, FQDNs, ICMP, DNS rules, default deny", async () => {
            const resources = [cnp("every-shape", everyShape), cnp("default-deny", defaultDeny), app("podinfo", chartApplication)];
            const { validated, problems } = await validateCrds(resources);
            assert.deepStrictEqual(problems, [], problemList(problems));
            assert.deepStrictEqual(validated, { ciliumNetworkPolicy: 2, application: 1 });
        });

        it("validates only CiliumNetworkPolicies and Applications", async () => {
            const other = recorded("kubernetes:apps/v1:Deployment", "d", { apiVersion: "apps/v1", kind: "Deployment", spec: { toEndpoint: 1 } });
            assert.deepStrictEqual(await validateCrds([other]), { validated: { ciliumNetworkPolicy: 0, application: 0 }, problems: [] });
        });

        // One mistake per row: the object, the one path reported, and the words of its message.
        const rules = (egress: unknown) => (copy: any) => { copy.spec.egress = [egress]; };
        const refused: Array<[string, RecordedResource, string, RegExp]> = [
            ["a port as a number (the CRD wants a string)",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: 8080, protocol: "TCP" }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/port", /must be string/],
            ["a port with its protocol in it, which the CRD's half-anchored pattern lets through",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: "53/UDP" }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/port", /port number 0-65535 or a port name, not "53\/UDP"/],
            ["a port above 65535",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: "99999" }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/port", /port number 0-65535/],
            ["an endPort above 65535",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: "30000", endPort: 70000 }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/endPort", /must be <= 65535/],
            ["ICMP as a port protocol (ICMP goes in icmps)",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: "0", protocol: "ICMP" }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/protocol", /allowed values: TCP, UDP, SCTP, VRRP, IGMP, ANY/],
            ["a lower-case protocol",
                cnp("p", changed(defaultDeny, rules({ toPorts: [{ ports: [{ port: "53", protocol: "udp" }] }] }))),
                "/spec/egress/0/toPorts/0/ports/0/protocol", /allowed values/],
            ["an unknown entity",
                cnp("p", changed(defaultDeny, rules({ toEntities: ["internet"] }))),
                "/spec/egress/0/toEntities/0", /allowed values: all, world, cluster, host, .*remote-node/],
            ["a misspelt peer field, which the API server would drop",
                cnp("p", changed(defaultDeny, rules({ toEndpoint: [{ matchLabels: { app: "db" } }] }))),
                "/spec/egress/0/toEndpoint", /unknown field/],
            ["a misspelt toPorts, which would leave a rule open on every port",
                cnp("p", changed(defaultDeny, rules({ toEntities: ["world"], toPort: [{ ports: [{ port: "443" }] }] }))),
                "/spec/egress/0/toPort", /unknown field/],
            ["a misspelt selector field",
                cnp("p", changed(defaultDeny, (copy: any) => { copy.spec.endpointSelector = { matchLabel: { app: "x" } }; })),
                "/spec/endpointSelector/matchLabel", /unknown field/],
            ["a misspelt metadata field",
                cnp("p", changed(defaultDeny, (copy: any) => { copy.metadata.label = { app: "x" }; })),
                "/metadata/label", /unknown field/],
            ["a description that is not text",
                cnp("p", changed(defaultDeny, (copy: any) => { copy.spec.description = 5; })),
                "/spec/description", /must be string/],
            ["a CIDR that does not parse",
                cnp("p", changed(defaultDeny, rules({ toCIDRSet: [{ cidr: "10.0.0.0/33" }] }))),
                "/spec/egress/0/toCIDRSet/0/cidr", /must match format "cidr"/],
            ["a label value Kubernetes would not store",
                cnp("p", changed(defaultDeny, rules({ toEndpoints: [{ matchLabels: { app: "my app" } }] }))),
                "/spec/egress/0/toEndpoints/0/matchLabels/app", /must match pattern/],
            ["a selector operator that does not exist",
                cnp("p", changed(defaultDeny, (copy: any) => { copy.spec.endpointSelector = { matchExpressions: [{ key: "app", operator: "Equals", values: ["x"] }] }; })),
                "/spec/endpointSelector/matchExpressions/0/operator", /allowed values: In, NotIn, Exists, DoesNotExist/],
            ["an ICMP type name that does not exist",
                cnp("p", changed(defaultDeny, rules({ toEntities: ["world"], icmps: [{ fields: [{ type: "Ping" }] }] }))),
                "/spec/egress/0/icmps/0/fields/0/type", /must match pattern/],
            ["an ICMP family that does not exist",
                cnp("p", changed(defaultDeny, rules({ toEntities: ["world"], icmps: [{ fields: [{ type: 8, family: "IPv5" }] }] }))),
                "/spec/egress/0/icmps/0/fields/0/family", /allowed values: IPv4, IPv6/],
            ["a DNS pattern with a slash",
                cnp("p", changed(defaultDeny, rules({ toEndpoints: [{}], toPorts: [{ ports: [{ port: "53" }], rules: { dns: [{ matchPattern: "a/b" }] } }] }))),
                "/spec/egress/0/toPorts/0/rules/dns/0/matchPattern", /must match pattern/],
            ["a policy that selects no endpoints",
                cnp("p", changed(defaultDeny, (copy: any) => { delete copy.spec.endpointSelector; })),
                "/spec", /required property endpointSelector/],
            ["an Application without a destination",
                app("a", changed(chartApplication, (copy: any) => { delete copy.spec.destination; })),
                "/spec", /must have required property destination/],
            ["an automated sync whose prune is text",
                app("a", changed(chartApplication, (copy: any) => { copy.spec.syncPolicy.automated.prune = "yes"; })),
                "/spec/syncPolicy/automated/prune", /must be boolean/],
            ["a misspelt Application field",
                app("a", changed(chartApplication, (copy: any) => { copy.spec.syncPolicy.automatic = { prune: true }; })),
                "/spec/syncPolicy/automatic", /unknown field/],
            ["an Application without a project",
                app("a", changed(chartApplication, (copy: any) => { delete copy.spec.project; })),
                "/spec", /must have required property project/],
        ];
        for (const [mistake, resource, path, message] of refused) {
            it(`refuses ${mistake}`, async () => {
                const problems = await crdProblems([resource]);
                const paths = [...new Set(problems.map(p => p.path))];
                assert.deepStrictEqual(paths, [path], problemList(problems));
                assert.ok(problems.some(p => message.test(p.message)), problemList(problems));
                assert.ok(problems.every(p => p.resource === resource.name), problemList(problems));
            });
        }

        it("reports every problem of every object at once, each with its resource and path", async () => {
            const problems = await crdProblems([
                cnp("first", changed(defaultDeny, rules({ toEntities: ["internet"], toPorts: [{ ports: [{ port: 80 }] }] }))),
                app("second", changed(chartApplication, (copy: any) => { delete copy.spec.destination; })),
            ]);
            assert.deepStrictEqual(problems.map(p => `${p.kind} ${p.resource} ${p.path}`).sort(), [
                "Application second /spec",
                "CiliumNetworkPolicy first /spec/egress/0/toEntities/0",
                "CiliumNetworkPolicy first /spec/egress/0/toPorts/0/ports/0/port",
            ]);
        });
    });
});

describe("a generated large stack's objects against the CRD schemas", function () {
    // 60 Applications, 180 workloads, 900 connections of every peer kind (tools/syntheticStack.ts).
    this.timeout(120000);
    it("are all valid CiliumNetworkPolicies and Applications", async () => {
        const { syntheticApplications } = require("../../tools/syntheticStack");
        const run = await runProgram("home", { applications: syntheticApplications(60) });
        const result = await validateCrds(run.resources);
        assert.deepStrictEqual(result.problems, []);
        assert.strictEqual(result.validated.application, 60);
        assert.ok(result.validated.ciliumNetworkPolicy >= 180 + 60, `${result.validated.ciliumNetworkPolicy} policies checked`);
    });
});

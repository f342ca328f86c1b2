import * as assert from "assert";
import { parseRange } from "../../policy/addressing";
import {
    ANY_PORT,
    Peer,
    PolicyModel,
    cidrGroupsOf,
    describePeer,
    describePorts,
    isAnyPort,
    peerLanReach,
    portWithin,
    readCidr,
    readPolicies,
    readPolicyObject,
} from "../../policy/policyModel";

const LAN = (() => {
    const parsed = parseRange("192.168.1.0-192.168.1.255");
    assert.ok(parsed.ok);
    return parsed.value;
})();

const cnp = (spec: Record<string, any>, extra: Record<string, any> = {}) =>
    ({ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name: "p", namespace: "media" }, spec, ...extra });
const ccnp = (spec: Record<string, any>) => ({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name: "c" }, spec });
const netpol = (spec: Record<string, any>) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "db" }, spec });

const only = (models: PolicyModel[]): PolicyModel => {
    assert.strictEqual(models.length, 1, JSON.stringify(models));
    return models[0];
};
const reachOf = (peers: readonly Peer[]) => peers.map(p => peerLanReach(p, LAN));

describe("policy model: CIDRs", () => {
    it("applies the mask, as Cilium and Kubernetes do", () => {
        const peer = readCidr("1.0.0.0/0");
        assert.strictEqual(peer.kind, "cidr");
        assert.strictEqual(peer.kind === "cidr" && peer.cidr, "0.0.0.0/0");
        assert.strictEqual(readCidr("192.168.1.77/24").kind === "cidr" && (readCidr("192.168.1.77/24") as any).cidr, "192.168.1.0/24");
        assert.strictEqual((readCidr("192.168.1.9") as any).cidr, "192.168.1.9/32");
    });

    it("refuses text that is no CIDR, with the reason", () => {
        const peer = readCidr("10/8");
        assert.strictEqual(peer.kind, "unreadable");
        assert.match((peer as any).reason, /dot-separated/);
        assert.strictEqual(readCidr("10.0.0.0/33").kind, "unreadable");
    });

    it("tells how much of the LAN a CIDR reaches, exceptions cut out", () => {
        assert.deepStrictEqual(["0.0.0.0/1", "128.0.0.0/1", "192.168.1.0/24", "192.168.1.0/25", "10.0.0.0/8", "192.168.0.0/16"].map(c => peerLanReach(readCidr(c), LAN)),
            ["none", "all", "all", "some", "none", "all"]);
        const policy = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [
            { fromCIDRSet: [{ cidr: "0.0.0.0/0", except: ["192.168.1.0/24"] }] },
            { fromCIDRSet: [{ cidr: "0.0.0.0/0", except: ["192.168.1.128/25"] }] },
        ] })));
        assert.deepStrictEqual(policy.rules.map(r => reachOf(r.peers)[0]), ["none", "some"]);
    });

    it("reads CIDR groups by name, and leaves an undeclared one unknown", () => {
        const rule = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [{ fromCIDRSet: [{ cidrGroupRef: "lan" }, { cidrGroupSelector: { matchLabels: { a: "b" } } }] }] }))).rules[0];
        assert.deepStrictEqual(rule.peers.map(p => p.kind), ["cidrGroup", "cidrGroup"]);
        assert.deepStrictEqual(reachOf(rule.peers), ["unknown", "unknown"]);
        const groups = new Map(cidrGroupsOf({ kind: "CiliumCIDRGroup", metadata: { name: "lan" }, spec: { externalCIDRs: ["192.168.0.0/23"] } }));
        assert.strictEqual(peerLanReach(rule.peers[0], LAN, groups), "all");
        assert.strictEqual(describePeer(rule.peers[0]), "cidrGroupRef lan");
    });
});

describe("policy model: peers", () => {
    it("reads a reserved: label in an endpoint selector as that entity", () => {
        const rule = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { "reserved:world": "" } }, { matchLabels: { app: "x" } }] }] }))).rules[0];
        assert.deepStrictEqual(rule.peers.map(p => [p.kind, (p as any).entity ?? (p as any).namespace]), [["entity", "world"], ["endpoints", "media"]]);
        assert.deepStrictEqual(reachOf(rule.peers), ["all", "none"]);
    });

    it("confines a namespaced policy's endpoints to its namespace unless the selector names one; a clusterwide one to none", () => {
        const named = only(readPolicyObject(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [{}, { matchLabels: { "k8s:io.kubernetes.pod.namespace": "dns", app: "pihole" } }] }] })));
        assert.deepStrictEqual(named.rules[0].peers.map(p => (p as any).namespace), ["media", "dns"]);
        assert.deepStrictEqual((named.rules[0].peers[1] as any).selector.matchLabels, { app: "pihole" });
        const wide = only(readPolicyObject(ccnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] })));
        assert.strictEqual((wide.rules[0].peers[0] as any).namespace, undefined);
    });

    it("gives a rule with ports but no peer every peer, and a rule {} none", () => {
        const policy = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "22", protocol: "TCP" }] }] }, {}] })));
        assert.deepStrictEqual(policy.rules.map(r => r.peers.map(p => (p as any).entity)), [["all"], []]);
        assert.strictEqual(policy.enforces.ingress, true);
    });

    it("reads entities, DNS names, Services and nodes on egress", () => {
        const rule = only(readPolicyObject(cnp({ endpointSelector: {}, egress: [{
            toEntities: ["kube-apiserver"], toFQDNs: [{ matchName: "example.org" }], toServices: [{ k8sService: { serviceName: "s", namespace: "n" } }], toNodes: [{}],
        }] }))).rules[0];
        assert.deepStrictEqual(rule.peers.map(p => p.kind), ["entity", "fqdn", "service", "nodes"]);
        assert.strictEqual(rule.direction, "egress");
    });
});

describe("policy model: ports", () => {
    it("reads 0, 1-65535 and a rule without toPorts as every port", () => {
        const policy = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [
            { fromEntities: ["world"], toPorts: [{ ports: [{ port: "0", protocol: "TCP" }] }] },
            { fromEntities: ["world"], toPorts: [{ ports: [{ port: "1", endPort: 65535 }] }] },
            { fromEntities: ["world"] },
            { fromEntities: ["world"], toPorts: [{ ports: [{ port: "8096", protocol: "tcp" }, { port: "6000", endPort: 6010, protocol: "UDP" }, { port: "http" }] }] },
        ] })));
        assert.deepStrictEqual(policy.rules.map(r => describePorts(r.ports)), ["every TCP port", "every port", "every port", "8096/TCP, 6000-6010/UDP, port http"]);
        assert.deepStrictEqual(policy.rules.map(r => r.ports.some(isAnyPort)), [false, true, true, false]);
    });

    it("compares ports by range and protocol", () => {
        const [tcp] = only(readPolicyObject(cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }] }))).rules[0].ports;
        assert.strictEqual(portWithin(tcp, { protocol: "TCP", from: 443, to: 443 }), true);
        assert.strictEqual(portWithin(tcp, { protocol: "UDP", from: 443, to: 443 }), false);
        assert.strictEqual(portWithin(tcp, ANY_PORT), true);
        assert.strictEqual(portWithin(ANY_PORT, { protocol: "TCP", from: 1, to: 1024 }), false);
    });
});

describe("policy model: kinds", () => {
    it("gives a CiliumNetworkPolicy one model per spec, spec and specs alike", () => {
        const models = readPolicyObject(cnp({ endpointSelector: { matchLabels: { app: "a" } }, ingress: [{}] }, {
            specs: [{ endpointSelector: {}, ingress: [{ fromEntities: ["world"] }] }, { endpointSelector: {}, egressDeny: [{ toEntities: ["world"] }] }],
        }));
        assert.deepStrictEqual(models.map(m => m.owner), ["CiliumNetworkPolicy media/p", "CiliumNetworkPolicy media/p (specs[0])", "CiliumNetworkPolicy media/p (specs[1])"]);
        assert.deepStrictEqual(models.map(m => m.rules.map(r => `${r.where}${r.deny ? " deny" : ""}`)), [["ingress[0]"], ["specs[0].ingress[0]"], ["specs[1].egressDeny[0] deny"]]);
        assert.deepStrictEqual(models.map(m => [m.enforces.ingress, m.enforces.egress]), [[true, false], [true, false], [false, true]]);
    });

    it("reads a clusterwide policy's empty selector as every pod of every namespace", () => {
        const model = only(readPolicyObject(ccnp({ endpointSelector: {}, ingress: [{ fromEntities: ["world"] }] })));
        assert.deepStrictEqual(model.subject, { kind: "pods", selector: { matchLabels: {}, matchExpressions: [] } });
        assert.strictEqual(model.namespace, undefined);
        assert.strictEqual(model.owner, "CiliumClusterwideNetworkPolicy c");
        const nodes = only(readPolicyObject(ccnp({ nodeSelector: {}, ingress: [{ fromEntities: ["world"] }] })));
        assert.strictEqual(nodes.subject.kind, "nodes");
    });

    it("honours enableDefaultDeny", () => {
        const model = only(readPolicyObject(cnp({ endpointSelector: {}, enableDefaultDeny: { ingress: false, egress: true }, ingress: [{ fromEntities: ["cluster"] }] })));
        assert.deepStrictEqual(model.enforces, { ingress: false, egress: true });
    });

    it("reads a Kubernetes NetworkPolicy: ipBlock, no from, namespaceSelector, ports and policyTypes", () => {
        const model = only(readPolicyObject(netpol({
            podSelector: { matchLabels: { app: "mariadb" } },
            policyTypes: ["Ingress"],
            ingress: [
                { from: [{ ipBlock: { cidr: "192.168.1.0/24", except: ["192.168.1.1/32"] } }], ports: [{ port: 3306 }] },
                { ports: [{ port: 3306, protocol: "TCP" }] },
                { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web" } }, podSelector: {} }, { namespaceSelector: {} }] },
            ],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
        })));
        assert.deepStrictEqual(model.enforces, { ingress: true, egress: false });
        assert.strictEqual(model.rules.length, 3, "egress is not in policyTypes, so its rules do nothing");
        assert.deepStrictEqual(reachOf(model.rules[0].peers), ["some"]);
        assert.deepStrictEqual(model.rules[0].ports, [{ protocol: "TCP", from: 3306, to: 3306 }]);
        assert.deepStrictEqual(model.rules[1].peers.map(p => (p as any).entity), ["all"]);
        assert.deepStrictEqual(model.rules[2].peers.map(p => (p as any).namespace ?? "(any)"), ["web", "(any)"]);
        assert.deepStrictEqual(model.rules[2].ports, [ANY_PORT]);
        assert.deepStrictEqual(model.subject, { kind: "pods", namespace: "db", selector: { matchLabels: { app: "mariadb" }, matchExpressions: [] } });
    });

    it("reads a NetworkPolicy without policyTypes as Ingress, and Egress when it has egress rules", () => {
        assert.deepStrictEqual(only(readPolicyObject(netpol({ podSelector: {} }))).enforces, { ingress: true, egress: false });
        assert.deepStrictEqual(only(readPolicyObject(netpol({ podSelector: {}, egress: [] }))).enforces, { ingress: true, egress: true });
    });

    it("reads the policies inside a yaml.v2.ConfigGroup, naming it", () => {
        const models = readPolicies({
            type: "kubernetes:yaml/v2:ConfigGroup", name: "extras",
            props: { yaml: "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: open\nspec:\n  endpointSelector: {}\n  ingress:\n  - fromEntities: [world]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" },
        });
        assert.deepStrictEqual(models.map(m => m.owner), ["CiliumClusterwideNetworkPolicy open (in yaml.v2.ConfigGroup extras)"]);
        assert.deepStrictEqual(reachOf(models[0].rules[0].peers), ["all"]);
    });

    it("reads a resource directly, and nothing from other kinds", () => {
        assert.strictEqual(readPolicies({ type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy", name: "r", props: cnp({ endpointSelector: {}, ingress: [{}] }) }).length, 1);
        assert.deepStrictEqual(readPolicyObject({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }), []);
        assert.deepStrictEqual(readPolicies({ type: "kubernetes:core/v1:Service", name: "s", props: {} }), []);
    });
});

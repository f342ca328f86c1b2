// A reservation's holder and ports travel as values: the pack matches the
// holder's structure (never the sentence that names it), and ports are
// numbers with a protocol, turned into text by one formatter.
import * as assert from "assert";
import { uniqueLoadBalancerAddresses } from "../../policy/addresses";
import { networkNeeds } from "../../policy/networkConfig";
import { formatPort, isPortSpec } from "../../policy/ports";
import { Reservation, ownerText, parseReservations } from "../../policy/reservations";

const SERVICE = "kubernetes:core/v1:Service";

async function uniqueMessages(services: Array<{ name: string; namespace: string; address: string }>, reservations: Reservation[]): Promise<string[]> {
    const messages: string[] = [];
    await uniqueLoadBalancerAddresses.validateStack({
        resources: services.map((s, i) => ({
            type: SERVICE, name: s.name, urn: `urn:${i}`, opts: {}, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
            props: { metadata: { name: s.name, namespace: s.namespace, annotations: { "kube-vip.io/loadbalancerIPs": s.address } }, spec: { type: "LoadBalancer" } },
        })) as any,
        stackTags: new Map(),
        getConfig: () => ({ reservations }) as any,
        notApplicable: () => { throw new Error("n/a"); },
    }, m => messages.push(m));
    return messages;
}

describe("ports as values", () => {
    it("writes a port, a range and Cilium's ANY the one way", () => {
        assert.deepStrictEqual(
            [formatPort({ port: 8096, protocol: "TCP" }), formatPort({ port: 6000, endPort: 6010, protocol: "UDP" }), formatPort({ port: 53, protocol: "ANY" })],
            ["8096/TCP", "6000-6010/UDP", "53/ANY"],
        );
    });

    it("accepts only a number 1-65535, a higher endPort and TCP or UDP, with no other key", () => {
        assert.ok(isPortSpec({ port: 53, protocol: "UDP" }));
        assert.ok(isPortSpec({ port: 6000, endPort: 6010, protocol: "TCP" }));
        for (const wrong of ["8096/TCP", { port: "53", protocol: "UDP" }, { port: 0, protocol: "TCP" }, { port: 70000, protocol: "TCP" },
            { port: 6010, endPort: 6000, protocol: "TCP" }, { port: 53, protocol: "tcp" }, { port: 53, protocol: "TCP", name: "dns" }]) {
            assert.ok(!isPortSpec(wrong), JSON.stringify(wrong));
        }
    });
});

describe("a reservation's holder", () => {
    it("names its owner for people from the holder and the namespace", () => {
        assert.strictEqual(ownerText({ kind: "traefik", service: "traefik-vip239" }, "traefik"), "Traefik Service traefik-vip239");
        assert.strictEqual(ownerText({ kind: "application", name: "emby", workload: "emby" }, "media"), "workload emby of namespace media, Application emby");
        assert.strictEqual(ownerText({ kind: "application", name: "pihole" }, "dns"), "namespace dns, Application pihole");
        assert.strictEqual(ownerText({ kind: "application", name: "podinfo" }, undefined), "Application podinfo");
    });

    it("refuses the old sentence owner, a holder of another kind, a Traefik holder without namespace and ports as text", () => {
        const problems = [
            { address: "192.168.1.233", owner: "namespace media, Application emby" },
            { address: "192.168.1.233", holder: { kind: "service", name: "emby" } },
            { address: "192.168.1.233", holder: { kind: "application", name: "emby", namespace: "media" } },
            { address: "192.168.1.231", holder: { kind: "traefik", service: "traefik" } },
            { address: "192.168.1.233", holder: { kind: "application", name: "emby" }, ports: ["8096/TCP"] },
        ].map(entry => parseReservations([entry as unknown as Reservation]));
        assert.deepStrictEqual(problems.map(p => p.ok), [false, false, false, false, false]);
        const reasons = problems.map(p => (p.ok ? "" : p.reason));
        assert.match(reasons[0], /^entry 0 is .*, not \{address, holder: \{kind: "traefik", service\} or \{kind: "application", name\}\}$/);
        assert.match(reasons[3], /^entry 0 \(Traefik Service traefik\) names no namespace/);
        assert.match(reasons[4], /^entry 0 \(Application emby\) has the ports \["8096\/TCP"\], not a list like \[\{"port": 8096, "protocol": "TCP"\}\]$/);
    });

    it("refuses a reservation that serves every port, in one range or several, as a pack config from ports: any would", () => {
        const holder = { kind: "application", name: "emby" } as const;
        const every = [
            [{ port: 1, endPort: 65535, protocol: "TCP" }],
            [{ port: 53, protocol: "UDP" }, { port: 1, endPort: 52, protocol: "UDP" }, { port: 54, endPort: 65535, protocol: "UDP" }],
        ].map(ports => parseReservations([{ address: "192.168.1.233", holder, namespace: "media", ports } as Reservation]));
        assert.deepStrictEqual(every.map(p => (p.ok ? "ok" : p.reason)), [
            "entry 0 (namespace media, Application emby) serves every TCP port (1-65535), which would let the LAN reach every port of its namespace",
            "entry 0 (namespace media, Application emby) serves every UDP port (1-65535), which would let the LAN reach every port of its namespace",
        ]);
        const most = parseReservations([{ address: "192.168.1.233", holder, namespace: "media", ports: [{ port: 2, endPort: 65535, protocol: "TCP" }, { port: 1, protocol: "UDP" }] }]);
        assert.ok(most.ok, "every port but one, or one port of another protocol, is not every port");
    });

    it("keeps the config schema strict: an entry and its holder list their keys and allow no other", () => {
        const schema = networkNeeds("reservations").schema.properties.reservations as any;
        assert.strictEqual(schema.items.additionalProperties, false);
        assert.deepStrictEqual(schema.items.required, ["address", "holder"]);
        assert.deepStrictEqual(schema.items.properties.holder.oneOf.map((h: any) => [h.properties.kind.enum, h.required, h.additionalProperties]), [
            [["traefik"], ["kind", "service"], false],
            [["application"], ["kind", "name"], false],
        ]);
        assert.strictEqual(schema.items.properties.ports.items.additionalProperties, false);
    });

    it("lets Traefik's Service of that name, in the reservation's namespace, pin its address, and no Service of that name elsewhere", async () => {
        const traefik: Reservation = { address: "192.168.1.231", holder: { kind: "traefik", service: "traefik" }, namespace: "traefik" };
        assert.deepStrictEqual(await uniqueMessages([{ name: "traefik", namespace: "traefik", address: "192.168.1.231" }], [traefik]), []);
        const [message] = await uniqueMessages([{ name: "traefik", namespace: "apps", address: "192.168.1.231" }], [traefik]);
        assert.match(message, /^192\.168\.1\.231 \(the address of Traefik Service traefik\) is pinned by 1 Service and reserved for Traefik Service traefik \(not in this stack\): Service apps\/traefik\./);
    });

    it("does not let a Service named after the Application pin the Application's address: only the Application's own values do", async () => {
        const emby: Reservation = { address: "192.168.1.233", holder: { kind: "application", name: "emby" }, namespace: "media" };
        const [message] = await uniqueMessages([{ name: "emby", namespace: "media", address: "192.168.1.233" }], [emby]);
        assert.match(message, /reserved for namespace media, Application emby \(not in this stack\): Service media\/emby\. .*Fix: 192\.168\.1\.233 belongs to namespace media, Application emby;/);
    });
});

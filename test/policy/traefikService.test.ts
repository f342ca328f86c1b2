// Traefik's Services read as the pinned chart reads its values: from chart 40
// on, the Service fields live under service.spec, and a type or address beside
// it is ignored by the chart, so the pack ignores it too and says so.
import * as assert from "assert";
import { ingressFrontends } from "../../platform/traefik";
import { traefikValues } from "../../components/traefik/values";
import { address } from "../../config/addressPlan";
import { renderPolicyPackConfig } from "../../scripts/policyConfig";
import { runPolicies } from "../../scripts/policyRunner";
import { ignoredTraefikValues, readsSpecOnly, traefikServices } from "../../policy/traefikService";
import { STACKS } from "../harness";

const PIN = "kube-vip.io/loadbalancerIPs";
const shape = (values: Record<string, unknown>, version?: string) =>
    traefikServices(values, "traefik", version).map(s => [s.name, s.type, s.pinned.join(","), s.loadBalancerClass ?? ""]);
const traefikRelease = (values: Record<string, unknown>, version = "41.3.0") => ({
    type: "kubernetes:helm.sh/v3:Release", name: "traefik-extra", urn: "urn:pulumi:home::homelab-network::kubernetes:helm.sh/v3:Release::traefik-extra",
    props: { name: "traefik", namespace: "traefik", chart: "traefik", version, values },
});

describe("Traefik's Services as the chart reads its values", () => {
    it("moved the Service fields under service.spec in chart 40, and reads an unknown version as the newest charts do", () => {
        assert.deepStrictEqual(["39.0.9", "v39.1.0", "40.0.0", "41.3.0", undefined, "latest"].map(readsSpecOnly), [false, false, true, true, true, true]);
    });

    it("reads chart 41's main Service from spec only: a type beside spec is ignored, the chart's LoadBalancer stays", () => {
        assert.deepStrictEqual(shape({ service: { type: "NodePort", spec: { type: "LoadBalancer" } } }, "41.3.0"), [["traefik", "LoadBalancer", "", ""]]);
        assert.deepStrictEqual(shape({ service: { type: "ClusterIP", loadBalancerClass: "io.cilium/node", loadBalancerIP: "192.168.1.50" } }, "41.3.0"), [["traefik", "LoadBalancer", "", ""]]);
        assert.deepStrictEqual(shape({ service: { spec: { type: "ClusterIP" } } }, "41.3.0"), [["traefik", "ClusterIP", "", ""]]);
        assert.deepStrictEqual(shape({ service: { spec: { loadBalancerIP: "192.168.1.50", loadBalancerClass: "io.cilium/node" } } }, "41.3.0"), [["traefik", "LoadBalancer", "192.168.1.50", "io.cilium/node"]]);
    });

    it("reads chart 39's type and class beside spec, LoadBalancer unless set", () => {
        assert.deepStrictEqual(shape({ service: { type: "NodePort" } }, "39.0.9"), [["traefik", "NodePort", "", ""]]);
        assert.deepStrictEqual(shape({ service: { loadBalancerClass: "io.cilium/node" } }, "39.0.9"), [["traefik", "LoadBalancer", "", "io.cilium/node"]]);
        assert.deepStrictEqual(ignoredTraefikValues({ service: { type: "NodePort" } }, "39.0.9"), []);
    });

    it("renders an additional Service as ClusterIP unless its own spec says otherwise, named <release>-<key>", () => {
        const values = { service: { additionalServices: { a: { type: "LoadBalancer" }, b: { spec: { type: "LoadBalancer" }, annotations: { [PIN]: "192.168.1.239" } } } } };
        assert.deepStrictEqual(shape(values), [["traefik", "LoadBalancer", "", ""], ["traefik-a", "ClusterIP", "", ""], ["traefik-b", "LoadBalancer", "192.168.1.239", ""]]);
    });

    it("reads pins from annotations, annotationsTCP and annotationsUDP beside spec, and the main Service's nameOverride", () => {
        assert.deepStrictEqual(shape({ service: { nameOverride: "edge", annotationsTCP: { [PIN]: "192.168.1.50" } } }), [["edge", "LoadBalancer", "192.168.1.50", ""]]);
        assert.deepStrictEqual(shape({ service: { annotations: { [PIN]: "192.168.1.231" }, annotationsUDP: { [PIN]: "192.168.1.60" } } }), [["traefik", "LoadBalancer", "192.168.1.231,192.168.1.60", ""]]);
    });

    it("names each value chart 41 ignores and where it belongs; annotations inside spec are ignored in any version", () => {
        const values = { service: { type: "NodePort", spec: { type: "LoadBalancer", annotations: { [PIN]: "192.168.1.50" } }, additionalServices: { b: { loadBalancerIP: "192.168.1.50" } } } };
        assert.deepStrictEqual(ignoredTraefikValues(values, "41.3.0").map(i => [i.path, i.instead]), [
            ["service.type", "service.spec.type"], ["service.spec.annotations", "service.annotations"], ["service.additionalServices.b.loadBalancerIP", "service.additionalServices.b.spec.loadBalancerIP"],
        ]);
        assert.deepStrictEqual(ignoredTraefikValues(values, "39.0.9").map(i => i.path), ["service.spec.annotations"]);
    });

    it("finds nothing ignored in the values the program gives its own Traefik release", () => {
        const frontends = ingressFrontends(address(0xc0a801e7), address(0xc0a801ef));
        assert.deepStrictEqual(ignoredTraefikValues(traefikValues(frontends), "41.3.0"), []);
    });
});

describe("the pack reads Traefik's Service values as the chart does", () => {
    const config = () => JSON.parse(renderPolicyPackConfig(STACKS, "home"));

    it("refuses service.type beside service.spec, and an address outside the pool in service.spec.loadBalancerIP", async () => {
        const found = await runPolicies([traefikRelease({ service: { type: "NodePort", spec: { type: "LoadBalancer", loadBalancerIP: "192.168.1.50" } } })], config());
        const mandatory = found.filter(v => v.enforcementLevel === "mandatory").map(v => `${v.policy}: ${v.message}`);
        assert.ok(mandatory.some(m => /^traefik-service-values-read-by-the-chart: Helm release traefik\/traefik \(chart traefik\) sets values service\.type = "NodePort", which the Traefik chart at version 41\.3\.0 does not read there \(the chart renders Service traefik as type LoadBalancer, pinned to 192\.168\.1\.50\).*Fix: move it to service\.spec\.type, or delete it\.$/.test(m)), mandatory.join("\n"));
        assert.ok(mandatory.some(m => /^loadbalancer-address-in-pool: Service traefik\/traefik \(from Helm release traefik\) pins 192\.168\.1\.50, outside the LoadBalancer pool/.test(m)), mandatory.join("\n"));
    });

    it("catches an address outside the pool in annotationsTCP, and ignores one beside spec that the chart ignores", async () => {
        const found = await runPolicies([traefikRelease({ service: { loadBalancerIP: "192.168.1.60", annotationsTCP: { [PIN]: "192.168.1.50" } } })], config());
        const inPool = found.filter(v => v.policy === "loadbalancer-address-in-pool").map(v => v.message);
        assert.deepStrictEqual(inPool.map(m => m.split(",")[0]), ["Service traefik/traefik (from Helm release traefik) pins 192.168.1.50"]);
    });
});

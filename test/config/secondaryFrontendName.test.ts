// The second Traefik frontend's names (Service traefik-vip<x>, entrypoints
// web<x>, websecure<x>): by default x is ingressSecondaryVip's last octet, so
// moving the VIP renames them and breaks every Ingress annotation naming
// them; ingressSecondaryName keeps x fixed.
import * as assert from "assert";
import { RawAddressConfig, buildAddressPlan } from "../../config/addressPlan";
import { HOME_ADDRESSES } from "./homeAddresses";

const HOME = HOME_ADDRESSES;

function secondary(changes: Partial<RawAddressConfig>) {
    const result = buildAddressPlan({ ...HOME, ...changes });
    assert.ok(result.ok, JSON.stringify(changes));
    const s = result.plan.ingress.secondary;
    return [s.serviceName, s.chartKey, s.vip.text, ...s.entrypoints.map(e => e.name)];
}

describe("the second frontend's names", () => {
    it("end with the VIP's last octet by default, so home keeps traefik-vip239, web239 and websecure239", () => {
        assert.deepStrictEqual(secondary({}), ["traefik-vip239", "vip239", "192.168.1.239", "web239", "websecure239"]);
        assert.deepStrictEqual(secondary({ ingressSecondaryName: "" }), ["traefik-vip239", "vip239", "192.168.1.239", "web239", "websecure239"]);
    });

    it("change with the octet when the VIP moves, unless ingressSecondaryName keeps them", () => {
        assert.deepStrictEqual(secondary({ ingressSecondaryVip: "192.168.1.237" }), ["traefik-vip237", "vip237", "192.168.1.237", "web237", "websecure237"]);
        assert.deepStrictEqual(secondary({ ingressSecondaryVip: "192.168.1.237", ingressSecondaryName: "239" }), ["traefik-vip239", "vip239", "192.168.1.237", "web239", "websecure239"]);
        assert.deepStrictEqual(secondary({ ingressSecondaryName: "lan" }), ["traefik-viplan", "viplan", "192.168.1.239", "weblan", "websecurelan"]);
    });

    for (const [value, problem] of [
        ["Web239", /not 1 to 6 lower-case letters or digits \(websecure<name> names a container port, at most 15 characters\)/],
        ["1234567", /not 1 to 6 lower-case letters or digits/],
        ["vip-2", /not 1 to 6 lower-case letters or digits/],
        ["secure", /makes the second frontend's web entrypoint websecure, the first frontend's/],
    ] as const) {
        it(`refuses ingressSecondaryName ${value}`, () => {
            const result = buildAddressPlan({ ...HOME, ingressSecondaryName: value });
            assert.ok(!result.ok);
            assert.deepStrictEqual(result.issues.map(i => i.key), ["ingressSecondaryName"]);
            assert.match(result.issues[0].problem, problem);
        });
    }
});

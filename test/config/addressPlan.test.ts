import * as assert from "assert";
import * as fc from "fast-check";
import { RawAddressConfig, buildAddressPlan, describeAddresses } from "../../config/addressPlan";
import { HOME_ADDRESSES } from "./homeAddresses";
import { formatConfigIssues } from "../../config/issues";
import { formatIpv4, parseCidr, parseIpv4, parseRange } from "../../policy/addressing";

const HOME = HOME_ADDRESSES;

function issuesOf(changes: Partial<RawAddressConfig>) {
    const result = buildAddressPlan({ ...HOME, ...changes });
    assert.ok(!result.ok, `expected ${JSON.stringify(changes)} to be refused`);
    return result.issues;
}

describe("address plan", () => {
    it("accepts a home network (192.168.1.0/24, two NICs, no router recorded) and says what it could not prove", () => {
        const result = buildAddressPlan(HOME);
        assert.ok(result.ok);
        assert.deepStrictEqual(describeAddresses(result.plan), {
            lan: "192.168.1.0/24",
            gateway: undefined,
            dhcpScope: undefined,
            controlPlaneVip: "192.168.1.230",
            loadBalancerPool: "192.168.1.231-192.168.1.239",
            ingressVip: "192.168.1.231",
            ingressSecondaryVip: "192.168.1.239",
            podCidr: "10.42.0.0/16",
            serviceCidr: "10.43.0.0/16",
        });
        assert.strictEqual(result.plan.unproven.length, 2);
        assert.match(result.plan.unproven[0], /lanGateway is not set/);
        assert.match(result.plan.unproven[1], /dhcpScope is not set/);
    });

    it("proves nothing is left unproven once gateway and DHCP scope are declared", () => {
        const result = buildAddressPlan({ ...HOME, lanGateway: "192.168.1.1", dhcpScope: "192.168.1.100-192.168.1.199" });
        assert.ok(result.ok);
        assert.deepStrictEqual(result.plan.unproven, []);
    });

    // One broken config per rule: the key the error must name, and words the message must hold.
    const broken: Array<[string, Partial<RawAddressConfig>, string, RegExp]> = [
        ["an address with an octet above 255", { controlPlaneVip: "192.168.1.300" }, "controlPlaneVip", /part 300 is above 255/],
        ["an address with three parts", { ingressVip: "192.168.1" }, "ingressVip", /3 dot-separated part/],
        ["an address with a leading zero", { ingressVip: "192.168.1.0231" }, "ingressVip", /leading zero/],
        ["a gateway that is not an address", { lanGateway: "router.lan" }, "lanGateway", /not an IPv4 address/],
        ["a range that ends before it starts", { loadBalancerPool: "192.168.1.239-192.168.1.231" }, "loadBalancerPool", /ends before it starts.*192\.168\.1\.231-192\.168\.1\.239/],
        ["a range with a bad end", { loadBalancerPool: "192.168.1.231-192.168.1.256" }, "loadBalancerPool", /ends with an address/],
        ["a LAN with host bits", { lan: "192.168.1.1/24" }, "lan", /host bits.*write 192\.168\.1\.0\/24/],
        ["a pod CIDR with host bits", { podCidr: "10.42.1.0/16" }, "podCidr", /write 10\.42\.0\.0\/16/],
        ["a CIDR without a prefix", { serviceCidr: "10.43.0.0" }, "serviceCidr", /no \/prefix/],
        ["a CIDR prefix above 32", { lan: "192.168.1.0/33" }, "lan", /prefix \/33/],
        ["the API VIP outside the LAN", { controlPlaneVip: "192.168.2.230" }, "controlPlaneVip", /outside the LAN 192\.168\.1\.0\/24/],
        ["the pool outside the LAN", { loadBalancerPool: "192.168.2.231-192.168.2.239", ingressVip: "192.168.2.231", ingressSecondaryVip: "192.168.2.239" }, "loadBalancerPool", /outside the LAN/],
        ["the pool on the broadcast address", { loadBalancerPool: "192.168.1.231-192.168.1.255" }, "loadBalancerPool", /broadcast address/],
        ["the API VIP on the network address", { controlPlaneVip: "192.168.1.0" }, "controlPlaneVip", /network address of 192\.168\.1\.0\/24/],
        ["the API VIP on the gateway", { lanGateway: "192.168.1.230" }, "controlPlaneVip", /^is the gateway's address/],
        ["the pool holding the gateway", { lanGateway: "192.168.1.235" }, "loadBalancerPool", /includes 192\.168\.1\.235, the gateway's address/],
        ["a gateway outside the LAN", { lanGateway: "10.0.0.1" }, "lanGateway", /outside the LAN/],
        ["a DHCP scope outside the LAN", { dhcpScope: "10.0.0.10-10.0.0.20" }, "dhcpScope", /outside the LAN/],
        ["the API VIP inside the LoadBalancer pool", { controlPlaneVip: "192.168.1.235" }, "controlPlaneVip", /inside the LoadBalancer pool/],
        ["an ingress VIP outside the pool", { ingressVip: "192.168.1.229" }, "ingressVip", /outside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239/],
        ["two equal ingress VIPs", { ingressSecondaryVip: "192.168.1.231" }, "ingressSecondaryVip", /same address as ingressVip/],
        ["the pool overlapping the DHCP scope", { dhcpScope: "192.168.1.100-192.168.1.235" }, "loadBalancerPool", /DHCP scope 192\.168\.1\.100-192\.168\.1\.235/],
        ["the API VIP inside the DHCP scope", { dhcpScope: "192.168.1.200-192.168.1.230" }, "controlPlaneVip", /DHCP scope/],
        ["pod CIDR overlapping the service CIDR", { podCidr: "10.42.0.0/15" }, "podCidr", /overlaps serviceCidr 10\.43\.0\.0\/16/],
        ["pod CIDR overlapping the LAN", { podCidr: "192.168.0.0/16" }, "podCidr", /overlaps lan 192\.168\.1\.0\/24/],
        ["a pod CIDR with room for one node's /24 only", { podCidr: "10.42.0.0/24" }, "podCidr", /only one of the \/24 blocks Cilium gives each node/],
        ["a pod CIDR smaller than one node's /24", { podCidr: "10.42.0.0/26" }, "podCidr", /not even one of the \/24 blocks/],
        ["service CIDR overlapping the LAN", { serviceCidr: "192.168.1.0/24" }, "serviceCidr", /overlaps lan/],
        ["the VIP interface missing from Cilium's devices", { ciliumDevices: ["vmbr0"] }, "vipInterface", /not among ciliumDevices/],
        ["an empty device list", { ciliumDevices: [] }, "ciliumDevices", /is empty/],
        ["a device name with a space", { ciliumDevices: ["eno1", "vmbr 0"] }, "ciliumDevices", /not a Linux interface name/],
        ["a device listed twice", { ciliumDevices: ["eno1", "eno1"] }, "ciliumDevices", /more than once/],
        ["an empty VIP interface", { vipInterface: "" }, "vipInterface", /not a Linux interface name/],
    ];
    for (const [what, changes, key, message] of broken) {
        it(`refuses ${what}, naming ${key}`, () => {
            const issues = issuesOf(changes);
            const issue = issues.find(i => i.key === key && message.test(i.problem));
            assert.ok(issue, `no issue on ${key} matching ${message}; got:\n${formatConfigIssues(issues, "homelab-network")}`);
            assert.ok(issue.fix.length > 0, "every issue says how to fix it");
        });
    }

    it("reports every problem at once, not the first one only", () => {
        const issues = issuesOf({ controlPlaneVip: "192.168.1.300", podCidr: "192.168.0.0/16", ciliumDevices: [] });
        assert.deepStrictEqual([...new Set(issues.map(i => i.key))].sort(), ["ciliumDevices", "controlPlaneVip", "podCidr"]);
    });

    it("renders issues like a compiler: key, value, problem and fix", () => {
        const text = formatConfigIssues(issuesOf({ controlPlaneVip: "192.168.1.300" }), "homelab-network", "home");
        assert.strictEqual(text.split("\n").slice(0, 5).join("\n"), [
            'The network configuration of stack "home" has 1 problem; nothing was deployed.',
            "",
            '  homelab-network:controlPlaneVip = "192.168.1.300"',
            "    192.168.1.300 is not an IPv4 address: the part 300 is above 255",
            "    fix: set controlPlaneVip to a value like 192.168.1.230",
        ].join("\n"));
    });
});

describe("address parsing", () => {
    it("refuses the forms netmask would silently reinterpret", () => {
        for (const text of ["10/8", "010.1.1.1", "0x10.0.0.1", "1.2.3.4.5", " ", "1.2.3.-4"]) {
            assert.strictEqual(parseIpv4(text).ok, false, text);
        }
        assert.strictEqual(parseCidr("10/8").ok, false);
    });

    it("parses a single address as a one-address range", () => {
        const parsed = parseRange("192.168.1.231");
        assert.ok(parsed.ok);
        assert.strictEqual(parsed.value.start, parsed.value.end);
    });

    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.tuple(octet, octet, octet, octet).map(parts => parts.join("."));

    it("round-trips every dotted-quad address", () => {
        fc.assert(fc.property(address, text => {
            const parsed = parseIpv4(text);
            return parsed.ok && formatIpv4(parsed.value) === text && parseRange(text).ok;
        }));
    });

    it("answers any text with a value or a reason, never an exception", () => {
        fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
            for (const text of [a, `${a}/${b}`, `${a}-${b}`]) {
                for (const parse of [parseIpv4, parseCidr, parseRange]) {
                    const parsed = parse(text) as { ok: boolean; reason?: string };
                    if (!parsed.ok && !(typeof parsed.reason === "string" && parsed.reason.length > 0)) {
                        return false;
                    }
                }
            }
            return true;
        }));
    });
});

describe("address plan on random configs", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.oneof(
        fc.tuple(octet, octet, octet, octet).map(p => p.join(".")),
        fc.tuple(fc.constantFrom(230, 231, 235, 239, 255, 0, 300), fc.constant("192.168.1")).map(([last, net]) => `${net}.${last}`),
        fc.string({ maxLength: 12 }),
    );
    const cidr = fc.oneof(fc.tuple(address, fc.integer({ min: 0, max: 34 })).map(([a, p]) => `${a}/${p}`), fc.string({ maxLength: 12 }));
    const range = fc.oneof(fc.tuple(address, address).map(([a, b]) => `${a}-${b}`), address);
    const device = fc.constantFrom("eno1", "vmbr0", "enp1s0", "", "bad name");
    const config: fc.Arbitrary<RawAddressConfig> = fc.record({
        lan: fc.oneof(fc.constant("192.168.1.0/24"), cidr),
        lanGateway: fc.oneof(fc.constant(""), address),
        dhcpScope: fc.oneof(fc.constant(""), range),
        controlPlaneVip: address,
        vipInterface: device,
        loadBalancerPool: fc.oneof(fc.constant("192.168.1.231-192.168.1.239"), range),
        ingressVip: address,
        ingressSecondaryVip: address,
        podCidr: fc.oneof(fc.constant("10.42.0.0/16"), cidr),
        serviceCidr: fc.oneof(fc.constant("10.43.0.0/16"), cidr),
        ciliumDevices: fc.array(device, { maxLength: 3 }),
    });

    // Valid variations of the home network: any pool of 2 to 14 addresses high
    // in the LAN, the API VIP below it, two distinct ingress VIPs inside it.
    const validConfig: fc.Arbitrary<RawAddressConfig> = fc.record({
        start: fc.integer({ min: 100, max: 240 }),
        size: fc.integer({ min: 2, max: 14 }),
        api: fc.integer({ min: 2, max: 99 }),
        first: fc.nat(),
        offset: fc.nat(),
    }).map(({ start, size, api, first, offset }) => {
        const primary = first % size;
        const secondary = (primary + 1 + (offset % (size - 1))) % size;
        const at = (n: number) => `192.168.1.${n}`;
        return {
            ...HOME,
            lanGateway: at(1),
            controlPlaneVip: at(api),
            loadBalancerPool: `${at(start)}-${at(start + size - 1)}`,
            ingressVip: at(start + primary),
            ingressSecondaryVip: at(start + secondary),
        };
    });

    it("accepts every valid variation of the home network, with the addresses it was given", () => {
        fc.assert(fc.property(validConfig, raw => {
            const result = buildAddressPlan(raw);
            assert.ok(result.ok, JSON.stringify(raw));
            const described = describeAddresses(result.plan);
            assert.deepStrictEqual(
                [described.controlPlaneVip, described.loadBalancerPool, described.ingressVip, described.ingressSecondaryVip, described.gateway],
                [raw.controlPlaneVip, raw.loadBalancerPool, raw.ingressVip, raw.ingressSecondaryVip, raw.lanGateway],
            );
        }), { numRuns: 300 });
    });

    it("either passes with a consistent plan or fails with issues that name a key and a fix", () => {
        fc.assert(fc.property(config, raw => {
            const result = buildAddressPlan(raw);
            if (result.ok) {
                const plan = result.plan;
                const inPool = (a: number) => a >= plan.loadBalancerPool.start && a <= plan.loadBalancerPool.end;
                return inPool(plan.ingress.primary.vip.value) && inPool(plan.ingress.secondary.vip.value) && !inPool(plan.controlPlaneVip.value)
                    && plan.ciliumDevices.includes(plan.vipInterface);
            }
            return result.issues.length > 0 && result.issues.every(i => i.key in raw && i.problem.length > 0 && i.fix.length > 0);
        }), { numRuns: 500 });
    });
});

// The catalogue of broken stacks: every mistake a user can make in a stack
// file or a config value, run through the offline plan as `npm run plan` runs
// it. Each must stop the plan with exit 2, before the program declares
// anything, naming the key and saying what is wrong. Stack-file mistakes are
// written as files; value mistakes as overrides of the home stack.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REQUIRED_KEYS } from "../../config/stack";
import { StackFileError, loadStackConfig, readProjectFile, secretValue } from "../../scripts/stackFiles";
import { REPO_ROOT, STACKS, plan } from "../harness";

const HOME = fs.readFileSync(path.join(STACKS, "Pulumi.home.yaml"), "utf8");
const NS = "homelab-network";
/** A well-formed bcrypt hash (cost 10), of no password anyone uses. */
const HASH = "$2a$10$abcdefghijklmnopqrstuuJ3hVj1q7bQ2m1nC4V0vZ5nQY0r1b2C.";

/** The home stack file with one line replaced (the line must exist). */
function homeWith(line: string | RegExp, replacement: string): string {
    const changed = HOME.replace(line, replacement);
    assert.notStrictEqual(changed, HOME, `no line ${line} in Pulumi.home.yaml`);
    return changed;
}

// -- Stack files the Pulumi CLI would refuse or misread ------------------------

interface FileCase {
    readonly what: string;
    readonly file: string;
    /** The key the message names (undefined: the mistake is not one key's). */
    readonly key: string | undefined;
    readonly message: RegExp;
}

const SET_PORT = (value: string) => `${HOME}  ${NS}:apiServerPort: ${value}\n`;
const SET_CHECKS = (value: string) => `${HOME}  ${NS}:postDeployChecks: ${value}\n`;
const DEVICES = "  homelab-network:ciliumDevices:\n    - eno1\n    - vmbr0\n";

const fileCases: FileCase[] = [
    {
        what: "keys without the config: wrapper",
        file: HOME.replace(/^config:\n/m, "").replace(/^ {2}/gm, ""),
        key: "lan",
        message: /sets homelab-network:lan, homelab-network:controlPlaneVip, homelab-network:vipInterface and \d+ more at the top level, outside config:, where the Pulumi CLI and the program do not look for them/,
    },
    {
        what: "keys under another project's name",
        file: HOME.replace(/homelab-network:/g, "homelab:"),
        key: "lan",
        message: /sets homelab:lan, .* under the namespace homelab, but this project is named homelab-network \(the name: in Pulumi\.yaml\)[^\n]*write homelab-network:lan/,
    },
    {
        what: "a misspelt config: wrapper",
        file: HOME.replace(/^config:$/m, "configs:"),
        key: "configs",
        message: /has a top-level key configs, which the Pulumi CLI does not read; did you mean config:\?/,
    },
    {
        what: "a key in other letters' case",
        file: homeWith(`${NS}:controlPlaneVip:`, `${NS}:controlPlaneVIP:`),
        key: "controlPlaneVIP",
        message: /sets homelab-network:controlPlaneVIP, which Pulumi\.yaml does not declare; did you mean homelab-network:controlPlaneVip\?/,
    },
    {
        what: "a key one letter off",
        file: homeWith(`${NS}:ingressVip:`, `${NS}:ingresVip:`),
        key: "ingresVip",
        message: /did you mean homelab-network:ingressVip\?/,
    },
    {
        what: "a key the project does not have",
        file: `${HOME}  ${NS}:metallbPool: 192.168.1.240-192.168.1.250\n`,
        key: "metallbPool",
        message: /sets homelab-network:metallbPool, which Pulumi\.yaml does not declare; the keys are: lan, /,
    },
    {
        what: "a required key left out",
        file: homeWith(/^ {2}homelab-network:ingressSecondaryVip:.*\n/m, ""),
        key: "ingressSecondaryVip",
        message: /does not set ingressSecondaryVip, which Pulumi\.yaml declares without a default; the Pulumi CLI stops with "Stack 'broken' is missing configuration value 'ingressSecondaryVip'"/,
    },
    {
        what: "two required keys left out, listed as the CLI lists them",
        file: homeWith(/^ {2}homelab-network:lan:.*\n/m, "").replace(/^ {2}homelab-network:ciliumVersion:.*\n/m, ""),
        key: "lan",
        message: /does not set lan, ciliumVersion, [^\n]*"Stack 'broken' is missing configuration values 'ciliumVersion' and 'lan'"/,
    },
    {
        what: "an integer key set to text that is not a number",
        file: SET_PORT('"6443x"'),
        key: "apiServerPort",
        message: /sets apiServerPort to "6443x", which is not an integer: the Pulumi CLI stops with "Stack 'broken' with configuration key 'apiServerPort' must be of type 'integer'"; write digits only, e\.g\. apiServerPort: 6443/,
    },
    { what: "an integer key set to a fraction", file: SET_PORT("6443.5"), key: "apiServerPort", message: /sets apiServerPort to 6443\.5, which is not an integer/ },
    { what: "an integer key set to a list", file: SET_PORT("[6443]"), key: "apiServerPort", message: /sets apiServerPort to \[6443\], which is not an integer/ },
    {
        what: "an integer key spelt in words",
        file: homeWith("  homelab-network:ciliumVersion:", "  homelab-network:ciliumOperatorReplicas: two\n  homelab-network:ciliumVersion:"),
        key: "ciliumOperatorReplicas",
        message: /sets ciliumOperatorReplicas to "two", which is not an integer/,
    },
    {
        what: "a boolean written as no",
        file: SET_CHECKS("no"),
        key: "postDeployChecks",
        message: /sets postDeployChecks to "no", which is not a boolean: the Pulumi CLI stops with "Stack 'broken' with configuration key 'postDeployChecks' must be of type 'boolean'"; write postDeployChecks: true or postDeployChecks: false \(yes, no, on and off are text to the CLI\)/,
    },
    { what: "a boolean written as off", file: SET_CHECKS("off"), key: "postDeployChecks", message: /sets postDeployChecks to "off", which is not a boolean/ },
    { what: "a boolean quoted in capitals", file: SET_CHECKS('"False"'), key: "postDeployChecks", message: /sets postDeployChecks to "False", which is not a boolean/ },
    {
        what: "a list written as one comma-separated string",
        file: homeWith(DEVICES, "  homelab-network:ciliumDevices: eno1,vmbr0\n"),
        key: "ciliumDevices",
        message: /sets ciliumDevices to "eno1,vmbr0", which is not an array<string>: the Pulumi CLI stops with "Stack 'broken' with configuration key 'ciliumDevices' must be of type 'array<string>'"; write it as a YAML list, e\.g\. ciliumDevices: \[eno1, vmbr0\]/,
    },
    {
        what: "a list with a number in it",
        file: homeWith(DEVICES, "  homelab-network:ciliumDevices:\n    - eno1\n    - 0\n"),
        key: "ciliumDevices",
        message: /sets ciliumDevices to \["eno1",0\], which is not an array<string>/,
    },
    {
        what: "a text key written as a list",
        file: homeWith("  homelab-network:lan: 192.168.1.0/24", "  homelab-network:lan: [192.168.1.0/24]"),
        key: "lan",
        message: /sets lan to \["192\.168\.1\.0\/24"\], which is not a string: the Pulumi CLI stops with "Stack 'broken' with configuration key 'lan' must be of type 'string'"/,
    },
    {
        what: "a key with nothing after the colon",
        file: homeWith("  homelab-network:lan: 192.168.1.0/24", "  homelab-network:lan:"),
        key: "lan",
        message: /sets lan to nothing \(an empty YAML value\), which is not a string/,
    },
    // YAML mistakes: the message names the line the mistake is on.
    {
        what: "a key indented one space too far, which the parser blames on the line above",
        file: homeWith("  homelab-network:podCidr", "   homelab-network:podCidr"),
        key: undefined,
        message: /is not valid YAML at line 12: it is indented 3 spaces where the key on line 11 above it has 2, so YAML reads it as part of that key's value;[^\n]*\n.*\n +12 \| {4}homelab-network:podCidr: 10\.42\.0\.0\/16 {3}<- here/,
    },
    {
        what: "a key indented one space short",
        file: homeWith("  homelab-network:vipInterface", " homelab-network:vipInterface"),
        key: undefined,
        message: /is not valid YAML at line 8: this key is indented 1 space where the key on line 7 has 2/,
    },
    {
        what: "a [ left open, which the parser notices on the next line",
        file: homeWith("  homelab-network:lan: ", "  homelab-network:lan: ["),
        key: undefined,
        message: /is not valid YAML at line 6: it opens a \[ that is never closed; close it with \] on the same line\n.*\n +6 \| {3}homelab-network:lan: \[192\.168\.1\.0\/24 {3}<- here/,
    },
    {
        what: "a quote left open",
        file: homeWith("  homelab-network:ingressVip: ", '  homelab-network:ingressVip: "'),
        key: undefined,
        message: /is not valid YAML at line 10: it opens a quote that is never closed/,
    },
    {
        what: "a tab as indentation",
        file: homeWith("  homelab-network:loadBalancerPool", "\thomelab-network:loadBalancerPool"),
        key: undefined,
        message: /is not valid YAML at line 9: it is indented with a tab; YAML indents with spaces only/,
    },
    {
        what: "a list item out of line with the one above",
        file: homeWith("    - vmbr0", "   - vmbr0"),
        key: undefined,
        message: /is not valid YAML at line 16: this list item is indented 3 spaces where the item on line 15 has 4/,
    },
    {
        what: "a key without its colon",
        file: homeWith(`${NS}:controlPlaneVip:`, `${NS}:controlPlaneVip`),
        key: undefined,
        message: /is not valid YAML at line 7: the key homelab-network:controlPlaneVip has no colon after it; write homelab-network:controlPlaneVip: 192\.168\.1\.230/,
    },
    {
        what: "a key set twice",
        file: homeWith("  homelab-network:podCidr: 10.42.0.0/16", "  homelab-network:podCidr: 10.42.0.0/16\n  homelab-network:podCidr: 10.44.0.0/16"),
        key: undefined,
        message: /is not valid YAML at line 13: it sets homelab-network:podCidr again, which line 12 already sets; keep one/,
    },
];

describe("broken stack files", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "broken-stacks-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    for (const c of fileCases) {
        it(`stops the plan on ${c.what}${c.key === undefined ? "" : `, naming ${c.key}`}`, async () => {
            fs.writeFileSync(path.join(root, "Pulumi.broken.yaml"), c.file);
            const result = await plan("broken", {}, undefined, root);
            assert.strictEqual(result.exitCode, 2, result.report);
            assert.match(result.report, /^Pulumi\.broken\.yaml /);
            assert.match(result.report, c.message);
            if (c.key !== undefined) {
                assert.throws(() => loadStackConfig(root, "broken"), (e: Error) =>
                    e instanceof StackFileError && e.problems.some(p => p.key === c.key && c.message.test(p.message)));
            }
        });
    }

    it("reports every problem of a stack file at once", async () => {
        fs.writeFileSync(path.join(root, "Pulumi.broken.yaml"), `${SET_PORT('"6443x"')}  ${NS}:postDeployChecks: no\n  ${NS}:ingresVip: 192.168.1.231\n`);
        assert.throws(() => loadStackConfig(root, "broken"), (e: Error) => {
            assert.ok(e instanceof StackFileError);
            assert.deepStrictEqual(e.problems.map(p => p.key).sort(), ["apiServerPort", "ingresVip", "postDeployChecks"]);
            assert.match(e.message, /^Pulumi\.broken\.yaml has 3 problems:\n {2}- /);
            return true;
        });
    });

    it("stops on a stack that has no file, naming the stacks there are", async () => {
        const result = await plan("no-such-stack");
        assert.strictEqual(result.exitCode, 2);
        assert.match(result.report, /There is no Pulumi\.no-such-stack\.yaml; the stacks here are: home, lab/);
    });

    // What the Pulumi CLI accepts, the offline path accepts too
    // (pulumi/pulumi sdk/go/common/workspace/project.go, ValidateConfigValue).
    it("accepts what the CLI accepts: a quoted integer, a quoted true, True, a whole number written 6443.0", () => {
        for (const [line, key, value] of [
            [`  ${NS}:apiServerPort: "6443"`, "apiServerPort", "6443"],
            [`  ${NS}:apiServerPort: 6443.0`, "apiServerPort", 6443],
            [`  ${NS}:postDeployChecks: "true"`, "postDeployChecks", "true"],
            [`  ${NS}:postDeployChecks: True`, "postDeployChecks", true],
        ] as const) {
            fs.writeFileSync(path.join(root, "Pulumi.fine.yaml"), `${HOME}${line}\n`);
            assert.strictEqual(loadStackConfig(root, "fine").values[key], value, line);
        }
    });

    it("stops the plan on a bcrypt hash written in clear in the stack file, without printing it", async () => {
        fs.writeFileSync(path.join(root, "Pulumi.clear.yaml"), `${HOME}  ${NS}:argoCdAdminPasswordBcrypt: "${HASH}"\n`);
        const result = await plan("clear", {}, undefined, root);
        assert.strictEqual(result.exitCode, 2);
        assert.match(result.report, /homelab-network:argoCdAdminPasswordBcrypt = \(hidden\)\n {4}the value is written in clear in the stack's config/);
        assert.ok(!result.report.includes(HASH.slice(7)));
    });

    it("plans a stack whose admin password hash is a secret, which offline runs cannot decrypt", async () => {
        // Alone in the folder: the other cases' files are copies of home on its LAN, which the plan reports as claiming its addresses twice.
        for (const file of fs.readdirSync(root).filter(f => /^Pulumi\..+\.yaml$/.test(f))) {
            fs.rmSync(path.join(root, file));
        }
        fs.writeFileSync(path.join(root, "Pulumi.secret.yaml"), `${HOME}  ${NS}:argoCdAdminPasswordBcrypt:\n    secure: v1:abcdefghijklmnop:qrstuvwxyz0123456789==\n`);
        const result = await plan("secret", {}, undefined, root);
        assert.strictEqual(result.exitCode, 0, result.report);
    });
});

// -- Values that pass the CLI's type check but cannot work ---------------------

interface ValueCase {
    readonly what: string;
    readonly overrides: Record<string, unknown>;
    readonly key: string;
    /** The value as the report quotes it; undefined for "(not set)", null for a hidden value. */
    readonly shown: string | undefined | null;
    readonly message: RegExp;
}

const address = (what: string, key: string, value: string, message: RegExp, extra: Record<string, unknown> = {}): ValueCase =>
    ({ what, overrides: { [key]: value, ...extra }, key, shown: value, message });

const valueCases: ValueCase[] = [
    // config/addressPlan.ts: every address, range and interface
    address("an address with an octet above 255", "controlPlaneVip", "192.168.1.300", /is not an IPv4 address: the part 300 is above 255/),
    address("an address with three parts", "ingressVip", "192.168.1", /3 dot-separated part/),
    address("an address with a leading zero", "ingressVip", "192.168.1.0231", /leading zero/),
    address("a gateway that is no address", "lanGateway", "router.lan", /is not an IPv4 address/),
    address("a range that ends before it starts", "loadBalancerPool", "192.168.1.239-192.168.1.231", /ends before it starts/),
    address("a range with a bad end", "loadBalancerPool", "192.168.1.231-192.168.1.256", /ends with an address/),
    address("a LAN with host bits", "lan", "192.168.1.1/24", /host bits/),
    address("a CIDR without a prefix", "serviceCidr", "10.43.0.0", /no \/prefix/),
    address("a CIDR prefix above 32", "lan", "192.168.1.0/33", /prefix \/33/),
    address("the API VIP outside the LAN", "controlPlaneVip", "192.168.2.230", /outside the LAN 192\.168\.1\.0\/24/),
    address("the pool outside the LAN", "loadBalancerPool", "192.168.2.231-192.168.2.239", /outside the LAN/, { ingressVip: "192.168.2.231", ingressSecondaryVip: "192.168.2.239" }),
    address("the pool on the broadcast address", "loadBalancerPool", "192.168.1.231-192.168.1.255", /broadcast address/),
    address("the API VIP on the network address", "controlPlaneVip", "192.168.1.0", /network address of 192\.168\.1\.0\/24/),
    { what: "the API VIP on the gateway", overrides: { lanGateway: "192.168.1.230" }, key: "controlPlaneVip", shown: "192.168.1.230", message: /^ {4}192\.168\.1\.230 is the gateway's address; announcing it would hijack the router$/m },
    address("a gateway outside the LAN", "lanGateway", "10.0.0.1", /outside the LAN/),
    address("a DHCP scope outside the LAN", "dhcpScope", "10.0.0.10-10.0.0.20", /outside the LAN/),
    address("the API VIP inside the pool", "controlPlaneVip", "192.168.1.235", /inside the LoadBalancer pool/),
    address("an ingress VIP outside the pool", "ingressVip", "192.168.1.229", /outside the LoadBalancer pool 192\.168\.1\.231-192\.168\.1\.239/),
    address("two equal ingress VIPs", "ingressSecondaryVip", "192.168.1.231", /same address as ingressVip/),
    address("a pod CIDR overlapping the service CIDR", "podCidr", "10.42.0.0/15", /overlaps serviceCidr 10\.43\.0\.0\/16/),
    address("a pod CIDR overlapping the LAN", "podCidr", "192.168.0.0/16", /overlaps lan 192\.168\.1\.0\/24/),
    address("a pod CIDR with room for one node", "podCidr", "10.42.0.0/24", /only one of the \/24 blocks/),
    address("a service CIDR overlapping the LAN", "serviceCidr", "192.168.1.0/24", /overlaps lan/),
    address("an empty VIP interface", "vipInterface", "", /not a Linux interface name/),
    { what: "the pool overlapping the DHCP scope", overrides: { dhcpScope: "192.168.1.100-192.168.1.235" }, key: "loadBalancerPool", shown: "192.168.1.231-192.168.1.239", message: /DHCP scope 192\.168\.1\.100-192\.168\.1\.235/ },
    { what: "the pool holding the gateway", overrides: { lanGateway: "192.168.1.235" }, key: "loadBalancerPool", shown: "192.168.1.231-192.168.1.239", message: /192\.168\.1\.231-192\.168\.1\.239 includes 192\.168\.1\.235, the gateway's address/ },
    { what: "the VIP interface missing from Cilium's devices", overrides: { ciliumDevices: ["vmbr0"] }, key: "vipInterface", shown: "eno1", message: /not among ciliumDevices \["vmbr0"\]/ },
    { what: "an empty device list", overrides: { ciliumDevices: [] }, key: "ciliumDevices", shown: "[]", message: /is empty/ },
    { what: "a device name with a space", overrides: { ciliumDevices: ["eno1", "vmbr 0"] }, key: "ciliumDevices", shown: '["eno1","vmbr 0"]', message: /not a Linux interface name/ },
    { what: "a device listed twice", overrides: { ciliumDevices: ["eno1", "eno1"] }, key: "ciliumDevices", shown: '["eno1","eno1"]', message: /more than once/ },
    { what: "devices as one comma-separated string", overrides: { ciliumDevices: "eno1,vmbr0" }, key: "ciliumDevices", shown: "eno1,vmbr0", message: /is one piece of text, not a list of interface names\n {4}fix: write ciliumDevices as a YAML list: \[eno1, vmbr0\]/ },
    { what: "devices as a map", overrides: { ciliumDevices: { eno1: true } }, key: "ciliumDevices", shown: '{"eno1":true}', message: /is not a list of interface names/ },
    // config/stack.ts: numbers, booleans, versions, the admin password
    { what: "an API port above 65535", overrides: { apiServerPort: 70000 }, key: "apiServerPort", shown: "70000", message: /is not a TCP port/ },
    { what: "an API port in hexadecimal", overrides: { apiServerPort: "0x192B" }, key: "apiServerPort", shown: "0x192B", message: /is not a whole number\n {4}fix: write apiServerPort as digits only, e\.g\. apiServerPort: 6443/ },
    { what: "no Cilium operator", overrides: { ciliumOperatorReplicas: 0 }, key: "ciliumOperatorReplicas", shown: "0", message: /is not a whole number of at least 1/ },
    { what: "half an operator", overrides: { ciliumOperatorReplicas: "1.5" }, key: "ciliumOperatorReplicas", shown: "1.5", message: /is not a whole number/ },
    { what: "post-deploy checks set to no", overrides: { postDeployChecks: "no" }, key: "postDeployChecks", shown: "no", message: /is neither true nor false \(yes, no, on, off and quoted words are not booleans here\)\n {4}fix: write postDeployChecks: true or postDeployChecks: false/ },
    { what: "post-deploy checks set to yes", overrides: { postDeployChecks: "yes" }, key: "postDeployChecks", shown: "yes", message: /is neither true nor false/ },
    { what: "post-deploy checks set to 0", overrides: { postDeployChecks: 0 }, key: "postDeployChecks", shown: "0", message: /is neither true nor false/ },
    { what: "a floating chart version", overrides: { ciliumVersion: "latest" }, key: "ciliumVersion", shown: "latest", message: /is not a pinned release version/ },
    { what: "a chart version range", overrides: { argoCdChartVersion: "10.x" }, key: "argoCdChartVersion", shown: "10.x", message: /is not a pinned release version/ },
    { what: "a chart version with a leading v", overrides: { traefikChartVersion: "v41.3.0" }, key: "traefikChartVersion", shown: "v41.3.0", message: /has a leading v, which Helm chart versions do not\n {4}fix: write 41\.3\.0/ },
    { what: "a kube-vip tag without its v", overrides: { kubeVipVersion: "1.0.4" }, key: "kubeVipVersion", shown: "1.0.4", message: /lacks the leading v of kube-vip's image tags/ },
    { what: "a kube-vip tag with build metadata", overrides: { kubeVipCloudProviderVersion: "v0.0.12+1" }, key: "kubeVipCloudProviderVersion", shown: "v0.0.12+1", message: /has build metadata/ },
    { what: "a password where its hash belongs", overrides: { argoCdAdminPasswordBcrypt: secretValue("hunter2") }, key: "argoCdAdminPasswordBcrypt", shown: null, message: /the value is not a bcrypt hash \(\$2a\$, \$2b\$ or \$2y\$, a two-digit cost, then 53 characters: 60 in all\)/ },
    { what: "a bcrypt hash with an impossible cost", overrides: { argoCdAdminPasswordBcrypt: secretValue(HASH.replace("$10$", "$99$")) }, key: "argoCdAdminPasswordBcrypt", shown: null, message: /the value is not a bcrypt hash/ },
    { what: "a bcrypt hash cut short", overrides: { argoCdAdminPasswordBcrypt: secretValue(HASH.slice(0, -1)) }, key: "argoCdAdminPasswordBcrypt", shown: null, message: /the value is not a bcrypt hash/ },
    { what: "a bcrypt hash written in clear", overrides: { argoCdAdminPasswordBcrypt: HASH }, key: "argoCdAdminPasswordBcrypt", shown: null, message: /the value is written in clear in the stack's config; it must be a secret[^\n]*\n {4}fix: set it again as a secret: pulumi config set --secret argoCdAdminPasswordBcrypt/ },
    { what: "a password written in clear", overrides: { argoCdAdminPasswordBcrypt: "hunter2" }, key: "argoCdAdminPasswordBcrypt", shown: null, message: /the value is written in clear/ },
    // config/applications.ts is being rewritten elsewhere: one case, a missing field.
    { what: "an Application without its repository", overrides: { applications: [{ name: "web", chart: "web", targetRevision: "1.0.0" }] }, key: "applications[0] (web).repoURL", shown: undefined, message: /\(not set\) is missing or not a string/ },
    // config/revisionPins.ts: Git sources pinned unless the stack allows branches
    { what: "an Application's Git source on a branch", overrides: { applications: [{ name: "web", repoURL: "https://git.example.org/web.git", path: "deploy", targetRevision: "main" }] },
        key: "applications[0] (web).targetRevision", shown: "main",
        message: /^ {4}main follows the tip of a branch .*without a review of this stack\n {4}fix: pin a full commit SHA \(40 hex digits\) or a release tag such as v1\.2\.3 of https:\/\/git\.example\.org\/web\.git; a lab that means to follow the branch sets argoCdAllowBranchRevisions: true$/m },
    { what: "an abbreviated commit SHA, which allowing branches does not allow", overrides: { argoCdAllowBranchRevisions: "true", applications: [{ name: "web", repoURL: "https://git.example.org/web.git", path: "deploy", targetRevision: "6685f5e" }] },
        key: "applications[0] (web).targetRevision", shown: "6685f5e", message: /follows an abbreviated commit SHA/ },
    { what: "argoCdAllowBranchRevisions as yes", overrides: { argoCdAllowBranchRevisions: "yes" }, key: "argoCdAllowBranchRevisions", shown: "yes", message: /is neither true nor false/ },
];

describe("broken stack config values", () => {
    for (const c of valueCases) {
        it(`stops the plan on ${c.what}, naming ${c.key}`, async () => {
            const result = await plan("home", c.overrides);
            assert.strictEqual(result.exitCode, 2, result.report);
            const heading = c.shown === undefined ? `${NS}:${c.key} (not set)`
                : c.shown === null ? `${NS}:${c.key} = (hidden)`
                    : `${NS}:${c.key} = ${JSON.stringify(c.shown)}`;
            const at = result.report.indexOf(`  ${heading}`);
            assert.ok(at >= 0, `no "${heading}" in:\n${result.report}`);
            // The problem and fix follow the key's own heading.
            const block = result.report.slice(at).split(/\n\n/)[0];
            assert.match(block, c.message, result.report);
        });
    }

    it("never prints the admin password or its hash", async () => {
        for (const value of ["hunter2", HASH, secretValue("hunter2")]) {
            const result = await plan("home", { argoCdAdminPasswordBcrypt: value });
            assert.strictEqual(result.exitCode, 2);
            assert.ok(!result.report.includes("hunter2") && !result.report.includes(HASH.slice(7)), result.report);
        }
    });

    it("accepts a well-formed hash kept as a secret", async () => {
        const result = await plan("home", { argoCdAdminPasswordBcrypt: secretValue(HASH) });
        assert.strictEqual(result.exitCode, 0, result.report);
    });

    it("reports unreadable devices once, without a spurious 'is empty' or a missing VIP interface", async () => {
        const result = await plan("home", { ciliumDevices: "eno1,vmbr0" });
        assert.match(result.report, /has 1 problem;/);
        assert.doesNotMatch(result.report, /is empty|not among ciliumDevices/);
    });

    it("says once that no config of the project was found, naming the keys, when the stack sets none of them", async () => {
        const none = Object.fromEntries(REQUIRED_KEYS.map(key => [key, undefined]));
        const result = await plan("home", none);
        assert.strictEqual(result.exitCode, 2);
        assert.match(result.report, /^No config for project homelab-network was found in stack "home"; nothing was deployed\./);
        assert.match(result.report, /None of its 11 required keys is set: lan, controlPlaneVip, loadBalancerPool, ingressVip, ingressSecondaryVip, ciliumDevices, ciliumVersion, traefikChartVersion, argoCdChartVersion, kubeVipVersion, kubeVipCloudProviderVersion\./);
        assert.match(result.report, /reads them as homelab-network:lan, homelab-network:controlPlaneVip and so on, from the config: section of Pulumi\.home\.yaml/);
        assert.doesNotMatch(result.report, /<key>/);
        assert.doesNotMatch(result.report, /\(empty\)/);
    });

    it("keeps the program's list of required keys in step with Pulumi.yaml", () => {
        const project = readProjectFile(REPO_ROOT);
        const required = Object.entries(project.config).filter(([, declared]) => declared.default === undefined).map(([key]) => key);
        assert.deepStrictEqual([...REQUIRED_KEYS].sort(), required.sort());
    });
});

describe("the catalogue", () => {
    it(`holds ${fileCases.length} broken stack files and ${valueCases.length} broken values, each with its key and message`, () => {
        assert.ok(fileCases.length >= 25 && valueCases.length >= 45);
        assert.strictEqual(new Set([...fileCases, ...valueCases].map(c => c.what)).size, fileCases.length + valueCases.length, "each case is a different mistake");
    });
});

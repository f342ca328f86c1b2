// The layout the code promises its readers: pure config and builders apart
// from resource code, every shared name defined once, the pack standing alone.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./harness";

function filesUnder(dir: string, pattern: RegExp): string[] {
    const full = path.join(REPO_ROOT, dir);
    return fs.readdirSync(full, { withFileTypes: true }).flatMap(entry => {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return entry.name === "node_modules" ? [] : filesUnder(rel, pattern);
        }
        return pattern.test(entry.name) ? [rel] : [];
    });
}

function importsOf(file: string): string[] {
    const source = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    return [...source.matchAll(/(?:from\s+|import\s+|require\(\s*)["']([^"']+)["']/g)].map(m => m[1]);
}

const CODE = [...filesUnder("config", /\.ts$/), ...filesUnder("components", /\.(ts|js)$/), ...filesUnder("policy", /\.ts$/), ...filesUnder("scripts", /\.ts$/), ...filesUnder("tools", /\.ts$/), "index.ts"];

describe("the layout", () => {
    it("keeps config/ pure: no resources, and the Pulumi SDK only at the program's edge (config/load.ts)", () => {
        for (const file of filesUnder("config", /\.ts$/)) {
            for (const specifier of importsOf(file)) {
                assert.ok(!/^@pulumi\/(kubernetes|command)/.test(specifier), `${file} imports ${specifier}`);
                assert.ok(specifier !== "@pulumi/pulumi" || file === path.join("config", "load.ts"), `${file} imports @pulumi/pulumi`);
            }
        }
    });

    it("keeps value builders, names and policy derivation free of Pulumi", () => {
        const pure = CODE.filter(file => /(names|values|policies|applicationPolicies|frontends|manifests|policy|commands)\.ts$/.test(file) && file.startsWith("components"));
        assert.ok(pure.length >= 12, `found only ${pure.join(", ")}`);
        for (const file of pure) {
            assert.deepStrictEqual(importsOf(file).filter(s => s.startsWith("@pulumi/")), [], `${file} imports Pulumi`);
        }
    });

    it("gives each part of the network a folder with its component, its names and its policies", () => {
        for (const part of ["kube-vip", "cilium", "traefik", "argocd"]) {
            const files = fs.readdirSync(path.join(REPO_ROOT, "components", part));
            assert.ok(files.includes("names.ts"), `components/${part} has no names.ts`);
            assert.ok(files.includes("policies.ts"), `components/${part} has no policies.ts`);
        }
    });

    it("spells every name the program and the pack share in one place, policy/definitions.ts", () => {
        const shared = [/kube-vip\.io\/loadbalancerIPs/, /["']kubevip["']/, /["']kubernetes:[a-z.]*\/v[0-9a-z]+:[A-Za-z]+["']/, /["']range-global["']/];
        for (const pattern of shared) {
            const where = CODE.filter(file => pattern.test(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")));
            assert.deepStrictEqual(where, [path.join("policy", "definitions.ts")], `${pattern} appears in ${where.join(", ")}`);
        }
    });

    it("keeps the developer tools on top: nothing the product runs imports tools/", () => {
        for (const file of CODE.filter(f => !f.startsWith(`tools${path.sep}`))) {
            for (const specifier of importsOf(file).filter(s => s.startsWith("."))) {
                assert.ok(!path.resolve(REPO_ROOT, path.dirname(file), specifier).startsWith(path.join(REPO_ROOT, "tools")), `${file} imports ${specifier}`);
            }
        }
    });

    it("has the pack import nothing from outside policy/", () => {
        for (const file of filesUnder("policy", /\.ts$/)) {
            for (const specifier of importsOf(file).filter(s => s.startsWith("."))) {
                assert.ok(path.resolve(REPO_ROOT, path.dirname(file), specifier).startsWith(path.join(REPO_ROOT, "policy")), `${file} imports ${specifier}`);
            }
        }
    });

    it("holds no environment's network in the pack: every network key is required and has no default", () => {
        const { resourcePolicies, stackPolicies } = require("../policy/policies");
        const networkKeys = ["lan", "lanGateway", "dhcpScope", "controlPlaneVip", "loadBalancerPool", "podCidr", "serviceCidr"];
        for (const policy of [...resourcePolicies, ...stackPolicies]) {
            const properties = policy.configSchema?.properties ?? {};
            for (const [key, schema] of Object.entries(properties)) {
                // Only the optional list of reservations may default, and only to nothing.
                const fallback = (schema as { default?: unknown }).default;
                assert.ok(fallback === undefined || (key === "reservations" && JSON.stringify(fallback) === "[]"), `${policy.name}.${key} has a default`);
            }
            const read = Object.keys(properties).filter(key => networkKeys.includes(key)).sort();
            assert.deepStrictEqual([...(policy.configSchema?.required ?? [])].sort(), read, `${policy.name} requires every network key it reads`);
        }
    });
});

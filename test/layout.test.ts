// The layout the code promises its readers: pure config and builders apart
// from resource code, every shared name defined once, the pack standing alone,
// and floors that import only downwards.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
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

/**
 * The floors, lowest first: a file imports only from its own floor or below.
 * The pack's shared definitions, addressing and ports; the platform's names;
 * the config; the components; the program; the tools on top.
 */
const FLOORS: readonly (readonly string[])[] = [["policy"], ["platform"], ["config"], ["components"], ["index.ts"], ["scripts", "tools"]];

function floorOf(file: string): number {
    const top = file.split(path.sep)[0];
    return FLOORS.findIndex(floor => floor.includes(top));
}

/** Every source file of the project's floors, relative to the repository. */
function sourceFiles(): string[] {
    return FLOORS.flat().flatMap(top => {
        if (!fs.existsSync(path.join(REPO_ROOT, top))) {
            return [];
        }
        return top.endsWith(".ts") ? [top] : filesUnder(top, /\.(ts|js)$/);
    });
}

/** The project's files a file imports or requires (relative specifiers, resolved as Node resolves them). */
function localImportsOf(file: string): string[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"), true, true);
    return info.importedFiles.map(i => i.fileName).filter(s => s.startsWith(".")).map(specifier => {
        const base = path.join(path.dirname(file), specifier);
        const found = [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts")].find(candidate => fs.existsSync(path.join(REPO_ROOT, candidate)) && fs.statSync(path.join(REPO_ROOT, candidate)).isFile());
        assert.ok(found !== undefined, `${file} imports ${specifier}, which is no file`);
        return found;
    });
}

/** One import cycle of the graph, as the path that closes it, or undefined when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
    const done = new Set<string>();
    const trail: string[] = [];
    const visit = (node: string): string[] | undefined => {
        const open = trail.indexOf(node);
        if (open >= 0) {
            return [...trail.slice(open), node];
        }
        if (done.has(node)) {
            return undefined;
        }
        trail.push(node);
        for (const next of graph.get(node) ?? []) {
            const cycle = visit(next);
            if (cycle !== undefined) {
                return cycle;
            }
        }
        trail.pop();
        done.add(node);
        return undefined;
    };
    for (const node of graph.keys()) {
        const cycle = visit(node);
        if (cycle !== undefined) {
            return cycle;
        }
    }
    return undefined;
}

const CODE = [...filesUnder("platform", /\.ts$/), ...filesUnder("config", /\.ts$/), ...filesUnder("components", /\.(ts|js)$/), ...filesUnder("policy", /\.ts$/), ...filesUnder("scripts", /\.ts$/), ...filesUnder("tools", /\.ts$/), "index.ts"];

describe("the layout", () => {
    const graph = new Map(sourceFiles().map(file => [file, localImportsOf(file)]));

    it("has config/ import nothing from components/", () => {
        const config = [...graph].filter(([file]) => file.startsWith(`config${path.sep}`));
        assert.ok(config.length >= 5, `found only ${config.map(([file]) => file).join(", ")}`);
        for (const [file, imports] of config) {
            assert.deepStrictEqual(imports.filter(target => target.startsWith(`components${path.sep}`)), [], `${file} imports from components/`);
        }
    });

    it("builds floors: policy/, platform/, config/, components/, index.ts, then scripts/ and tools/, each importing only its own floor or below", () => {
        assert.ok([...graph.keys()].some(file => file.startsWith(`platform${path.sep}`)), "no platform/ files found");
        for (const [file, imports] of graph) {
            for (const target of imports) {
                assert.ok(floorOf(target) <= floorOf(file), `${file} (floor ${FLOORS[floorOf(file)].join("/")}) imports ${target} (floor ${FLOORS[floorOf(target)].join("/")}), a floor above`);
            }
        }
    });

    it("has no import cycle among the project's source files", () => {
        assert.ok(graph.size > 60, `read only ${graph.size} files`);
        const cycle = findCycle(graph);
        assert.strictEqual(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
    });

    it("finds a cycle when there is one, and the path that closes it", () => {
        const tangled = new Map([["a", ["b"]], ["b", ["c", "d"]], ["c", []], ["d", ["b"]]]);
        assert.deepStrictEqual(findCycle(tangled), ["b", "d", "b"]);
        assert.strictEqual(findCycle(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]])), undefined);
    });

    it("keeps config/ pure: no resources, and the Pulumi SDK only at the program's edge (config/load.ts)", () => {
        for (const file of filesUnder("config", /\.ts$/)) {
            for (const specifier of importsOf(file)) {
                assert.ok(!/^@pulumi\/(kubernetes|command)/.test(specifier), `${file} imports ${specifier}`);
                assert.ok(specifier !== "@pulumi/pulumi" || file === path.join("config", "load.ts"), `${file} imports @pulumi/pulumi`);
            }
        }
    });

    it("keeps value builders, the platform's names and policy derivation free of Pulumi", () => {
        const pure = CODE.filter(file => (/(names|values|policies|applicationPolicies|manifests|policy|commands)\.ts$/.test(file) && file.startsWith("components")) || file.startsWith("platform"));
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
        const shared = [
            /kube-vip\.io\/loadbalancerIPs/, /["']kubevip["']/, /["']kubernetes:[a-z.]*\/v[0-9a-z]+:[A-Za-z]+["']/, /["']range-global["']/,
            // The chart Argo CD's release and the pack read, Cilium's namespace label, and kube-vip's variables both sides read.
            /["']argo-cd["']/, /io\.kubernetes\.pod\.namespace["']/,
            /["'](cp_enable|cp_namespace|vip_leasename|svc_enable|svc_election|vip_arp|vip_interface|vip_leaderelection|vip_address)["']/,
        ];
        for (const pattern of shared) {
            const where = CODE.filter(file => pattern.test(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")));
            assert.deepStrictEqual(where, [path.join("policy", "definitions.ts")], `${pattern} appears in ${where.join(", ")}`);
        }
        // Nor read as a property (`env.cp_enable`): kube-vip's variables are read through policy/kubeVipEnv.ts.
        const envRead = /\benv\.(cp_enable|cp_namespace|vip_leasename|svc_enable|svc_election|vip_address)\b/;
        assert.ok(envRead.test("c.env.vip_address === address"), "the pattern finds a direct read");
        const readers = CODE.filter(file => envRead.test(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")));
        assert.deepStrictEqual(readers, [], `kube-vip's variables read directly in ${readers.join(", ")}`);
    });

    it("has only components/ import a part's names.ts: the program, the scripts and the tests take the platform's names from platform/", () => {
        const namesFile = /^components[\\/][^\\/]+[\\/]names\.ts$/;
        const tests = filesUnder("test", /\.ts$/).filter(file => !file.startsWith(path.join("test", "fixtures")));
        const importing = (file: string) => localImportsOf(file).filter(target => namesFile.test(target)).map(target => `${file} imports ${target}`);
        assert.ok(sourceFiles().filter(file => file.startsWith(`components${path.sep}`)).some(file => importing(file).length > 0), "no component imports its names.ts: the check reads nothing");
        const outside = [...sourceFiles(), ...tests].filter(file => !file.startsWith(`components${path.sep}`));
        assert.deepStrictEqual(outside.flatMap(importing), []);
    });

    it("writes the namespace kube-system once, as KUBE_SYSTEM in policy/definitions.ts", () => {
        /** Files that may hold the literal, and why. A pending one is being changed on another branch. */
        const allowed = new Map([
            [path.join("policy", "definitions.ts"), "defines KUBE_SYSTEM"],
        ]);
        const literal = /["'`]kube-system["'`]/;
        assert.ok(literal.test(`{ namespace: "kube-system" }`) && !literal.test("// kube-system/cilium"), "the pattern finds the literal, not a mention");
        const holding = CODE.filter(file => literal.test(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")));
        assert.deepStrictEqual(holding.filter(file => !allowed.has(file)), [], "use KUBE_SYSTEM from policy/definitions.ts");
        const stale = [...allowed].filter(([file, why]) => !why.startsWith("pending") && !holding.includes(file)).map(([file]) => file);
        assert.deepStrictEqual(stale, [], "these no longer hold the literal: take them off the list");
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

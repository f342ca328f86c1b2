// The LoadBalancer Services a local kustomize directory (kustomize.v2.Directory)
// declares in its resource files, so that an advisory can name each one before
// the provider renders it: the kustomization's `resources` read as written
// (files and nested directories; remote bases, patches and generators are
// not applied, so what the directory finally renders is checked in a preview
// and by the live audit). Relative to the program's folder, as the provider
// reads the directory.

import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { serviceAddressList } from "./serviceValues";
import { projectRoot } from "./valueFiles";

export interface KustomizeService {
    /** `<namespace>/<name>`: the kustomization's namespace over the object's, the Directory's default under both. */
    readonly service: string;
    /** The file it is declared in, relative to the program's folder. */
    readonly file: string;
    readonly pinned: readonly string[];
}

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** The documents of a YAML file; throws when one does not parse, so that nothing is read from a file half understood. */
function parsed(file: string): any[] {
    return parseAllDocuments(fs.readFileSync(file, "utf8")).map(document => {
        if (document.errors.length > 0) {
            throw new Error(`${file}: ${document.errors[0].message}`);
        }
        return document.toJSON();
    });
}

function readKustomization(dir: string): Record<string, any> | undefined {
    const file = KUSTOMIZATION_FILES.map(name => path.join(dir, name)).find(f => fs.existsSync(f));
    if (file === undefined) {
        return undefined;
    }
    const value = parsed(file)[0];
    return typeof value === "object" && value !== null ? value : undefined;
}

/** Kustomization fields that add or change objects beyond its resource files: what the pack does not apply. */
const NOT_APPLIED = ["components", "patches", "patchesStrategicMerge", "patchesJson6902", "helmCharts", "generators", "transformers"];

/** What a local kustomize directory's resource files declare. */
export interface KustomizeRead {
    readonly services: readonly KustomizeService[];
    /** What the pack did not read or apply (remote bases, missing files, patches, charts), as `where: what`; empty when it read everything. */
    readonly unread: readonly string[];
}

/** The LoadBalancer Services of a local kustomize directory; undefined when it is remote, holds no kustomization or does not parse. */
export function kustomizeLoadBalancers(directory: string, defaultNamespace?: string): KustomizeRead | undefined {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(directory) || directory.startsWith("git@")) {
        return undefined;
    }
    const root = projectRoot();
    const services: KustomizeService[] = [];
    const unread: string[] = [];
    const visit = (dir: string, outer: string | undefined, depth: number): boolean => {
        const kustomization = readKustomization(dir);
        if (kustomization === undefined || depth > 8) {
            return false;
        }
        const at = path.relative(root, dir) || ".";
        unread.push(...NOT_APPLIED.filter(key => kustomization[key] !== undefined).map(key => `${at}: ${key}`));
        const ns = outer ?? (typeof kustomization.namespace === "string" ? kustomization.namespace : undefined);
        for (const entry of Array.isArray(kustomization.resources) ? kustomization.resources : []) {
            const target = typeof entry === "string" && !/:\/\//.test(entry) ? path.resolve(dir, entry) : undefined;
            if (target === undefined || !fs.existsSync(target)) {
                unread.push(`${at}: ${String(entry)}`);
                continue;
            }
            if (fs.statSync(target).isDirectory()) {
                if (!visit(target, ns, depth + 1)) {
                    unread.push(`${at}: ${String(entry)}`);
                }
                continue;
            }
            for (const object of parsed(target)) {
                if (object?.kind === "Service" && object?.spec?.type === "LoadBalancer") {
                    services.push({
                        service: `${ns ?? object.metadata?.namespace ?? defaultNamespace ?? "default"}/${object.metadata?.name ?? "?"}`,
                        file: path.relative(root, target),
                        pinned: serviceAddressList(object.metadata?.annotations, object.spec?.loadBalancerIP),
                    });
                }
            }
        }
        return true;
    };
    try {
        return visit(path.resolve(root, directory), undefined, 0) ? { services, unread } : undefined;
    } catch {
        // A file the pack cannot read or parse: the advisory falls back to naming the directory.
        return undefined;
    }
}

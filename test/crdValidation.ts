// Validates the CiliumNetworkPolicies and Argo CD Applications of an offline
// run (scripts/offlineRun.ts) against the schemas of their CRDs, as the typed
// models published on npm carry them:
//   @kubernetes-models/cilium 4.0.0   - Cilium v1.19.3's cilium.io/v2 API types
//   @kubernetes-models/argo-cd 4.0.0  - Argo CD v3.3.9's argoproj.io/v1alpha1 API types
// Both are generated with controller-tools, the generator of the CRDs
// themselves, from the same Go types and kubebuilder markers; so a model's
// schema has the CRD's types, required fields, enums, patterns, formats
// (`cidr`) and bounds, compiled into an ajv validator.
//
// Three checks go further than the CRD schemas, because the API server would
// accept the mistake and the cluster would then do something else than the
// config says:
// - Unknown fields. Neither CRD forbids additional properties, and the API
//   server drops an unknown field of a custom resource unless the client asks
//   for strict field validation: `toPort` for `toPorts` would vanish and leave
//   a rule that allows every port. A field counts as unknown when the schema's
//   validator never read it: the validator runs over proxies that record the
//   property names it reads; an object it iterated over is a map (labels), one
//   it read nothing from is free-form (Helm `valuesObject`), and is left alone.
//   A declared field the validator has no code for is never read either and
//   would be reported: in both packages the one such field is `description`
//   (next point).
// - `description`. The models' generator strips every `description` key from
//   the schemas, the field named so included: a CiliumNetworkPolicy rule's
//   `description` is neither validated nor known to the model. Here it is
//   known where Cilium declares it (`spec`, `specs[]`) and must be a string.
// - Ports. The CRD's pattern for toPorts[].ports[].port is
//   `^(numbers)|(names)$`: each alternative is anchored at one end only, so
//   "53/UDP" or "99999" pass it, and the Cilium agent then fails to parse the
//   port. Here the same pattern is applied anchored at both ends.
//
// Not checked: what the Cilium agent refuses or ignores although the schema
// allows it (two peer kinds in one rule, `icmps` beside `toPorts`, `toFQDNs`
// without a DNS rule for the proxy); CEL rules and
// `x-kubernetes-*` markers, which the generator strips; object names (the API
// server checks them apart from the schema); and `null`, which the models
// accept for any optional field.
//
// The models are ES modules only (and ask for Node 22, while they run on this
// project's Node 20). Under `module: commonjs` TypeScript compiles `import()`
// to `require()`, which their exports (an `import` condition only) refuse; an
// `import()` built with `new Function` stays a real dynamic import.

import type { RecordedResource } from "../scripts/offlineRun";
import { TYPES } from "../policy/definitions";

/** One schema violation of one resource. */
export interface CrdProblem {
    /** The Pulumi resource name of the object. */
    readonly resource: string;
    /** `CiliumNetworkPolicy` or `Application`. */
    readonly kind: string;
    /** JSON pointer into the object, e.g. `/spec/egress/0/toPorts/0/ports/0/port`. */
    readonly path: string;
    readonly message: string;
}

export interface CrdValidation {
    /** How many objects of each kind were validated. */
    readonly validated: { readonly ciliumNetworkPolicy: number; readonly application: number };
    readonly problems: CrdProblem[];
}

interface SchemaError {
    readonly instancePath: string;
    readonly keyword: string;
    readonly params: Record<string, unknown>;
    readonly message?: string;
}

/** A model class: its prototype's validate() runs the schema over `this` and throws with `errors`. */
interface ModelClass {
    readonly prototype: { validate(this: unknown): void };
}

interface Validators {
    readonly [type: string]: { readonly kind: string; readonly model: ModelClass };
}

const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

let validators: Promise<Validators> | undefined;

function loadValidators(): Promise<Validators> {
    validators ??= (async () => {
        const cilium = await importModule("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy") as
            typeof import("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy");
        const argo = await importModule("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application") as
            typeof import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application");
        return {
            [TYPES.ciliumNetworkPolicy]: { kind: "CiliumNetworkPolicy", model: cilium.CiliumNetworkPolicy as unknown as ModelClass },
            [TYPES.application]: { kind: "Application", model: argo.Application as unknown as ModelClass },
        };
    })();
    return validators;
}

/** Every schema violation of the CiliumNetworkPolicies and Applications among `resources`. */
export async function crdProblems(resources: readonly RecordedResource[]): Promise<CrdProblem[]> {
    return (await validateCrds(resources)).problems;
}

/** Validates the CiliumNetworkPolicies and Applications among `resources`, and counts them. */
export async function validateCrds(resources: readonly RecordedResource[]): Promise<CrdValidation> {
    const byType = await loadValidators();
    const problems: CrdProblem[] = [];
    const validated = { ciliumNetworkPolicy: 0, application: 0 };
    for (const resource of resources) {
        const validator = byType[resource.type];
        if (validator === undefined) {
            continue;
        }
        if (resource.type === TYPES.ciliumNetworkPolicy) {
            validated.ciliumNetworkPolicy++;
        } else {
            validated.application++;
        }
        for (const { path, message } of objectProblems(validator, resource.inputs)) {
            problems.push({ resource: resource.name, kind: validator.kind, path, message });
        }
    }
    return { validated, problems };
}

/** One line per problem, for assertion messages. */
export function formatCrdProblems(problems: readonly CrdProblem[]): string {
    return problems.map(p => `${p.kind} ${p.resource} ${p.path || "/"}: ${p.message}`).join("\n");
}

function objectProblems({ kind, model }: Validators[string], inputs: Record<string, unknown>): { path: string; message: string }[] {
    // What goes on the wire: no undefined values, plain objects only.
    const object = JSON.parse(JSON.stringify(inputs)) as unknown;
    const { wrap, visits } = readRecorder();
    const found: { path: string; message: string }[] = [];
    try {
        model.prototype.validate.call(wrap(object));
    } catch (err) {
        const errors = (err as { errors?: SchemaError[] }).errors;
        if (!Array.isArray(errors)) {
            throw err;
        }
        found.push(...errors.map(schemaErrorProblem));
    }
    unknownFields(object, "", visits, found, DROPPED_FIELDS[kind] ?? []);
    if (kind === "CiliumNetworkPolicy") {
        portProblems(object, "", found);
    }
    const seen = new Set<string>();
    return found.filter(p => {
        const key = `${p.path}\u0000${p.message}`;
        return seen.has(key) ? false : (seen.add(key), true);
    });
}

function schemaErrorProblem(error: SchemaError): { path: string; message: string } {
    let message = error.message ?? error.keyword;
    if (error.keyword === "enum" && Array.isArray(error.params.allowedValues)) {
        message += `: ${error.params.allowedValues.join(", ")}`;
    }
    return { path: error.instancePath, message };
}

interface Reads {
    readonly names: Set<string>;
    /** Whether the validator iterated over the keys: a map, whose keys are data. */
    enumerated: boolean;
}

/** Proxies that record which properties of each object the validator reads. */
function readRecorder(): { wrap: (value: unknown) => unknown; visits: Map<object, Reads> } {
    const visits = new Map<object, Reads>();
    const proxies = new WeakMap<object, object>();
    const wrap = (value: unknown): unknown => {
        if (typeof value !== "object" || value === null) {
            return value;
        }
        let proxy = proxies.get(value);
        if (proxy === undefined) {
            const reads: Reads = { names: new Set(), enumerated: false };
            visits.set(value, reads);
            proxy = new Proxy(value, {
                get(target, key, receiver) {
                    if (typeof key === "string") {
                        reads.names.add(key);
                    }
                    return wrap(Reflect.get(target, key, receiver));
                },
                ownKeys(target) {
                    reads.enumerated = true;
                    return Reflect.ownKeys(target);
                },
            });
            proxies.set(value, proxy);
        }
        return proxy;
    };
    return { wrap, visits };
}

function pointer(path: string, key: string | number): string {
    return `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** Fields the models' schemas lost, by kind: where they may stand, and what they must hold. */
interface DroppedField {
    readonly name: string;
    /** JSON pointer of the object that has the field. */
    readonly parent: RegExp;
    readonly type: "string";
}

const DROPPED_FIELDS: Record<string, readonly DroppedField[]> = {
    CiliumNetworkPolicy: [{ name: "description", parent: /^\/(?:spec|specs\/\d+)$/, type: "string" }],
};

function unknownFields(value: unknown, path: string, visits: Map<object, Reads>, found: { path: string; message: string }[],
    dropped: readonly DroppedField[]): void {
    if (Array.isArray(value)) {
        value.forEach((item, index) => unknownFields(item, pointer(path, index), visits, found, dropped));
        return;
    }
    if (typeof value !== "object" || value === null) {
        return;
    }
    const reads = visits.get(value);
    if (reads === undefined || (!reads.enumerated && reads.names.size === 0)) {
        return; // never reached, or free-form: the schema says nothing about its fields
    }
    for (const [key, child] of Object.entries(value)) {
        const known = dropped.find(field => field.name === key && field.parent.test(path));
        if (known !== undefined) {
            if (typeof child !== known.type) {
                found.push({ path: pointer(path, key), message: `must be ${known.type}` });
            }
        } else if (!reads.enumerated && !reads.names.has(key)) {
            found.push({ path: pointer(path, key), message: "unknown field: the schema has no such property (the API server would drop it)" });
        } else {
            unknownFields(child, pointer(path, key), visits, found, dropped);
        }
    }
}

// The CRD's pattern for a port, with both alternatives anchored at both ends.
const PORT = /^(?:(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})|(?:[a-zA-Z0-9]-?)*[a-zA-Z](?:-?[a-zA-Z0-9])*)$/;
const PORT_PATH = /\/toPorts\/\d+\/ports\/\d+\/port$/;

function portProblems(value: unknown, path: string, found: { path: string; message: string }[]): void {
    if (typeof value === "string") {
        if (PORT_PATH.test(path) && !PORT.test(value)) {
            found.push({ path, message: `must be a port number 0-65535 or a port name, not ${JSON.stringify(value)}` });
        }
        return;
    }
    if (typeof value === "object" && value !== null) {
        for (const [key, child] of Object.entries(value)) {
            portProblems(child, pointer(path, key), found);
        }
    }
}

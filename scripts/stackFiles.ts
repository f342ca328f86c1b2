// Reads a stack's config the way the Pulumi CLI assembles it: the project's
// declared defaults from Pulumi.yaml, overlaid with Pulumi.<stack>.yaml, each
// value checked against its declared type as the CLI checks it. Used by the
// offline plan and the tests, which run without the CLI.

import * as fs from "fs";
import * as path from "path";
import { YAMLError, parseDocument } from "yaml";
import { nearestName } from "../config/hints";
import { SecretTeller, UNDECRYPTED_SECRET } from "../config/stack";

export type StackConfigValues = Record<string, unknown>;

/** One thing wrong with a stack file; `key` names the config key when there is one. */
export interface StackFileProblem {
    readonly key?: string;
    readonly message: string;
}

/** A stack file that cannot be read as config: a config error, like a bad address. */
export class StackFileError extends Error {
    constructor(message: string, readonly problems: readonly StackFileProblem[] = [{ message }]) {
        super(message);
    }
}

export interface ProjectConfigItems {
    readonly type: string;
    readonly items?: ProjectConfigItems;
}

export interface ProjectConfigKey {
    readonly type?: string;
    readonly items?: ProjectConfigItems;
    readonly description?: string;
    readonly default?: unknown;
}

export interface ProjectFile {
    readonly name: string;
    readonly config: Record<string, ProjectConfigKey>;
}

/**
 * A value that travels as a secret: a stack file's `{secure: ...}` (whose
 * plaintext offline runs cannot decrypt) or a test's override.
 */
export class SecretValue {
    constructor(readonly plaintext: string) {}
}

export function secretValue(plaintext: string): SecretValue {
    return new SecretValue(plaintext);
}

/** What offline runs read for a secret of a stack file: a placeholder. */
export const SECRET_PLACEHOLDER = UNDECRYPTED_SECRET;

/**
 * YAML texts already parsed, by their text: a plan, a pack config and a
 * program run each read the same two files, and parsing is most of reading
 * them. Each caller gets its own copy; a text with errors is not kept.
 */
const parsedTexts = new Map<string, unknown>();
const PARSED_TEXTS_KEPT = 64;

function parseYaml(text: string): { error?: YAMLError; value?: unknown } {
    if (!parsedTexts.has(text)) {
        const document = parseDocument(text);
        if (document.errors.length > 0) {
            return { error: document.errors[0] };
        }
        if (parsedTexts.size >= PARSED_TEXTS_KEPT) {
            parsedTexts.delete(parsedTexts.keys().next().value!);
        }
        parsedTexts.set(text, document.toJS());
    }
    return { value: structuredClone(parsedTexts.get(text)) };
}

export function readProjectFile(root: string): ProjectFile {
    const { error, value } = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    if (error !== undefined) {
        throw error;
    }
    const project = value as ProjectFile;
    return { name: project.name, config: project.config ?? {} };
}

/** Stack names that have a Pulumi.<stack>.yaml beside Pulumi.yaml. */
export function listStacks(root: string): string[] {
    return fs.readdirSync(root)
        .map(file => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/** The top-level keys of a stack file (pkg/workspace ProjectStack in pulumi/pulumi). */
const STACK_FILE_KEYS = ["config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"];

/**
 * The stack's config without the project prefix. Refuses, all at once, what
 * the Pulumi CLI would refuse or silently misread: a key the project does not
 * declare, a value of the wrong type, a required key left unset, keys outside
 * `config:` or under another project's name.
 */
export function loadStackConfig(root: string, stack: string): { project: string; values: StackConfigValues } {
    const project = readProjectFile(root);
    const fileName = `Pulumi.${stack}.yaml`;
    const file = path.join(root, fileName);
    if (!fs.existsSync(file)) {
        const known = listStacks(root).join(", ") || "none";
        throw new StackFileError(`There is no ${fileName}; the stacks here are: ${known}`);
    }
    const text = fs.readFileSync(file, "utf8");
    const { error, value } = parseYaml(text);
    if (error !== undefined) {
        throw new StackFileError(yamlErrorMessage(fileName, text, error));
    }
    const top: unknown = value ?? {};
    if (!isMap(top)) {
        throw new StackFileError(`${fileName} is not a map: a stack file holds config: and its keys`);
    }
    const declared = Object.keys(project.config);
    const problems: StackFileProblem[] = [];
    const problem = (message: string, key?: string) => problems.push({ key, message: `${fileName} ${message}` });

    const outside = Object.keys(top).filter(key => !STACK_FILE_KEYS.includes(key));
    const outsideConfigKeys = outside.filter(key => declared.includes(key.includes(":") ? key.slice(key.indexOf(":") + 1) : key));
    if (outsideConfigKeys.length > 0) {
        problem(
            `sets ${listed(outsideConfigKeys)} at the top level, outside config:, where the Pulumi CLI and the program do not look for them (every key would read as unset); ` +
            `indent them under a line "config:", e.g. config:\n    ${project.name}:${bareKey(outsideConfigKeys[0])}: ...`,
            bareKey(outsideConfigKeys[0]),
        );
    }
    for (const key of outside.filter(k => !outsideConfigKeys.includes(k))) {
        const near = nearestName(key, STACK_FILE_KEYS);
        problem(`has a top-level key ${key}, which the Pulumi CLI does not read; ${near === undefined ? `a stack file holds only ${STACK_FILE_KEYS.join(", ")}` : `did you mean ${near}:?`}`, key);
    }
    const config = top.config ?? {};
    if (!isMap(config)) {
        problem("has a config: that is not a map of keys to values");
    }

    const values: StackConfigValues = {};
    for (const [key, declaration] of Object.entries(project.config)) {
        if (declaration.default !== undefined) {
            values[key] = declaration.default;
        }
    }
    const setKeys = new Set<string>();
    const suggested = new Set<string>();
    const foreign = new Map<string, string[]>();
    for (const [qualified, value] of Object.entries(isMap(config) ? config : {})) {
        const [namespace, key] = qualified.includes(":") ? [qualified.slice(0, qualified.indexOf(":")), qualified.slice(qualified.indexOf(":") + 1)] : [project.name, qualified];
        if (namespace !== project.name) {
            // Another namespace holds a provider's config (kubernetes:context); this project's keys there are lost.
            if (declared.includes(key)) {
                foreign.set(namespace, [...(foreign.get(namespace) ?? []), qualified]);
            }
            continue;
        }
        if (!(key in project.config)) {
            const near = nearestName(key, declared);
            if (near !== undefined) {
                suggested.add(near);
            }
            problem(
                `sets ${qualified}, which Pulumi.yaml does not declare` +
                (near === undefined ? `; the keys are: ${declared.join(", ")}` : `; did you mean ${project.name}:${near}?`),
                key,
            );
            continue;
        }
        setKeys.add(key);
        if (isSecureValue(value)) {
            // A secret cannot be decrypted without the CLI; offline runs see a placeholder.
            values[key] = new SecretValue(SECRET_PLACEHOLDER);
            continue;
        }
        const wrongType = typeProblem(key, project.config[key], value, stack);
        if (wrongType !== undefined) {
            problem(wrongType, key);
            continue;
        }
        values[key] = value;
    }
    for (const [namespace, keys] of foreign) {
        problem(
            `sets ${listed(keys)} under the namespace ${namespace}, but this project is named ${project.name} (the name: in Pulumi.yaml): ` +
            `the Pulumi CLI and the program read only keys that start with ${project.name}:, so these are never read; write ${listed(keys.map(k => `${project.name}:${bareKey(k)}`))}`,
            bareKey(keys[0]),
        );
    }
    const explained = outsideConfigKeys.length > 0 || foreign.size > 0;
    const missing = declared.filter(key => project.config[key].default === undefined && !setKeys.has(key) && !suggested.has(key));
    if (missing.length > 0 && !explained) {
        problem(
            `does not set ${listed(missing)}, which Pulumi.yaml declares without a default; the Pulumi CLI stops with ` +
            `"Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${cliKeyList(missing)}". ` +
            `Set ${missing.length === 1 ? "it" : "each"} under config: as ${listed(missing.map(key => `${project.name}:${key}`))} (see docs/config-reference.md)`,
            missing[0],
        );
    }
    if (problems.length > 0) {
        const message = problems.length === 1
            ? problems[0].message
            : [`${fileName} has ${problems.length} problems:`, ...problems.map(p => `  - ${p.message}`)].join("\n");
        throw new StackFileError(message, problems);
    }
    return { project: project.name, values };
}

/**
 * Why a value does not have its declared type, as the Pulumi CLI checks it
 * before it runs the program (ValidateConfigValue in pulumi/pulumi's
 * sdk/go/common/workspace/project.go): a string is any scalar; an integer a
 * whole number, or text of decimal digits with an optional sign (Go's
 * strconv.Atoi), so a quoted "6443" passes; a boolean true or false, or the
 * text "true" or "false"; an array a list whose items have the items' type.
 */
function typeProblem(key: string, declaration: ProjectConfigKey, value: unknown, stack: string): string | undefined {
    if (declaration.type === undefined) {
        return undefined;
    }
    if (hasType(declaration.type, declaration.items, value)) {
        return undefined;
    }
    const type = fullTypeName(declaration.type, declaration.items);
    const shown = value === null ? "nothing (an empty YAML value)" : JSON.stringify(value);
    const cli = `the Pulumi CLI stops with "Stack '${stack}' with configuration key '${key}' must be of type '${type}'"`;
    const hint = ((): string => {
        switch (declaration.type) {
            case "integer":
                return `write digits only, e.g. ${key}: ${typeof declaration.default === "number" ? declaration.default : 1}`;
            case "boolean":
                return `write ${key}: true or ${key}: false (yes, no, on and off are text to the CLI)`;
            case "array": {
                const items = typeof value === "string" ? value.split(/[\s,]+/).filter(item => item !== "") : [];
                return `write it as a YAML list, e.g. ${key}: [${items.length > 0 ? items.join(", ") : "..."}]`;
            }
            default:
                return `write one piece of text, e.g. ${key}: "..."`;
        }
    })();
    return `sets ${key} to ${shown}, which is not ${/^[aeiou]/.test(type) ? "an" : "a"} ${type}: ${cli}; ${hint}`;
}

/**
 * `nested`: an item of a list. The CLI hands a top-level scalar over as text,
 * so a number passes as a string there; inside a list it stays a number.
 */
function hasType(type: string, items: ProjectConfigItems | undefined, value: unknown, nested = false): boolean {
    switch (type) {
        case "string":
            return typeof value === "string" || (!nested && (typeof value === "number" || typeof value === "boolean"));
        case "integer":
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?[0-9]+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "array":
            return Array.isArray(value) && items !== undefined && value.every(item => hasType(items.type, items.items, item, true));
        default:
            return true;
    }
}

function fullTypeName(type: string, items: ProjectConfigItems | undefined): string {
    return items === undefined ? type : `array<${fullTypeName(items.type, items.items)}>`;
}

/** Keys as the CLI lists them: sorted, quoted, the last after "and". */
function cliKeyList(keys: readonly string[]): string {
    const sorted = [...keys].sort();
    return sorted.length === 1 ? `'${sorted[0]}'` : `${sorted.slice(0, -1).map(k => `'${k}'`).join(", ")} and '${sorted[sorted.length - 1]}'`;
}

function listed(keys: readonly string[]): string {
    return keys.length <= 4 ? keys.join(", ") : `${keys.slice(0, 3).join(", ")} and ${keys.length - 3} more`;
}

function bareKey(key: string): string {
    return key.includes(":") ? key.slice(key.indexOf(":") + 1) : key;
}

/**
 * A YAML error with the line the mistake is on. The parser reports where it
 * noticed, which is not always there: a key indented one space too far reads
 * as the continuation of the line above, and the parser names that line; a [
 * or a quote left open is noticed lines later.
 */
export function yamlErrorMessage(fileName: string, text: string, error: YAMLError): string {
    const lines = text.split(/\r?\n/);
    const reported = error.linePos?.[0]?.line ?? 1;
    const parserWords = error.message.split("\n")[0].replace(/:$/, "");
    const found = likelyMistake(lines, reported, parserWords, error.linePos?.[0]?.col ?? 1);
    const shown = (n: number) => `  ${String(n).padStart(4)} | ${lines[n - 1] ?? ""}${n === found.line ? "   <- here" : ""}`;
    const context = found.line > 1 ? [shown(found.line - 1), shown(found.line)] : [shown(found.line)];
    return [
        `${fileName} is not valid YAML at line ${found.line}: ${found.why}`,
        ...context,
        `  (the YAML parser: ${parserWords})`,
    ].join("\n");
}

function likelyMistake(lines: readonly string[], reported: number, parserWords: string, reportedColumn: number): { line: number; why: string } {
    const content = (n: number) => (lines[n - 1] ?? "").replace(/\s#.*$/, "");
    const indent = (n: number) => /^ */.exec(lines[n - 1] ?? "")![0].length;
    const spaces = (count: number) => (count === 1 ? "1 space" : `${count} spaces`);
    // Keys hold colons (homelab-network:lan): a key runs up to the last ": ".
    const isKey = (n: number) => /^\s*[^\s#-]\S*:(\s|$)/.test(content(n));
    const isItem = (n: number) => /^\s*-(\s|$)/.test(content(n));
    const previous = (n: number, test: (m: number) => boolean) => {
        for (let m = n - 1; m >= 1; m--) {
            if (test(m)) {
                return m;
            }
        }
        return undefined;
    };
    if (/Tabs are not allowed/.test(parserWords)) {
        return { line: reported, why: "it is indented with a tab; YAML indents with spaces only" };
    }
    const opener = /end with a ([\]}])/.exec(parserWords)?.[1];
    if (opener !== undefined) {
        const [open, close] = opener === "]" ? ["[", "]"] : ["{", "}"];
        for (let n = reported; n >= 1; n--) {
            if (count(content(n), open) > count(content(n), close)) {
                return { line: n, why: `it opens a ${open} that is never closed; close it with ${close} on the same line` };
            }
        }
    }
    if (/Missing closing .?quote/i.test(parserWords)) {
        for (let n = reported; n >= 1; n--) {
            if ((content(n).match(/["']/g) ?? []).length % 2 === 1) {
                return { line: n, why: "it opens a quote that is never closed; close it on the same line" };
            }
        }
    }
    // The parser stopped inside the value of a key (past its indentation): the
    // next line, indented further, was read as the continuation of that value.
    let next = reported + 1;
    while (next <= lines.length && /^\s*(#.*)?$/.test(lines[next - 1])) {
        next++;
    }
    if (reportedColumn > indent(reported) + 1 && /^\s*[^\s#-]\S*:\s+\S/.test(content(reported)) && next <= lines.length && indent(next) > indent(reported) && isKey(next)) {
        return {
            line: next,
            why: `it is indented ${spaces(indent(next))} where the key on line ${reported} above it has ${indent(reported)}, so YAML reads it as part of that key's value; indent it like the keys around it`,
        };
    }
    if (isItem(reported)) {
        const item = previous(reported, isItem);
        if (item !== undefined && indent(item) !== indent(reported)) {
            return { line: reported, why: `this list item is indented ${spaces(indent(reported))} where the item on line ${item} has ${indent(item)}; indent the items of a list alike` };
        }
    }
    if (isKey(reported) && /same column|indent/i.test(parserWords)) {
        const key = previous(reported, isKey);
        if (key !== undefined && indent(key) !== indent(reported)) {
            return { line: reported, why: `this key is indented ${spaces(indent(reported))} where the key on line ${key} has ${indent(key)}; indent the keys of config: alike` };
        }
    }
    if (/Map keys must be unique/.test(parserWords) && isKey(reported)) {
        const key = /^\s*(\S+):/.exec(content(reported))![1];
        const first = previous(reported, m => indent(m) === indent(reported) && content(m).trimStart().startsWith(`${key}:`));
        if (first !== undefined) {
            return { line: reported, why: `it sets ${key} again, which line ${first} already sets; keep one` };
        }
    }
        if (/Implicit keys need to be on a single line/.test(parserWords) && isKeyWithoutColon(content(reported))) {
        const [, key, value] = /^\s*(\S+)\s+(.*)$/.exec(content(reported))!;
        return { line: reported, why: `the key ${key} has no colon after it; write ${key}: ${value.trim()}` };
    }
    return { line: reported, why: parserWords.replace(/ at line \d+, column \d+$/, "") };
}

function isKeyWithoutColon(line: string): boolean {
    return /^\s*[^\s#:-][^\s:]*(:[^\s:]+)*\s+\S/.test(line) && !/:(\s|$)/.test(line);
}

function count(text: string, char: string): number {
    return text.split(char).length - 1;
}

/** A stack value as the Pulumi SDK hands it to a program: text, structured values as JSON. */
export function configText(value: unknown): string {
    if (value instanceof SecretValue) {
        return value.plaintext;
    }
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Reads the stack's values the way the program reads its config (see config/stack.ts). */
export function configReader(values: StackConfigValues): (key: string) => string | undefined {
    return key => (values[key] === undefined ? undefined : configText(values[key]));
}

/** Which of the stack's values are secrets, as the program asks the SDK. */
export function secretTeller(values: StackConfigValues): SecretTeller {
    return key => values[key] instanceof SecretValue;
}

function isMap(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSecureValue(value: unknown): boolean {
    return isMap(value) && "secure" in value;
}

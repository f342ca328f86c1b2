// A small evaluator of GitHub Actions expressions (the `${{ ... }}` language),
// enough to ask what a workflow's `if:` decides for a given event: literals,
// context properties, `!`, comparisons, `==`/`!=` (strings compared without
// case, other types coerced to numbers), `&&`/`||` (which return an operand),
// parentheses and the string functions contains, startsWith and endsWith.
// Anything else throws, so that a test never passes on a construct this file
// does not understand. Semantics as documented at
// https://docs.github.com/actions/reference/workflows-and-actions/expressions

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

type Token =
    | { kind: "literal"; value: Value }
    | { kind: "name"; value: string }
    | { kind: "op"; value: string };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const rest = text.slice(i);
        const space = /^\s+/.exec(rest);
        if (space) {
            i += space[0].length;
            continue;
        }
        const op = /^(==|!=|<=|>=|&&|\|\||[!<>()[\].,])/.exec(rest);
        if (op) {
            tokens.push({ kind: "op", value: op[0] });
            i += op[0].length;
            continue;
        }
        const str = /^'((?:[^']|'')*)'/.exec(rest);
        if (str) {
            tokens.push({ kind: "literal", value: str[1].replace(/''/g, "'") });
            i += str[0].length;
            continue;
        }
        const num = /^(0x[0-9a-fA-F]+|-?\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(rest);
        if (num) {
            tokens.push({ kind: "literal", value: Number(num[0]) });
            i += num[0].length;
            continue;
        }
        const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
        if (name) {
            const word = name[0];
            if (word === "true" || word === "false") {
                tokens.push({ kind: "literal", value: word === "true" });
            } else if (word === "null") {
                tokens.push({ kind: "literal", value: null });
            } else {
                tokens.push({ kind: "name", value: word });
            }
            i += word.length;
            continue;
        }
        throw new Error(`cannot read the expression at "${rest}"`);
    }
    return tokens;
}

function toNumber(value: Value): number {
    if (value === null) {
        return 0;
    }
    if (typeof value === "boolean") {
        return value ? 1 : 0;
    }
    if (typeof value === "number") {
        return value;
    }
    if (typeof value === "string") {
        return value.trim() === "" ? 0 : Number(value);
    }
    return NaN;
}

export function truthy(value: Value): boolean {
    return !(value === null || value === false || value === "" || (typeof value === "number" && (value === 0 || Number.isNaN(value))));
}

function looseEquals(a: Value, b: Value): boolean {
    if (typeof a === "string" && typeof b === "string") {
        return a.toLowerCase() === b.toLowerCase();
    }
    if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
        return a === b;
    }
    if (typeof a === typeof b && (a === null || typeof a !== "object")) {
        return a === b;
    }
    return toNumber(a) === toNumber(b);
}

function compare(a: Value, b: Value, op: string): boolean {
    const [x, y] = typeof a === "string" && typeof b === "string" ? [a.toLowerCase(), b.toLowerCase()] : [toNumber(a), toNumber(b)];
    switch (op) {
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        default: return x >= y;
    }
}

function text(value: Value): string {
    if (value === null) {
        return "";
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
    contains: ([haystack, needle]) => Array.isArray(haystack)
        ? haystack.some(item => looseEquals(item, needle))
        : text(haystack).toLowerCase().includes(text(needle).toLowerCase()),
    startsWith: ([s, prefix]) => text(s).toLowerCase().startsWith(text(prefix).toLowerCase()),
    endsWith: ([s, suffix]) => text(s).toLowerCase().endsWith(text(suffix).toLowerCase()),
};

class Parser {
    private position = 0;

    constructor(private readonly tokens: Token[], private readonly contexts: Record<string, Value>) {}

    parse(): Value {
        const value = this.or();
        if (this.position !== this.tokens.length) {
            throw new Error(`unexpected ${JSON.stringify(this.tokens[this.position])}`);
        }
        return value;
    }

    private peek(op: string): boolean {
        const token = this.tokens[this.position];
        return token !== undefined && token.kind === "op" && token.value === op;
    }

    private expect(op: string): void {
        if (!this.peek(op)) {
            throw new Error(`expected ${op}`);
        }
        this.position++;
    }

    private or(): Value {
        let left = this.and();
        while (this.peek("||")) {
            this.position++;
            const right = this.and();
            left = truthy(left) ? left : right;
        }
        return left;
    }

    private and(): Value {
        let left = this.equality();
        while (this.peek("&&")) {
            this.position++;
            const right = this.equality();
            left = truthy(left) ? right : left;
        }
        return left;
    }

    private equality(): Value {
        let left = this.comparison();
        while (this.peek("==") || this.peek("!=")) {
            const op = (this.tokens[this.position++] as { value: string }).value;
            const right = this.comparison();
            left = op === "==" ? looseEquals(left, right) : !looseEquals(left, right);
        }
        return left;
    }

    private comparison(): Value {
        let left = this.unary();
        while (this.peek("<") || this.peek("<=") || this.peek(">") || this.peek(">=")) {
            const op = (this.tokens[this.position++] as { value: string }).value;
            left = compare(left, this.unary(), op);
        }
        return left;
    }

    private unary(): Value {
        if (this.peek("!")) {
            this.position++;
            return !truthy(this.unary());
        }
        return this.postfix(this.primary());
    }

    private primary(): Value {
        const token = this.tokens[this.position++];
        if (token === undefined) {
            throw new Error("the expression ends too early");
        }
        if (token.kind === "literal") {
            return token.value;
        }
        if (token.kind === "op" && token.value === "(") {
            const value = this.or();
            this.expect(")");
            return value;
        }
        if (token.kind === "name") {
            if (this.peek("(")) {
                const fn = FUNCTIONS[token.value];
                if (fn === undefined) {
                    throw new Error(`the function ${token.value}() is not understood here`);
                }
                this.position++;
                const args: Value[] = [];
                while (!this.peek(")")) {
                    args.push(this.or());
                    if (!this.peek(")")) {
                        this.expect(",");
                    }
                }
                this.position++;
                return fn(args);
            }
            if (!(token.value in this.contexts)) {
                throw new Error(`the context ${token.value} is not given`);
            }
            return this.contexts[token.value];
        }
        throw new Error(`unexpected ${token.value}`);
    }

    private postfix(value: Value): Value {
        for (;;) {
            if (this.peek(".")) {
                this.position++;
                const name = this.tokens[this.position++];
                if (name === undefined || name.kind !== "name") {
                    throw new Error("expected a property name after .");
                }
                value = property(value, name.value);
            } else if (this.peek("[")) {
                this.position++;
                const key = this.or();
                this.expect("]");
                value = property(value, text(key));
            } else {
                return value;
            }
        }
    }
}

function property(value: Value, name: string): Value {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return null;
    }
    // Property names are not case-sensitive.
    const key = Object.keys(value).find(k => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? null : value[key];
}

/** Evaluates a job's or step's `if:` as GitHub does: a bare expression, or one `${{ ... }}`. */
export function evaluateCondition(condition: string | boolean | undefined, contexts: Record<string, Value>): boolean {
    if (condition === undefined) {
        return true;
    }
    if (typeof condition === "boolean") {
        return condition;
    }
    const wrapped = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition);
    const expression = wrapped ? wrapped[1] : condition;
    if (expression.includes("${{")) {
        throw new Error(`an if: with text around its expressions is always true on GitHub: ${condition}`);
    }
    return truthy(new Parser(tokenize(expression), contexts).parse());
}

export type { Value as ExpressionValue };

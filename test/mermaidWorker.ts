// The body of the Mermaid worker thread (started by test/mermaid.ts): the real
// library, an ES module, imported through a Function (which TypeScript's
// CommonJS output leaves alone). It needs a DOM for its sanitiser, given here
// by jsdom as this thread's globals. Rendering also needs text measured:
// jsdom lays nothing out, so each text is measured as 8 pixels a character.
import { JSDOM } from "jsdom";
import { parentPort } from "worker_threads";

/** A request from test/mermaid.ts: parse a source, or render it under an id. */
export interface MermaidRequest {
    readonly id: number;
    readonly op: "parse" | "render";
    readonly source: string;
    readonly svgId?: string;
}

/** The answer: what Mermaid gave back, or the message of what it threw. */
export type MermaidAnswer = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: string };

const GLOBALS = ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "Node", "DOMParser", "MutationObserver", "CSSStyleSheet"] as const;
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

async function loadMermaid(): Promise<any> {
    const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
    const window = dom.window as any;
    // Each document Mermaid's sanitiser makes registers its selector engine's
    // listeners for keyboard and mouse events on the window, and jsdom checks
    // every new listener against all before it: seconds of a layout. No event
    // is dispatched here, so the window keeps none.
    window.addEventListener = () => undefined;
    const measure = function (this: Element) {
        const length = (this.textContent ?? "").length;
        return { x: 0, y: 0, width: 8 * length, height: 16, top: 0, left: 0, right: 8 * length, bottom: 16 };
    };
    window.SVGElement.prototype.getBBox = measure;
    window.SVGElement.prototype.getComputedTextLength = function (this: Element) {
        return 8 * (this.textContent ?? "").length;
    };
    for (const name of GLOBALS) {
        Object.defineProperty(globalThis, name, { value: window[name], configurable: true, writable: true });
    }
    const mermaid = (await importModule("mermaid")).default;
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    return mermaid;
}

const mermaid = loadMermaid();
// Requests are answered one at a time, in the order they came: Mermaid keeps
// one diagram's state at a time.
let queue: Promise<unknown> = Promise.resolve();

parentPort!.on("message", (request: MermaidRequest) => {
    queue = queue.then(async () => {
        let answer: MermaidAnswer;
        try {
            const library = await mermaid;
            const result = request.op === "parse" ? await library.parse(request.source) : await library.render(request.svgId, request.source);
            answer = { id: request.id, result: JSON.parse(JSON.stringify(result)) };
        } catch (error) {
            answer = { id: request.id, error: error instanceof Error ? error.message : String(error) };
        }
        parentPort!.postMessage(answer);
    });
});

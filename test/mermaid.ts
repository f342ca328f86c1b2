// Mermaid, the real library, in a worker thread of its own
// (test/mermaidWorker.ts). Parsing and laying out diagrams under jsdom take
// seconds of CPU: a test file hands its diagrams over as mocha loads it, the
// worker works through them on the other core while the tests before run,
// and the tests await the answers. The worker is an early run (test/early.ts):
// it starts in its turn after the runs asked for before it, and holds its turn
// until the diagrams handed over by then are answered.
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { transformSync } from "@swc/core";
import { startEarly } from "./early";
import type { MermaidAnswer, MermaidRequest } from "./mermaidWorker";

export interface MermaidThread {
    /** mermaid.parse: what it gives, or a rejection with Mermaid's message. */
    parse(source: string): Promise<any>;
    /** mermaid.render: the SVG it draws. */
    render(svgId: string, source: string): Promise<{ svg: string }>;
    close(): Promise<void>;
}

const BODY = path.join(__dirname, "mermaidWorker.ts");

/**
 * The worker's code as JavaScript, compiled here with swc (which this
 * process has loaded already), so that the thread does not load ts-node and
 * TypeScript again; its require resolves from the file's own folder.
 */
function workerCode(): string {
    const { code } = transformSync(fs.readFileSync(BODY, "utf8"), {
        filename: BODY,
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
    });
    return `(function (require, exports, module) {\n${code}\n})(require("module").createRequire(${JSON.stringify(BODY)}), {}, {});`;
}

export function startMermaid(): MermaidThread {
    let worker: Worker | undefined;
    let closed = false;
    const unsent: MermaidRequest[] = [];
    const pending = new Map<number, { answer: Promise<any>; resolve: (value: any) => void; reject: (error: Error) => void }>();
    let next = 0;
    const failAll = (error: Error) => {
        pending.forEach(p => p.reject(error));
        pending.clear();
    };

    const turn = startEarly(async () => {
        if (closed) {
            return;
        }
        worker = new Worker(workerCode(), { eval: true });
        // The worker never keeps mocha from ending, whether or not a test closes it.
        worker.unref();
        worker.on("message", (answer: MermaidAnswer) => {
            const waiting = pending.get(answer.id)!;
            pending.delete(answer.id);
            if ("error" in answer) {
                waiting.reject(new Error(answer.error));
            } else {
                waiting.resolve(answer.result);
            }
        });
        worker.on("error", failAll);
        worker.on("exit", code => failAll(new Error(`the Mermaid worker exited with ${code}`)));
        unsent.splice(0).forEach(request => worker!.postMessage(request));
        await Promise.allSettled([...pending.values()].map(p => p.answer));
    });
    turn.catch(failAll);

    const ask = (request: Omit<MermaidRequest, "id">) => {
        const id = next++;
        let settle!: { resolve: (value: any) => void; reject: (error: Error) => void };
        const answer = new Promise<any>((resolve, reject) => (settle = { resolve, reject }));
        // Asked early, awaited later: a rejection is the awaiting test's.
        answer.catch(() => undefined);
        pending.set(id, { answer, ...settle });
        if (worker === undefined) {
            unsent.push({ ...request, id });
        } else {
            worker.postMessage({ ...request, id });
        }
        return answer;
    };
    return {
        parse: source => ask({ op: "parse", source }),
        render: (svgId, source) => ask({ op: "render", source, svgId }),
        close: async () => {
            closed = true;
            await worker?.terminate();
        },
    };
}

// Mermaid, the real library, in a worker thread of its own
// (test/mermaidWorker.ts). Parsing and laying out diagrams under jsdom take
// seconds of CPU: a test file hands its diagrams over as mocha loads it, the
// worker works through them on the other core while the tests before run,
// and the tests await the answers.
import * as path from "path";
import { Worker } from "worker_threads";
import type { MermaidAnswer, MermaidRequest } from "./mermaidWorker";

export interface MermaidThread {
    /** mermaid.parse: what it gives, or a rejection with Mermaid's message. */
    parse(source: string): Promise<any>;
    /** mermaid.render: the SVG it draws. */
    render(svgId: string, source: string): Promise<{ svg: string }>;
    close(): Promise<void>;
}

const REGISTER_TS = path.join(__dirname, "..", "scripts", "register-ts.js");
const BODY = path.join(__dirname, "mermaidWorker.ts");

export function startMermaid(): MermaidThread {
    const worker = new Worker(`require(${JSON.stringify(REGISTER_TS)}); require(${JSON.stringify(BODY)});`, { eval: true });
    // The worker never keeps mocha from ending, whether or not a test closes it.
    worker.unref();
    const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
    let next = 0;
    const failAll = (error: Error) => {
        pending.forEach(p => p.reject(error));
        pending.clear();
    };
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

    const ask = (request: Omit<MermaidRequest, "id">) => {
        const id = next++;
        const answer = new Promise<any>((resolve, reject) => pending.set(id, { resolve, reject }));
        // Asked early, awaited later: a rejection is the awaiting test's.
        answer.catch(() => undefined);
        worker.postMessage({ ...request, id });
        return answer;
    };
    return {
        parse: source => ask({ op: "parse", source }),
        render: (svgId, source) => ask({ op: "render", source, svgId }),
        close: async () => {
            await worker.terminate();
        },
    };
}

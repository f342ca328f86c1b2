// A kubectl stand-in for the live checks' tests: no test reaches a cluster.

/** Answers from `reply(args)`, throws like kubectl when it returns an Error; records every call. */
export function fakeKubectl(reply: (args: string[]) => string | Error) {
    const calls: string[][] = [];
    const run = (args: string[]) => {
        calls.push(args);
        const answer = reply(args);
        if (answer instanceof Error) {
            throw answer;
        }
        return answer;
    };
    return { run, calls };
}

// What the live checks share about kubectl: the checks take it as a function
// (tests pass a fake, test/checks/fakeKubectl.ts) and read its JSON untyped.

/** Runs kubectl with these arguments and returns its stdout; throws when kubectl fails. */
export type Kubectl = (args: string[]) => string;

/** An object kubectl printed (a Node, Pod, Service, Lease...): read defensively, field by field. */
export type KubeObject = any;

/** A failure of a child process as execFileSync throws it: stderr and code when it ran, message always. */
export interface ToolError {
    readonly message: string;
    readonly stderr?: string | Buffer;
    readonly code?: string;
}

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

/**
 * The line of kubectl's stderr that says what went wrong: its last plain line
 * ("The connection to the server ... was refused"), not the klog lines
 * ("E1126 12:00:00 ... memcache.go ...") it prints before it.
 */
export function kubectlErrorLine(stderr: string): string {
    const lines = stderr.split("\n").map(line => line.trim()).filter(line => line !== "");
    const plain = lines.filter(line => !/^[IWEF][0-9]{4} /.test(line));
    return plain[plain.length - 1] ?? lines[lines.length - 1] ?? "kubectl failed without a message";
}

// Tests send nothing to a LAN or any address but loopback: the checks under
// test probe VIPs and talk to API servers, so a mistake in a fake would reach
// the real network. One guard for every test that runs such code: in the
// mocha process (`loopbackOnly()` in a describe) and in the Node processes the
// tests start (`LOOPBACK_ONLY_NODE_ARGS` before the script), where
// loopbackOnlyPreload.ts installs it before the script's first line.
import * as net from "net";
import * as path from "path";

/** Loopback as a host name or address: 127.0.0.0/8, ::1, IPv4-mapped 127.x and localhost. */
const LOOPBACK = /^(127\.|::1$|::ffff:127\.|localhost$)/;

export function isLoopback(host: string): boolean {
    return LOOPBACK.test(host);
}

/** The host a call of net.Socket's connect names, in each of the forms Node accepts; undefined for a Unix socket. */
function hostOf(args: readonly unknown[]): string | undefined {
    const first = args[0];
    const options = Array.isArray(first) ? first[0] : typeof first === "object" && first !== null ? first : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
    if ((options as { path?: unknown })?.path !== undefined || typeof first === "string" && !/^\d+$/.test(first)) {
        return undefined;
    }
    return String((options as { host?: unknown })?.host ?? "localhost");
}

/**
 * Makes every TCP connection of this process (net, tls, http, https: all go
 * through net.Socket's connect) to an address that is not loopback throw
 * before a packet leaves. Returns what puts connect back.
 */
export function refuseNonLoopback(): () => void {
    const original = net.Socket.prototype.connect;
    (net.Socket.prototype as { connect: unknown }).connect = function (this: net.Socket, ...args: unknown[]) {
        const host = hostOf(args);
        if (host !== undefined && !isLoopback(host)) {
            throw new Error(`a test tried to connect to ${host}: tests may only reach loopback addresses`);
        }
        return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    };
    return () => {
        net.Socket.prototype.connect = original;
    };
}

/** The guard for the tests of the describe it is called in. */
export function loopbackOnly(): void {
    let restore: (() => void) | undefined;
    before(() => {
        restore = refuseNonLoopback();
    });
    after(() => restore?.());
}

/** Node's arguments, before the script, that run the project's TypeScript with the guard installed. */
export const LOOPBACK_ONLY_NODE_ARGS: readonly string[] = [
    "-r", path.join(__dirname, "..", "..", "scripts", "register-ts.js"),
    "-r", path.join(__dirname, "loopbackOnlyPreload.ts"),
];

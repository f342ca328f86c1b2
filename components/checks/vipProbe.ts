// Whether a device already answers on an address of the LAN, for the
// preflight's check that no VIP of the stack is taken before the first deploy:
// a TCP connection attempt to a few common ports, then this machine's ARP
// table. Only the preflight calls it, and tests replace every part of it.

import * as fs from "node:fs";
import * as net from "node:net";

/** Whether an address answers, and the proof or what was tried. */
export interface ProbeResult {
    readonly answers: boolean;
    readonly detail: string;
}

/** What tests replace: the connection attempt, the ARP table, the ports, the timeout. */
export interface ProbeDeps {
    readonly connect?: (address: string, port: number, timeoutMs: number) => Promise<string>;
    readonly readArp?: () => string | undefined;
    readonly ports?: readonly number[];
    readonly timeoutMs?: number;
}

const PROBE_PORTS = [22, 80, 443, 6443];

/**
 * One TCP connection attempt: "open", "refused" (a host sent a reset: someone
 * holds the address), or why nothing answered. Never rejects.
 */
export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<string> {
    return new Promise<string>(resolve => {
        const socket = net.connect({ host: address, port });
        const done = (outcome: string): void => {
            clearTimeout(timer);
            socket.destroy();
            resolve(outcome);
        };
        const timer = setTimeout(() => done("no answer"), timeoutMs);
        socket.once("connect", () => done("open"));
        socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "refused" : error.code ?? error.message));
    });
}

/** The MAC of a complete entry for `address` in /proc/net/arp's text, or undefined. */
export function arpEntry(text: string, address: string): string | undefined {
    for (const line of String(text).split("\n").slice(1)) {
        const [ip, , flags, mac] = line.trim().split(/\s+/);
        // Flag 0x2 (ATF_COM) marks a resolved entry; an unanswered ARP request leaves 0x0 and a zero MAC.
        if (ip === address && (parseInt(flags, 16) & 0x2) !== 0 && mac !== undefined && mac !== "00:00:00:00:00:00") {
            return mac;
        }
    }
    return undefined;
}

function readProcArp(): string | undefined {
    try {
        return fs.readFileSync("/proc/net/arp", "utf8");
    } catch {
        return undefined; // not Linux: the TCP attempts alone decide
    }
}

/**
 * Whether some host already answers on `address`: a TCP connection attempt
 * to a few common ports (accepted or refused, either proves a host), then this
 * machine's ARP table, which those attempts filled if the address is on the
 * LAN. `deps` replaces the connection attempt, the ARP table and the ports.
 */
export async function probeAddress(address: string, deps: ProbeDeps = {}): Promise<ProbeResult> {
    const connect = deps.connect ?? tcpConnect;
    const readArp = deps.readArp ?? readProcArp;
    const ports = deps.ports ?? PROBE_PORTS;
    const timeoutMs = deps.timeoutMs ?? 800;
    const outcomes = await Promise.all(ports.map(async port => ({ port, outcome: await connect(address, port, timeoutMs) })));
    const answered = outcomes.find(o => o.outcome === "open" || o.outcome === "refused");
    if (answered !== undefined) {
        return { answers: true, detail: `TCP port ${answered.port} ${answered.outcome === "open" ? "accepted" : "refused"} a connection` };
    }
    const arp = readArp();
    const mac = arp === undefined ? undefined : arpEntry(arp, address);
    if (mac !== undefined) {
        return { answers: true, detail: `the device with MAC ${mac} answered ARP for it` };
    }
    return { answers: false, detail: `no answer on TCP ${ports.join(", ")}${arp === undefined ? "" : " and no ARP entry"}` };
}

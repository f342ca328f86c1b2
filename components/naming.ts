// Small naming helpers shared by value builders.

/** The last octet of a dotted-quad address, e.g. 239 for 192.168.1.239. */
export function ipv4LastOctet(address: string): number {
    const octets = address.split(".");
    const last = Number(octets[octets.length - 1]);
    if (octets.length !== 4 || !Number.isInteger(last)) {
        throw new Error(`${address} is not a dotted-quad IPv4 address`);
    }
    return last;
}

// The loopback guard every test that runs network code shares
// (loopbackOnly.ts): it must stop a connection to any other address, in the
// mocha process and in the processes the tests start, or the checks that use
// it prove nothing. The address refused is 0.0.0.0, which Linux connects to
// this machine: were the guard broken, nothing would leave it.
import * as assert from "assert";
import { execFile } from "child_process";
import * as net from "net";
import { LOOPBACK_ONLY_NODE_ARGS, isLoopback, refuseNonLoopback } from "./loopbackOnly";

describe("the loopback guard of the tests", () => {
    it("knows loopback from every other address", () => {
        assert.deepStrictEqual(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"].map(isLoopback), [true, true, true, true, true]);
        assert.deepStrictEqual(["0.0.0.0", "192.168.1.230", "10.43.0.1", "::", "example.org", "localhost.example.org"].map(isLoopback), [false, false, false, false, false, false]);
    });

    it("refuses a connection to another address before it is made, lets loopback through, and puts connect back", async () => {
        const original = net.Socket.prototype.connect;
        const server = net.createServer(socket => socket.end());
        await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
        const restore = refuseNonLoopback();
        try {
            assert.throws(() => net.connect({ host: "0.0.0.0", port: 9 }), /tests may only reach loopback addresses/);
            assert.throws(() => net.connect(9, "0.0.0.0"), /a test tried to connect to 0\.0\.0\.0/);
            const port = (server.address() as net.AddressInfo).port;
            await new Promise<void>((resolve, reject) => net.connect(port, "127.0.0.1", resolve).on("error", reject));
        } finally {
            restore();
            server.close();
        }
        assert.strictEqual(net.Socket.prototype.connect, original);
    });

    it("is installed in a process a test starts with LOOPBACK_ONLY_NODE_ARGS", function (done) {
        this.timeout(20000);
        const script = "require('net').connect(9, '0.0.0.0').on('error', () => undefined)";
        execFile(process.execPath, [...LOOPBACK_ONLY_NODE_ARGS, "-e", script], (error, _stdout, stderr) => {
            assert.strictEqual(error?.code, 1);
            assert.match(stderr, /a test tried to connect to 0\.0\.0\.0: tests may only reach loopback addresses/);
            done();
        });
    });
});

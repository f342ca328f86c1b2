// The home stack's Traefik frontends, as the importer's tests give them:
// web/websecure on 192.168.1.231, web239/websecure239 on 192.168.1.239.
import * as assert from "assert";
import { address } from "../../config/addressPlan";
import { allFrontends, ingressFrontends } from "../../platform/traefik";
import { parseIpv4 } from "../../policy/addressing";

function ip(text: string) {
    const parsed = parseIpv4(text);
    assert.ok(parsed.ok);
    return address(parsed.value);
}

export const HOME_FRONTENDS = ingressFrontends(ip("192.168.1.231"), ip("192.168.1.239"));
/** Every entrypoint name of those frontends. */
export const HOME_ENTRYPOINTS = allFrontends(HOME_FRONTENDS).flatMap(f => f.entrypoints.map(e => e.name));

// Declares resources with the SDK itself under Pulumi's mocks, so the
// catalogues' extra resources carry the SDK's type tokens and input shapes.

import * as pulumi from "@pulumi/pulumi";
import { waitForRPCs, withoutStackTraces } from "../../scripts/offlineRun";
import { PolicyInput } from "../../scripts/policyRunner";

export /** Declares resources with the SDK under mocks and returns them as the engine would send them. */
async function record(build: () => void): Promise<PolicyInput[]> {
    const recorded: PolicyInput[] = [];
    await pulumi.runtime.setMocks({ newResource: args => ({ id: `${args.name}-id`, state: args.inputs }), call: args => args.inputs }, "homelab-network", "home", false);
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => register(req, (err: unknown, resp: any) => {
        if (!err && !req.getType().startsWith("pulumi:providers:")) {
            recorded.push({
                type: req.getType(), name: req.getName(), urn: resp.getUrn(), parent: req.getParent() === "" ? undefined : req.getParent(),
                props: pulumi.runtime.deserializeProperties(req.getObject()),
            });
        }
        callback(err, resp);
    });
    await withoutStackTraces(async () => {
        build();
        await waitForRPCs();
    });
    return recorded;
}

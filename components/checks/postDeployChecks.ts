import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "../component";
import { clusterCheckCommand } from "./commands";

export interface PostDeployChecksArgs {
    readonly apiServerUrl: string;
    /** Service name -> the VIP it pins. */
    readonly serviceAddresses: Record<string, string>;
    readonly serviceNamespace: string;
    /**
     * What the checks prove depends on: versions, addresses, devices. A change
     * of any of them re-runs the checks after the update.
     */
    readonly rerunWhenChanged: Record<string, unknown>;
}

/** The JSON the check script reads; also what makes the check re-run when it changes. */
export function postDeployCheckSpec(args: Omit<PostDeployChecksArgs, "rerunWhenChanged">): string {
    return JSON.stringify({ apiServerUrl: args.apiServerUrl, serviceAddresses: args.serviceAddresses, serviceNamespace: args.serviceNamespace });
}

/**
 * After an update, checks the live cluster against the plan (API on its VIP,
 * each Traefik Service on its pinned address, Cilium rolled out). A failure
 * fails the update with what to look at. Turn off per stack with
 * `pulumi config set postDeployChecks false`.
 */
export class PostDeployChecks extends NetworkComponent {
    constructor(name: string, args: PostDeployChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:PostDeployChecks", name, opts);
        const spec = postDeployCheckSpec(args);
        const check = new command.local.Command(`${name}-run`, {
            create: clusterCheckCommand("post-deploy", spec),
            triggers: [spec, JSON.stringify(args.rerunWhenChanged)],
        }, this.childOptions());
        this.registerOutputs({ result: check.stdout });
    }
}

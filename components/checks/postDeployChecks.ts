import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AddressOwnership } from "../../config/reservations";
import { LOADBALANCER_IPS_ANNOTATION } from "../../policy/definitions";
import { CILIUM, HUBBLE_TLS } from "../cilium/names";
import { NetworkComponent } from "../component";
import { auditCommand, clusterCheckCommand } from "./commands";

export interface PostDeployChecksArgs {
    readonly apiServerUrl: string;
    /** Service name -> the VIP it pins. */
    readonly serviceAddresses: Record<string, string>;
    readonly serviceNamespace: string;
    /** The addresses Applications own: a Service of the owner must hold each, and no other Service. */
    readonly ownership: AddressOwnership;
    /**
     * What the checks prove depends on: versions, addresses, devices. A change
     * of any of them re-runs the checks after the update.
     */
    readonly rerunWhenChanged: Record<string, unknown>;
}

/** The JSON the check script reads; also what makes the check re-run when it changes. */
export function postDeployCheckSpec(args: Omit<PostDeployChecksArgs, "rerunWhenChanged">): string {
    const reservations = args.ownership.reservations
        .filter(r => r.owner.kind === "application")
        .map(r => ({ address: r.address.text, namespace: r.owner.namespace, application: r.owner.application, owner: r.owner.description }));
    return JSON.stringify({
        apiServerUrl: args.apiServerUrl,
        serviceAddresses: args.serviceAddresses,
        serviceNamespace: args.serviceNamespace,
        cilium: { namespace: CILIUM.namespace, workloads: [`daemonset/${CILIUM.agentDaemonSet}`, `deployment/${CILIUM.operatorDeployment}`] },
        hubbleCa: HUBBLE_TLS.ca,
        ...(reservations.length === 0 ? {} : { reservations, loadBalancerIpsAnnotation: LOADBALANCER_IPS_ANNOTATION }),
    });
}

/**
 * After an update, checks the live cluster against the plan (API on its VIP,
 * each Traefik Service on its pinned address, each Application-owned address
 * held by its owner's Service and no other, Cilium rolled out, Hubble's CA
 * more than 90 days from expiry), then runs the live audit over the whole
 * cluster (homelab-network audit). A failure
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
        // The live audit of this stack's plan: every promise the pack holds a preview to, against what runs (docs/audit.md).
        const audit = new command.local.Command(`${name}-audit`, {
            create: auditCommand(pulumi.getStack()),
            triggers: [spec, JSON.stringify(args.rerunWhenChanged)],
        }, this.childOptions([check]));
        this.registerOutputs({ result: check.stdout, audit: audit.stdout });
    }
}

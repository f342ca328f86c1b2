import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "../component";
import type { StackSettings } from "../../config/stack";
import { allFrontends } from "../../platform/traefik";
import { NODE_TS, PREFLIGHT_SCRIPT, shellQuote } from "./commands";

// The Pulumi side of the preflight; the checks themselves are preflight.ts
// beside this file, run as its own process on the machine that runs pulumi up.

/** What the preflight compares the cluster with: the stack's own values. */
export interface PreflightArgs {
    readonly controlPlaneVip: string;
    /** The two Traefik VIPs. */
    readonly ingressVips: readonly [string, string] | readonly string[];
    readonly podCidr: string;
    readonly serviceCidr: string;
    /** The pinned Cilium version, e.g. 1.19.6: decides which Kubernetes minors are supported. */
    readonly ciliumVersion: string;
    /** The cluster runs kube-vip on these VIPs today: an answering VIP passes when this cluster's kube-vip holds it. */
    readonly adoptRunningKubeVip: boolean;
}

/** What the preflight checks, from the stack's typed settings. */
export function preflightArgs(settings: Pick<StackSettings, "addresses" | "versions" | "adoptRunningKubeVip">): PreflightArgs {
    const network = settings.addresses;
    return {
        controlPlaneVip: network.controlPlaneVip.text,
        ingressVips: allFrontends(network.ingress).map(f => f.vip.text),
        podCidr: network.podCidr.cidr,
        serviceCidr: network.serviceCidr.cidr,
        ciliumVersion: settings.versions.cilium,
        adoptRunningKubeVip: settings.adoptRunningKubeVip,
    };
}

/** The preflight script's options. */
export function preflightOptions(args: PreflightArgs): string[] {
    return [
        "--control-plane-vip", args.controlPlaneVip,
        "--ingress-vip", args.ingressVips[0],
        "--ingress-secondary-vip", args.ingressVips[1],
        "--pod-cidr", args.podCidr,
        "--service-cidr", args.serviceCidr,
        "--cilium-version", args.ciliumVersion,
        ...(args.adoptRunningKubeVip ? ["--adopt-running-kube-vip"] : []),
    ];
}

/** The preflight's command line, run from the project directory. */
export function preflightCommand(args: PreflightArgs, firstDeploy: boolean): string {
    const options = preflightOptions(args);
    const flags = options.map(value => (value.startsWith("--") ? value : shellQuote(value))).join(" ");
    return `${NODE_TS.join(" ")} ${PREFLIGHT_SCRIPT} ${flags}${firstDeploy ? " --first-deploy" : ""}`;
}

/**
 * The first step of `pulumi up`: checks that the K3s cluster was installed as
 * this stack needs (flags, CIDRs, a Kubernetes minor the pinned Cilium
 * supports) and, on the first deploy only, that no VIP of the stack is
 * already held by another device (with adoptRunningKubeVip, a VIP this
 * cluster's running kube-vip holds is taken over instead). Everything that touches the cluster waits
 * for it. It runs on create (first deploy, with the VIP probe) and again,
 * without the probe, whenever one of the values it checks changes; never in
 * a preview.
 */
export class Preflight extends NetworkComponent {
    public readonly check: command.local.Command;

    constructor(name: string, args: PreflightArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:Preflight", name, opts);
        // `update` is set, so a change of these values runs `update` (no probe: the
        // stack's own VIPs answer by then); only a create runs `create`.
        this.check = new command.local.Command(`${name}-run`, {
            create: preflightCommand(args, true),
            update: preflightCommand(args, false),
        }, this.childOptions());
        this.registerOutputs({ result: this.check.stdout });
    }
}

import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterCheckCommand } from "../checks/commands";
import { NetworkComponent } from "../component";
import type { ConnectionPolicies } from "../network-policy/graph";
import { NetworkPolicySet } from "../network-policy/policySet";
import { CILIUM, HUBBLE_UI, OPERATOR_REGISTERED_CRDS } from "./names";
import { hubblePolicies } from "./policies";
import { CiliumSettings, ciliumValues } from "./values";

export interface CiliumArgs extends CiliumSettings {
    /** The chart version, which is also the version of Cilium's images. */
    readonly version: string;
    /** The Applications' connections, some of which involve Hubble's pods. */
    readonly connections: ConnectionPolicies;
}

/**
 * Cilium, the CNI: pods get no network until it runs. Protected, because
 * deleting it takes every pod off the network; to remove it on purpose, see
 * docs/runbooks.md (pulumi state unprotect, then destroy).
 *
 * `crdsReady` completes once the operator has registered the policy CRDs,
 * which it does at start-up, after the Helm release is installed.
 */
export class Cilium extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    public readonly crdsReady: command.local.Command;
    public readonly hubbleUi: string;

    constructor(name: string, args: CiliumArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:Cilium", name, opts);
        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: CILIUM.release,
            namespace: CILIUM.namespace,
            chart: CILIUM.chart,
            version: args.version,
            repositoryOpts: { repo: CILIUM.repository },
            values: ciliumValues(args),
            // Helm waits for the agents and the operator to be ready.
            skipAwait: false,
            timeout: 600,
        }, this.childOptions([], { protect: true }));
        this.crdsReady = new command.local.Command(`${name}-crds-ready`, {
            create: clusterCheckCommand("wait-for-crds", "300", ...OPERATOR_REGISTERED_CRDS),
            // Wait again after an upgrade of Cilium (the operator restarts).
            triggers: [args.version],
        }, this.childOptions([this.release]));
        new NetworkPolicySet(`${name}-hubble-policies`, { policies: hubblePolicies(args.connections) }, this.childOptions([this.crdsReady]));
        this.hubbleUi = `kubectl -n ${HUBBLE_UI.namespace} port-forward svc/${HUBBLE_UI.service} 12000:${HUBBLE_UI.servicePort}, then open http://localhost:12000`;
        this.registerOutputs({ releaseStatus: this.release.status, hubbleUi: this.hubbleUi });
    }
}

import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CiliumSettings, HUBBLE_UI, OPERATOR_REGISTERED_CRDS, ciliumValues } from "./ciliumValues";
import { NetworkComponent } from "./networkComponent";
import { NetworkPolicySet } from "./networkPolicySet";
import { platformPolicies } from "./platformPolicies";

export interface CiliumArgs extends CiliumSettings {
    /** The chart version, which is also the version of Cilium's images. */
    readonly version: string;
}

export const CILIUM_REPOSITORY = "https://helm.cilium.io/";

/**
 * Cilium, the CNI: pods get no network until it runs. Protected, because
 * deleting it takes every pod off the network; to remove it on purpose, see
 * the README's runbook (pulumi state unprotect, then destroy).
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
            name: "cilium",
            namespace: "kube-system",
            chart: "cilium",
            version: args.version,
            repositoryOpts: { repo: CILIUM_REPOSITORY },
            values: ciliumValues(args),
            // Helm waits for the agents and the operator to be ready.
            skipAwait: false,
            timeout: 600,
        }, this.childOptions([], { protect: true }));
        this.crdsReady = new command.local.Command(`${name}-crds-ready`, {
            create: `node scripts/cluster-checks.js wait-for-crds 300 ${OPERATOR_REGISTERED_CRDS.join(" ")}`,
            // Wait again after an upgrade of Cilium (the operator restarts).
            triggers: [args.version],
        }, this.childOptions([this.release]));
        new NetworkPolicySet(`${name}-hubble-policies`, {
            policies: platformPolicies.hubble(),
        }, { parent: this, dependsOn: [this.crdsReady] });
        this.hubbleUi = `kubectl -n ${HUBBLE_UI.namespace} port-forward svc/${HUBBLE_UI.service} 12000:${HUBBLE_UI.servicePort}, then open http://localhost:12000`;
        this.registerOutputs({ releaseStatus: this.release.status, hubbleUi: this.hubbleUi });
    }
}

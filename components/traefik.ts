import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "./networkComponent";
import { Connection } from "./networkPolicies";
import { NetworkPolicySet } from "./networkPolicySet";
import { platformPolicies } from "./platformPolicies";
import { TRAEFIK_NAMESPACE, TRAEFIK_RELEASE, TraefikLayout, traefikValues } from "./traefikValues";

export interface TraefikArgs {
    readonly layout: TraefikLayout;
    readonly chartVersion: string;
    /** Where Traefik forwards to: the apps that declare ingress ports. */
    readonly backends: readonly Connection[];
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
}

export const TRAEFIK_REPOSITORY = "https://traefik.github.io/charts";

/**
 * Traefik, the ingress controller, behind two LoadBalancer Services pinned to
 * the ingress VIPs. Its release waits (through the component's dependsOn) for
 * the cloud provider, which hands the Services their addresses.
 */
export class Traefik extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    public readonly serviceAddresses: Record<string, string>;
    /** How to reach the dashboard, which is on no Service. */
    public readonly dashboard: string;

    constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:Traefik", name, opts);
        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: TRAEFIK_NAMESPACE },
        }, this.childOptions());
        const policies = new NetworkPolicySet(`${name}-policies`, {
            policies: platformPolicies.traefik(args.layout, args.backends),
        }, { parent: this, dependsOn: [namespace, args.ciliumCrds] });
        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: TRAEFIK_RELEASE,
            namespace: TRAEFIK_NAMESPACE,
            chart: "traefik",
            version: args.chartVersion,
            repositoryOpts: { repo: TRAEFIK_REPOSITORY },
            values: traefikValues(args.layout),
            skipAwait: false,
            timeout: 600,
        }, this.childOptions([namespace, policies]));
        this.serviceAddresses = {
            [args.layout.primary.serviceName]: args.layout.primary.vip,
            [args.layout.secondary.serviceName]: args.layout.secondary.vip,
        };
        this.dashboard = `kubectl -n ${TRAEFIK_NAMESPACE} port-forward deploy/${TRAEFIK_RELEASE} 8080:8080, then open http://localhost:8080/dashboard/`;
        this.registerOutputs({ releaseStatus: this.release.status, serviceAddresses: this.serviceAddresses, dashboard: this.dashboard });
    }
}

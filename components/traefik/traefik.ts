import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkComponent } from "../component";
import { namespacedRelease } from "../namespacedRelease";
import { applyCrdsCommand } from "./commands";
import { IngressFrontends, allFrontends } from "../../platform/traefik";
import { TRAEFIK } from "./names";
import { TraefikConnections, traefikPolicies } from "./policies";
import { traefikValues } from "./values";

export interface TraefikArgs {
    readonly frontends: IngressFrontends;
    readonly chartVersion: string;
    /** The Applications' connections with Traefik: the apps it publishes, the pods that call their public hostnames. */
    readonly connections: TraefikConnections;
    /** The wait for Cilium's policy CRDs. */
    readonly ciliumCrds: pulumi.Resource;
}

/**
 * Traefik, the ingress controller, behind two LoadBalancer Services pinned to
 * the ingress VIPs. Its release waits (through the component's dependsOn) for
 * the cloud provider, which hands the Services their addresses.
 */
export class Traefik extends NetworkComponent {
    public readonly release: k8s.helm.v3.Release;
    /** Applies the pinned chart's CRDs, before the release and again on every chart upgrade. */
    public readonly crds: command.local.Command;
    /** Service name -> the VIP it pins. */
    public readonly serviceAddresses: Record<string, string>;
    /** How to reach the dashboard, which is on no Service. */
    public readonly dashboard: string;

    constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
        super("homelab:network:Traefik", name, opts);
        // A new chart version changes the command line, which runs it again.
        this.crds = new command.local.Command(`${name}-crds`, { create: applyCrdsCommand(args.chartVersion) }, this.childOptions());
        this.release = namespacedRelease(this, name, {
            namespace: TRAEFIK.namespace,
            policies: traefikPolicies(args.frontends, args.connections),
            ciliumCrds: args.ciliumCrds,
            release: {
                name: TRAEFIK.release,
                chart: TRAEFIK.chart,
                repository: TRAEFIK.repository,
                version: args.chartVersion,
                values: traefikValues(args.frontends),
                // The CRDs come from this.crds, upgraded with the chart.
                skipCrds: true,
            },
            releaseDependsOn: [this.crds],
        });
        this.serviceAddresses = Object.fromEntries(allFrontends(args.frontends).map(f => [f.serviceName, f.vip.text]));
        this.dashboard = `kubectl -n ${TRAEFIK.namespace} port-forward deploy/${TRAEFIK.release} ${TRAEFIK.dashboardPort}:${TRAEFIK.dashboardPort}, then open http://localhost:${TRAEFIK.dashboardPort}/dashboard/`;
        this.registerOutputs({ releaseStatus: this.release.status, serviceAddresses: this.serviceAddresses, dashboard: this.dashboard });
    }
}

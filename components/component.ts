import * as pulumi from "@pulumi/pulumi";

/**
 * A ComponentResource whose children wait for the component's own dependsOn.
 *
 * Pulumi does not pass a component's dependsOn on to the resources created
 * inside it: without this, `new Traefik(..., { dependsOn: [cilium] })` would
 * register Traefik's Helm release at once, before the CNI exists. Every child,
 * custom or component, is built with `childOptions`.
 */
export abstract class NetworkComponent extends pulumi.ComponentResource {
    private readonly inheritedDependsOn: pulumi.Input<pulumi.Resource>[];

    protected constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        const dependsOn = opts?.dependsOn;
        this.inheritedDependsOn = dependsOn === undefined ? [] : Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
    }

    /** Options for a child: parented here, waiting for the component's dependencies and `extra`. */
    childOptions(extra: pulumi.Resource[] = [], opts: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { ...opts, parent: this, dependsOn: [...this.inheritedDependsOn, ...extra] };
    }
}

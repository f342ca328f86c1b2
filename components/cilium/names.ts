// Every name of Cilium's part of the network, defined once in
// platform/cilium.ts, below config, which names Hubble's pods too.

export * from "../../platform/cilium";

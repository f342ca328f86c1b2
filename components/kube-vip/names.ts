// Every name of kube-vip's part of the network, defined once in
// platform/kube-vip.ts, beside the other parts' names.

export * from "../../platform/kube-vip";

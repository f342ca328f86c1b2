// Every name of Argo CD's part of the network, defined once in
// platform/argocd.ts, below config, which names Argo CD's namespace too.

export * from "../../platform/argocd";

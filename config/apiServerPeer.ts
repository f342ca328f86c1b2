// The Kubernetes API server as the other end of a CiliumNetworkPolicy rule:
// the Cilium entities that `entity: apiserver` (and the older `apiServer:
// true`) stand for, per direction. Pure.
//
// K3s runs the API server inside the k3s process of every server, on the
// node's own address. Cilium labels the addresses behind the `kubernetes`
// Service `kube-apiserver`, on top of `host` (this node) or `remote-node`
// (another node).
//
// To the API server (egress): a pod's call to the kubernetes Service is
// translated to a server's node address (kube-proxy replacement) before
// policy, and that address carries the kube-apiserver label, whichever node
// it is. `toEntities: [kube-apiserver]` is enough, and opens nothing else of
// the nodes.
//
// From the API server (ingress: admission and conversion webhooks, aggregated
// APIs): the source address decides the identity, and in tunnel mode (this
// program's routingMode) an API server on another node reaches a pod from that
// node's cilium_host address, which Cilium knows only as `remote-node`, never
// as kube-apiserver (cilium/cilium#18049, #27967, #43260; PR #45718 says the
// overlay fix-up "was never effective" for `fromEntities: kube-apiserver`).
// `fromEntities: [kube-apiserver]` alone therefore times out every webhook
// call made by a server that does not run the webhook's pod, as soon as the
// cluster has two servers. `remote-node` admits those calls. An API server on
// the pod's own node calls from the node itself, identity `host`: Cilium adds
// the kube-apiserver label to the host identity when one of the node's own
// addresses backs the kubernetes Service (pkg/ipcache, the merged labels of
// reserved:host), so kube-apiserver already covers it and `host` is not
// listed. The home cluster's hand-written webhook policy
// (apps/certmanager/k8s.np.certmanager.yaml) allows the same two entities.
// The price: host-network processes of the other nodes (the kubelet, node
// exporters) may reach the webhook's port too; nothing else of the cluster can.

/** `toEntities` for a call to the API server. */
export const API_SERVER_AS_DESTINATION = ["kube-apiserver"] as const;

/** `fromEntities` for a call from the API server: kube-apiserver (on the pod's own node, the host identity carries it), remote-node (another node, tunnel mode). */
export const API_SERVER_AS_SOURCE = ["kube-apiserver", "remote-node"] as const;

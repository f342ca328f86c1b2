// The network stack of one environment, declared in the order the network
// comes up on a fresh K3s cluster (no CNI, no kube-proxy, no service LB yet).
import { describeAddresses } from "./config/addressPlan";
import { loadStackSettings } from "./config/load";
import { serviceInstructions } from "./components/kube-vip/instructions";
import { ArgoCd } from "./components/argocd/argoCd";
import { ApplicationNamespace, ArgoCdApplication, creationOrder } from "./components/argocd/application";
import { awaitedApplications } from "./config/syncOptions";
import { PostDeployChecks } from "./components/checks/postDeployChecks";
import { Preflight, preflightArgs } from "./components/checks/preflightComponent";
import { Cilium } from "./components/cilium/cilium";
import { KubeVipCloudProvider } from "./components/kube-vip/cloudProvider";
import { KubeVipControlPlane } from "./components/kube-vip/controlPlane";
import { KubeVipServices } from "./components/kube-vip/services";
import { connectionPolicies } from "./components/network-policy/graph";
import { Traefik } from "./components/traefik/traefik";
import { secondaryIngressAnnotation } from "./components/traefik/values";
import { PlatformUi, routeUrl, uiAccess, withUiRoutes } from "./components/traefik/platformUis";
import { PLATFORM_ACCESS_KEYS } from "./config/platformAccess";
import { ARGOCD } from "./platform/argocd";
import { HUBBLE_UI } from "./platform/cilium";
import { TRAEFIK } from "./platform/traefik";
import { installStackTraceRules } from "./components/stackTraces";

// Here, not as a --require in Pulumi.yaml's nodeargs: that runs before Pulumi's runner registers ts-node, whose formatter these rules wrap.
installStackTraceRules();

// 1. Config: every address, range, interface and version, validated at once.
const settings = loadStackSettings();
const network = settings.addresses;
const versions = settings.versions;
const addressText = describeAddresses(network);
// The platform's UIs: on a hostname through Traefik, or kubectl port-forward.
const access = settings.platformAccess;
const uis: PlatformUi[] = [
    { id: "argocd-server", configKey: PLATFORM_ACCESS_KEYS.argoCdUi, podPort: 8080, route: access.argoCdUi, portForward: `kubectl -n ${ARGOCD.namespace} port-forward svc/${ARGOCD.fullnameOverride}-server 8080:443, then open https://localhost:8080` },
    { id: "hubble-ui", configKey: PLATFORM_ACCESS_KEYS.hubbleUi, podPort: HUBBLE_UI.targetPort, route: access.hubbleUi, portForward: `kubectl -n ${HUBBLE_UI.namespace} port-forward svc/${HUBBLE_UI.service} 12000:${HUBBLE_UI.servicePort}, then open http://localhost:12000` },
];
// Every Application's connections, as the policies of both ends, and Traefik's to the routed UIs.
const connections = withUiRoutes(connectionPolicies(settings.applications, network.ingress), uis);

// 2. The API VIP: host-network kube-vip on the control-plane nodes. Needs no CNI.
//    First, the preflight: K3s installed as this stack needs, VIPs free on the first deploy.
const preflight = new Preflight("preflight", preflightArgs(settings));
const controlPlane = new KubeVipControlPlane("kube-vip-control-plane", {
    controlPlaneVip: network.controlPlaneVip,
    apiServerPort: settings.apiServerPort,
    vipInterface: network.vipInterface,
    version: versions.kubeVip,
}, { dependsOn: [preflight] });

// 3. Cilium, which reaches the API through the VIP, once the VIP answers.
const cilium = new Cilium("cilium", {
    version: versions.cilium,
    apiServerHost: network.controlPlaneVip.text,
    apiServerPort: settings.apiServerPort,
    podCidr: network.podCidr.cidr,
    devices: network.ciliumDevices,
    operatorReplicas: settings.ciliumOperatorReplicas,
    hubbleUiRoute: access.hubbleUi,
    connections,
}, { dependsOn: [controlPlane.apiReady] });

// 4. LoadBalancer addresses: the cloud provider allocates from the pool,
//    kube-vip's services role announces them. Both need pod networking.
const cloudProvider = new KubeVipCloudProvider("kube-vip-cloud-provider", {
    unpinned: settings.ownership.unpinned,
    version: versions.kubeVipCloudProvider,
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cilium.release] });
const serviceVips = new KubeVipServices("kube-vip-services", {
    vipInterface: network.vipInterface,
    apiServerPort: settings.apiServerPort,
    version: versions.kubeVip,
    serviceAccountName: controlPlane.serviceAccountName,
}, { dependsOn: [cilium.release] });

// 5. Ingress: Traefik on its two VIPs.
const traefik = new Traefik("traefik", {
    frontends: network.ingress,
    chartVersion: versions.traefikChart,
    connections: connections.platform.get("traefik") ?? { ingress: [], egress: [] },
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cloudProvider, serviceVips] });

// 6. GitOps: Argo CD, then each Application with its namespace and policies.
const argoCd = new ArgoCd("argocd", {
    chartVersion: versions.argoCdChart,
    applications: settings.applications,
    connections,
    adminPasswordBcrypt: settings.argoCdAdminPasswordBcrypt,
    sopsAgeKey: access.sopsAgeKey,
    ui: access.argoCdUi,
    url: access.argoCdUi === undefined ? undefined : routeUrl(access.argoCdUi, network.ingress),
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cilium.release] });
const namespaces = new Map([...connections.namespaces].map(([namespace, baseline]) => [namespace, new ApplicationNamespace(`ns-${namespace}`, {
    namespace,
    applications: settings.applications.filter(app => app.namespace === namespace).map(app => app.name),
    policies: baseline,
    ciliumCrds: cilium.crdsReady,
})]));
// An Application another depends on is created first, and waited for until Healthy.
const awaited = awaitedApplications(settings.applications.map(app => app.sync));
const created = new Map<string, ArgoCdApplication>();
for (const spec of creationOrder(settings.applications)) {
    created.set(spec.name, new ArgoCdApplication(`app-${spec.name}`, {
        spec,
        policies: connections.applications.get(spec.name) ?? [],
        namespace: namespaces.get(spec.namespace)!,
        argoCd: argoCd.release,
        ciliumCrds: cilium.crdsReady,
        after: spec.sync.dependsOn.map(name => created.get(name)!),
        awaited: awaited.has(spec.name),
    }));
}
const applications = settings.applications.map(spec => created.get(spec.name)!);

// 7. Proof that the network does what the plan promises.
if (settings.postDeployChecks) {
    new PostDeployChecks("post-deploy-checks", {
        apiServerUrl: controlPlane.apiServerUrl,
        serviceAddresses: traefik.serviceAddresses,
        serviceNamespace: TRAEFIK.namespace,
        ownership: settings.ownership,
        rerunWhenChanged: { versions, addresses: addressText, devices: network.ciliumDevices, vipInterface: network.vipInterface },
    }, { dependsOn: [traefik, argoCd, ...applications] });
}

export const addressPlan = addressText;
export const apiServerUrl = controlPlane.apiServerUrl;
export const loadBalancerPool = network.loadBalancerPool.text;
export const traefikServices = traefik.serviceAddresses;
export const secondVipIngressAnnotation = secondaryIngressAnnotation(network.ingress);
export const traefikDashboard = traefik.dashboard;
export const hubbleUi = uiAccess(uis[1], network.ingress);
export const argoCdAccess = argoCd.access;
export const argoCdUrl = uiAccess(uis[0], network.ingress);
export const applicationNamespaces = applications.map(app => app.namespace);
export const loadBalancerAddresses = serviceInstructions(settings.ownership);

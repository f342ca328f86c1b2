// The network stack of one environment, declared in the order the network
// comes up on a fresh K3s cluster (no CNI, no kube-proxy, no service LB yet).
import { describeAddresses } from "./components/addressPlan";
import { ArgoCd } from "./components/argoCd";
import { ArgoCdApplication } from "./components/argoCdApplication";
import { Preflight } from "./components/checks/preflightComponent";
import { Cilium } from "./components/cilium";
import { KubeVipCloudProvider } from "./components/kubeVipCloudProvider";
import { KubeVipControlPlane } from "./components/kubeVipControlPlane";
import { KubeVipServices } from "./components/kubeVipServices";
import { ingressBackends } from "./components/networkPolicies";
import { PostDeployChecks } from "./components/postDeployChecks";
import { loadStackSettings } from "./components/stackConfig";
import { Traefik } from "./components/traefik";
import { TRAEFIK_NAMESPACE, TRAEFIK_POD_LABELS, secondaryIngressAnnotation, traefikLayout } from "./components/traefikValues";

// 1. Config: every address, range, interface and version, validated at once.
const settings = loadStackSettings();
const addresses = describeAddresses(settings.addresses);
const versions = settings.versions;

// 2. The API VIP: host-network kube-vip on the control-plane nodes. Needs no CNI.
//    First, the preflight: K3s installed as this stack needs, VIPs free on the first deploy.
const preflight = new Preflight("preflight", { ...addresses, ciliumVersion: versions.cilium });
const controlPlane = new KubeVipControlPlane("kube-vip-control-plane", {
    controlPlaneVip: addresses.controlPlaneVip,
    apiServerPort: settings.apiServerPort,
    vipInterface: settings.addresses.vipInterface,
    version: versions.kubeVip,
}, { dependsOn: [preflight] });

// 3. Cilium, which reaches the API through the VIP, once the VIP answers.
const cilium = new Cilium("cilium", {
    version: versions.cilium,
    apiServerHost: addresses.controlPlaneVip,
    apiServerPort: settings.apiServerPort,
    podCidr: addresses.podCidr,
    devices: settings.addresses.ciliumDevices,
    operatorReplicas: settings.ciliumOperatorReplicas,
}, { dependsOn: [controlPlane.apiReady] });

// 4. LoadBalancer addresses: the cloud provider allocates from the pool,
//    kube-vip's services role announces them. Both need pod networking.
const cloudProvider = new KubeVipCloudProvider("kube-vip-cloud-provider", {
    loadBalancerPool: addresses.loadBalancerPool,
    version: versions.kubeVipCloudProvider,
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cilium.release] });
const serviceVips = new KubeVipServices("kube-vip-services", {
    vipInterface: settings.addresses.vipInterface,
    apiServerPort: settings.apiServerPort,
    version: versions.kubeVip,
    serviceAccountName: controlPlane.serviceAccountName,
}, { dependsOn: [cilium.release] });

// 5. Ingress: Traefik on its two VIPs.
const layout = traefikLayout(addresses.ingressVip, addresses.ingressSecondaryVip);
const traefik = new Traefik("traefik", {
    layout,
    chartVersion: versions.traefikChart,
    backends: ingressBackends(settings.applications),
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cloudProvider, serviceVips] });

// 6. GitOps: Argo CD, then each Application with its namespace and policies.
const argoCd = new ArgoCd("argocd", {
    chartVersion: versions.argoCdChart,
    applications: settings.applications,
    adminPasswordBcrypt: settings.argoCdAdminPasswordBcrypt,
    ciliumCrds: cilium.crdsReady,
}, { dependsOn: [cilium.release] });
const ingressController = { namespace: TRAEFIK_NAMESPACE, podLabels: { ...TRAEFIK_POD_LABELS } };
const applications = settings.applications.map(spec => new ArgoCdApplication(`app-${spec.name}`, {
    spec,
    allApplications: settings.applications,
    argoCdNamespace: argoCd.namespace,
    ingressController,
    argoCd: argoCd.release,
    ciliumCrds: cilium.crdsReady,
}));

// 7. Proof that the network does what the plan promises.
if (settings.postDeployChecks) {
    new PostDeployChecks("post-deploy-checks", {
        apiServerUrl: controlPlane.apiServerUrl,
        serviceAddresses: traefik.serviceAddresses,
        serviceNamespace: TRAEFIK_NAMESPACE,
        rerunWhenChanged: { versions, addresses, devices: settings.addresses.ciliumDevices, vipInterface: settings.addresses.vipInterface },
    }, { dependsOn: [traefik, argoCd, ...applications] });
}

export const addressPlan = addresses;
export const apiServerUrl = controlPlane.apiServerUrl;
export const loadBalancerPool = addresses.loadBalancerPool;
export const traefikServices = traefik.serviceAddresses;
export const secondVipIngressAnnotation = secondaryIngressAnnotation(layout);
export const traefikDashboard = traefik.dashboard;
export const hubbleUi = cilium.hubbleUi;
export const argoCdAccess = argoCd.access;
export const applicationNamespaces = applications.map(app => app.namespace);

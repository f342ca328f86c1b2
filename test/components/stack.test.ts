import * as assert from "assert";
import { ProgramRun, RecordedResource, findResource, resourcesOfType, runProgram, waitsFor } from "../harness";
import { secretValue } from "../../scripts/stackFiles";

const T = {
    configMap: "kubernetes:core/v1:ConfigMap",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    deployment: "kubernetes:apps/v1:Deployment",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    namespace: "kubernetes:core/v1:Namespace",
    release: "kubernetes:helm.sh/v3:Release",
    command: "command:local:Command",
    cnp: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
    application: "kubernetes:argoproj.io/v1alpha1:Application",
} as const;

function envOf(daemonSet: RecordedResource): Record<string, string> {
    const env = daemonSet.inputs.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;
    return Object.fromEntries(env.map(e => [e.name, e.value ?? JSON.stringify(e.valueFrom)]));
}

function policiesIn(run: ProgramRun, namespace: string): Map<string, any> {
    return new Map(resourcesOfType(run, T.cnp)
        .filter(r => r.inputs.metadata.namespace === namespace)
        .map(r => [r.inputs.metadata.name as string, r.inputs.spec]));
}

describe("the home stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("home");
    });

    describe("kube-vip, control-plane role", () => {
        it("advertises 192.168.1.230:6443 over ARP on eno1 with 5/3/1 s leader election", () => {
            const env = envOf(findResource(run, T.daemonSet, "kube-vip-control-plane-ds"));
            assert.strictEqual(env.address, "192.168.1.230");
            assert.strictEqual(env.port, "6443");
            assert.strictEqual(env.vip_interface, "eno1");
            assert.strictEqual(env.vip_arp, "true");
            assert.strictEqual(env.cp_enable, "true");
            assert.strictEqual(env.svc_enable, "false");
            assert.strictEqual(env.vip_leaderelection, "true");
            assert.strictEqual(env.vip_leasename, "plndr-cp-lock");
            assert.deepStrictEqual([env.vip_leaseduration, env.vip_renewdeadline, env.vip_retryperiod], ["5", "3", "1"]);
            // A /32 VIP; kube-vip 0.9+ reads vip_subnet and silently ignores the old vip_cidr.
            assert.strictEqual(env.vip_subnet, "32");
            assert.strictEqual(env.vip_cidr, undefined);
        });

        it("reaches the API server on its own node, since no CNI routes the kubernetes Service yet", () => {
            const env = envOf(findResource(run, T.daemonSet, "kube-vip-control-plane-ds"));
            assert.strictEqual(env.KUBERNETES_SERVICE_HOST, "127.0.0.1");
            assert.strictEqual(env.KUBERNETES_SERVICE_PORT, "6443");
        });

        it("runs host-network on master or control-plane nodes, even NotReady ones", () => {
            const ds = findResource(run, T.daemonSet, "kube-vip-control-plane-ds");
            assert.strictEqual(ds.inputs.metadata.name, "kube-vip-control-plane");
            assert.strictEqual(ds.inputs.metadata.namespace, "kube-system");
            const pod = ds.inputs.spec.template.spec;
            assert.strictEqual(pod.hostNetwork, true);
            assert.strictEqual(pod.serviceAccountName, "kube-vip");
            const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
            assert.deepStrictEqual(terms.map((t: any) => t.matchExpressions[0].key).sort(), ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"]);
            assert.ok(pod.tolerations.some((t: any) => t.operator === "Exists" && t.effect === "NoSchedule"));
            assert.ok(pod.tolerations.some((t: any) => t.operator === "Exists" && t.effect === "NoExecute"));
            assert.deepStrictEqual(pod.containers[0].securityContext.capabilities.add, ["NET_ADMIN", "NET_RAW"]);
            assert.deepStrictEqual(pod.containers[0].args, ["manager"]);
        });

        it("names its ServiceAccount and RBAC as kube-vip's manifests do", () => {
            assert.strictEqual(findResource(run, T.serviceAccount, "kube-vip-control-plane-sa").inputs.metadata.name, "kube-vip");
            assert.strictEqual(findResource(run, T.clusterRole, "kube-vip-control-plane-role").inputs.metadata.name, "system:kube-vip-role");
        });
    });

    describe("kube-vip, services role", () => {
        it("runs on every node with one leader election per Service", () => {
            const ds = findResource(run, T.daemonSet, "kube-vip-services-ds");
            const env = envOf(ds);
            assert.strictEqual(ds.inputs.metadata.name, "kube-vip-services");
            assert.strictEqual(env.svc_enable, "true");
            assert.strictEqual(env.svc_election, "true");
            assert.strictEqual(env.cp_enable, "false");
            assert.strictEqual(env.vip_interface, "eno1");
            assert.strictEqual(env.address, undefined, "the services role holds no fixed address");
            // Each Service's lease fails over as fast as the API VIP's; kube-vip 1.1+ would default to 15/10/2 s.
            assert.deepStrictEqual([env.vip_leaseduration, env.vip_renewdeadline, env.vip_retryperiod], ["5", "3", "1"]);
            assert.strictEqual(ds.inputs.spec.template.spec.affinity, undefined, "not limited to control-plane nodes");
        });

        it("uses the same kube-vip image tag as the control-plane role, and another metrics port", () => {
            const cp = findResource(run, T.daemonSet, "kube-vip-control-plane-ds").inputs.spec.template.spec.containers[0];
            const svc = findResource(run, T.daemonSet, "kube-vip-services-ds").inputs.spec.template.spec.containers[0];
            assert.strictEqual(cp.image, "ghcr.io/kube-vip/kube-vip:v1.0.4");
            assert.strictEqual(svc.image, cp.image);
            assert.notStrictEqual(envOf(findResource(run, T.daemonSet, "kube-vip-services-ds")).prometheus_server, envOf(findResource(run, T.daemonSet, "kube-vip-control-plane-ds")).prometheus_server);
        });
    });

    describe("kube-vip cloud provider", () => {
        it("reads from the ConfigMap kube-system/kubevip the pool 192.168.1.231-192.168.1.239 less the addresses Traefik and the Applications own", () => {
            const pool = findResource(run, T.configMap, "kube-vip-cloud-provider-pool");
            assert.strictEqual(pool.inputs.metadata.name, "kubevip");
            assert.strictEqual(pool.inputs.metadata.namespace, "kube-system");
            // Traefik .231 and .239, Pi-hole .232 and .238, Emby .233, Minecraft .235.
            assert.deepStrictEqual(pool.inputs.data, { "range-global": "192.168.1.234-192.168.1.234,192.168.1.236-192.168.1.237" });
        });

        it("runs as a single replica of the pinned cloud-provider image", () => {
            const deployment = findResource(run, T.deployment, "kube-vip-cloud-provider-deployment");
            assert.strictEqual(deployment.inputs.metadata.name, "kube-vip-cloud-provider");
            assert.strictEqual(deployment.inputs.spec.replicas, 1);
            const container = deployment.inputs.spec.template.spec.containers[0];
            assert.strictEqual(container.image, "ghcr.io/kube-vip/kube-vip-cloud-provider:v0.0.12");
            assert.strictEqual(deployment.inputs.spec.template.spec.serviceAccountName, "kube-vip-cloud-controller");
        });
    });

    describe("Cilium", () => {
        it("installs the pinned chart into kube-system as release cilium, protected against deletion", () => {
            const release = findResource(run, T.release, "cilium-release");
            assert.strictEqual(release.inputs.name, "cilium");
            assert.strictEqual(release.inputs.namespace, "kube-system");
            assert.strictEqual(release.inputs.chart, "cilium");
            assert.strictEqual(release.inputs.version, "1.19.6");
            assert.strictEqual(release.inputs.repositoryOpts.repo, "https://helm.cilium.io/");
            assert.strictEqual(release.protect, true);
        });

        it("replaces kube-proxy, reaching the API on the VIP", () => {
            const values = findResource(run, T.release, "cilium-release").inputs.values;
            assert.strictEqual(values.kubeProxyReplacement, true);
            assert.strictEqual(values.k8sServiceHost, "192.168.1.230");
            assert.strictEqual(values.k8sServicePort, 6443);
        });

        it("allocates pods from 10.42.0.0/16, tunnels with GENEVE, encrypts with WireGuard, on eno1 and vmbr0", () => {
            const values = findResource(run, T.release, "cilium-release").inputs.values;
            assert.deepStrictEqual(values.ipam, { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: ["10.42.0.0/16"], clusterPoolIPv4MaskSize: 24 } });
            assert.strictEqual(values.routingMode, "tunnel");
            assert.strictEqual(values.tunnelProtocol, "geneve");
            assert.deepStrictEqual(values.encryption, { enabled: true, type: "wireguard" });
            assert.strictEqual(values.devices, "eno1 vmbr0");
        });

        it("enables Hubble Relay and UI and leaves L2 announcements to kube-vip", () => {
            const values = findResource(run, T.release, "cilium-release").inputs.values;
            assert.strictEqual(values.hubble.enabled, true);
            assert.strictEqual(values.hubble.relay.enabled, true);
            assert.strictEqual(values.hubble.ui.enabled, true);
            assert.deepStrictEqual(values.l2announcements, { enabled: false });
        });
    });

    describe("Traefik", () => {
        it("pins Service traefik to 192.168.1.231 and traefik-vip239 to 192.168.1.239", () => {
            const values = findResource(run, T.release, "traefik-release").inputs.values;
            assert.strictEqual(findResource(run, T.release, "traefik-release").inputs.name, "traefik");
            assert.strictEqual(findResource(run, T.release, "traefik-release").inputs.version, "41.3.0");
            // Chart 40+ reads the type only from spec; additional Services inherit nothing from the main one.
            assert.deepStrictEqual(values.service.spec, { type: "LoadBalancer", externalTrafficPolicy: "Local" });
            assert.strictEqual(values.service.type, undefined);
            assert.deepStrictEqual(values.service.annotations, { "kube-vip.io/loadbalancerIPs": "192.168.1.231" });
            assert.deepStrictEqual(Object.keys(values.service.additionalServices), ["vip239"]);
            assert.deepStrictEqual(values.service.additionalServices.vip239.spec, { type: "LoadBalancer", externalTrafficPolicy: "Local" });
            assert.deepStrictEqual(values.service.additionalServices.vip239.annotations, { "kube-vip.io/loadbalancerIPs": "192.168.1.239" });
            assert.deepStrictEqual(run.outputs.traefikServices, { "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" });
        });

        it("publishes web/websecure on the first VIP and web239/websecure239 on the second, each on its own container port", () => {
            const ports = findResource(run, T.release, "traefik-release").inputs.values.ports;
            assert.deepStrictEqual(ports.web.expose, { default: true });
            assert.deepStrictEqual(ports.websecure.expose, { default: true });
            assert.deepStrictEqual(ports.web239.expose, { default: false, vip239: true });
            assert.deepStrictEqual(ports.websecure239.expose, { default: false, vip239: true });
            assert.deepStrictEqual([ports.web239.exposedPort, ports.websecure239.exposedPort], [80, 443]);
            // Chart 39+ takes an entrypoint's TLS under http.
            assert.deepStrictEqual([ports.websecure.http, ports.websecure239.http], [{ tls: { enabled: true } }, { tls: { enabled: true } }]);
            assert.strictEqual(ports.web.http, undefined);
            const containerPorts = ["web", "websecure", "web239", "websecure239"].map(name => ports[name].port);
            assert.strictEqual(new Set(containerPorts).size, 4, `container ports must differ: ${containerPorts}`);
        });

        it("serves Ingresses that name no entrypoint on web/websecure only, never on the second VIP", () => {
            const ports = findResource(run, T.release, "traefik-release").inputs.values.ports;
            assert.strictEqual(ports.web.asDefault, true);
            assert.strictEqual(ports.websecure.asDefault, true);
            assert.strictEqual(ports.web239.asDefault, undefined);
            assert.strictEqual(ports.websecure239.asDefault, undefined);
        });

        it("routes the dashboard only on the internal traefik entrypoint, which no Service exposes", () => {
            const values = findResource(run, T.release, "traefik-release").inputs.values;
            assert.deepStrictEqual(values.ports.traefik.expose, { default: false });
            assert.deepStrictEqual(values.ingressRoute.dashboard, { enabled: true, entryPoints: ["traefik"] });
            assert.notStrictEqual(values.api?.insecure, true);
            const traefikPolicy = policiesIn(run, "traefik").get("traefik");
            assert.ok(!traefikPolicy.ingress[0].toPorts[0].ports.some((p: any) => p.port === "8080"), "no policy opens the dashboard port");
        });

        it("spreads its two replicas over nodes, since each VIP lives where a replica runs", () => {
            const values = findResource(run, T.release, "traefik-release").inputs.values;
            assert.strictEqual(values.deployment.replicas, 2);
            assert.deepStrictEqual(values.topologySpreadConstraints[0].labelSelector.matchLabels,
                { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" });
            assert.strictEqual(values.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
            assert.deepStrictEqual(values.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
        });

        it("tells users how to put an Ingress on the second VIP", () => {
            assert.deepStrictEqual(run.outputs.secondVipIngressAnnotation, { "traefik.ingress.kubernetes.io/router.entrypoints": "web239,websecure239" });
        });
    });

    describe("Argo CD", () => {
        it("installs the pinned argo-cd chart with its CRDs", () => {
            const release = findResource(run, T.release, "argocd-release");
            assert.strictEqual(release.inputs.chart, "argo-cd");
            assert.strictEqual(release.inputs.version, "10.1.1");
            assert.strictEqual(release.inputs.namespace, "argocd");
            assert.strictEqual(release.inputs.values.crds.install, true);
            assert.strictEqual(release.inputs.values.server.service.type, "ClusterIP");
            assert.strictEqual(release.inputs.values.fullnameOverride, "argocd", "objects are argocd-server, argocd-repo-server, ...");
            // Chart 10 would add Kubernetes NetworkPolicies that widen the CiliumNetworkPolicies.
            assert.deepStrictEqual(release.inputs.values.global, { networkPolicy: { create: false } });
            assert.deepStrictEqual(release.inputs.values.configs.secret, {}, "no password set: Argo CD generates one");
            assert.deepStrictEqual(release.secretPaths, [], "values stay readable in previews");
        });

        it("passes a configured admin password hash as a secret", async () => {
            const hash = "$2a$10$abcdefghijklmnopqrstuuJ3hVj1q7bQ2m1nC4V0vZ5nQY0r1b2C.";
            const withPassword = await runProgram("home", { argoCdAdminPasswordBcrypt: secretValue(hash) });
            const release = findResource(withPassword, T.release, "argocd-release");
            assert.deepStrictEqual(release.secretPaths, ["values"]);
            assert.strictEqual(release.inputs.values.configs.secret.argocdServerAdminPassword, hash);
            // Argo CD writes argocd-initial-admin-secret only when no password is configured.
            assert.doesNotMatch(String(withPassword.outputs.argoCdAccess), /argocd-initial-admin-secret/);
            assert.match(String(run.outputs.argoCdAccess), /argocd-initial-admin-secret/);
        });
    });

    describe("platform network policies", () => {
        it("default-denies the argocd namespace and lets only the API clients reach the API server", () => {
            const policies = policiesIn(run, "argocd");
            assert.deepStrictEqual(policies.get("default-deny"), { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] });
            const api = policies.get("allow-to-apiserver");
            assert.deepStrictEqual(api.egress, [{ toEntities: ["kube-apiserver"] }]);
            // The chart's pre-install hook Job creates the Redis password Secret through the API:
            // without it in this list the first install hangs until Helm's timeout.
            assert.deepStrictEqual(api.endpointSelector.matchExpressions[0].values,
                ["argocd-server", "argocd-application-controller", "argocd-applicationset-controller", "argocd-redis-secret-init"]);
        });

        it("lets LAN clients reach Traefik only on its four entrypoint ports", () => {
            const traefik = policiesIn(run, "traefik").get("traefik");
            assert.deepStrictEqual(traefik.ingress[0].fromEntities, ["world", "remote-node", "host"]);
            assert.deepStrictEqual(traefik.ingress[0].toPorts[0].ports.map((p: any) => p.port), ["8000", "8443", "8001", "8444"]);
        });

        it("confines the cloud provider and Hubble to what they talk to", () => {
            const kubeSystem = policiesIn(run, "kube-system");
            // hubble-ui-applications: Traefik's route to Hubble UI (hubbleUi in the home stack).
            assert.deepStrictEqual([...kubeSystem.keys()].sort(), ["hubble-relay", "hubble-ui", "hubble-ui-applications", "kube-vip-cloud-provider"]);
            assert.deepStrictEqual(kubeSystem.get("kube-vip-cloud-provider").egress, [{ toEntities: ["kube-apiserver"] }]);
            assert.deepStrictEqual(kubeSystem.get("hubble-relay").ingress[0].fromEndpoints, [{ matchLabels: { "k8s-app": "hubble-ui" } }]);
            // Policies see pod ports: the relay listens on 4245 behind its Service's port 80,
            // and reaches the agents' Hubble servers on 4244 on the nodes.
            assert.deepStrictEqual(kubeSystem.get("hubble-relay").ingress[0].toPorts, [{ ports: [{ port: "4245", protocol: "TCP" }] }]);
            assert.deepStrictEqual(kubeSystem.get("hubble-relay").egress[1], { toEntities: ["host", "remote-node"], toPorts: [{ ports: [{ port: "4244", protocol: "TCP" }] }] });
        });
    });

    describe("order on a fresh cluster", () => {
        const get = (type: string, name: string) => findResource(run, type, name);
        it("runs the K3s preflight first: kube-vip waits for it, and it waits for nothing", () => {
            const preflight = get(T.command, "preflight-run");
            assert.ok(waitsFor(run, get(T.daemonSet, "kube-vip-control-plane-ds"), preflight), "kube-vip's DaemonSet waits for the preflight");
            assert.deepStrictEqual(preflight.dependencies, []);
            const expected = "--control-plane-vip 192.168.1.230 --ingress-vip 192.168.1.231 --ingress-secondary-vip 192.168.1.239 " +
                "--pod-cidr 10.42.0.0/16 --service-cidr 10.43.0.0/16 --cilium-version 1.19.6";
            // Only the create (the first deploy) probes the VIPs: afterwards the stack's own VIPs answer.
            assert.strictEqual(preflight.inputs.create, `node -r ./scripts/register-ts.js components/checks/preflight.ts ${expected} --first-deploy`);
            assert.strictEqual(preflight.inputs.update, `node -r ./scripts/register-ts.js components/checks/preflight.ts ${expected}`);
        });

        it("starts Cilium only once the API answers on the VIP that kube-vip holds", () => {
            const cilium = get(T.release, "cilium-release");
            const apiReady = get(T.command, "kube-vip-control-plane-api-ready");
            assert.ok(waitsFor(run, cilium, apiReady), "cilium waits for the VIP check");
            assert.ok(waitsFor(run, apiReady, get(T.daemonSet, "kube-vip-control-plane-ds")), "the VIP check waits for kube-vip");
            assert.match(apiReady.inputs.create, /cluster-checks\.ts wait-for-api https:\/\/192\.168\.1\.230:6443/);
        });

        it("creates every CiliumNetworkPolicy after the operator has registered the CRD", () => {
            const crds = get(T.command, "cilium-crds-ready");
            assert.match(crds.inputs.create, /^node -r \.\/scripts\/register-ts\.js components\/checks\/cluster-checks\.ts wait-for-crds 300 ciliumnetworkpolicies\.cilium\.io ciliumclusterwidenetworkpolicies\.cilium\.io$/);
            assert.ok(waitsFor(run, crds, get(T.release, "cilium-release")));
            for (const policy of resourcesOfType(run, T.cnp)) {
                assert.ok(waitsFor(run, policy, crds), `${policy.name} waits for the CRD`);
            }
        });

        it("runs pod-network workloads after Cilium, and Traefik after the cloud provider that gives it addresses", () => {
            const cilium = get(T.release, "cilium-release");
            for (const [type, name] of [[T.deployment, "kube-vip-cloud-provider-deployment"], [T.daemonSet, "kube-vip-services-ds"], [T.release, "traefik-release"], [T.release, "argocd-release"]] as const) {
                assert.ok(waitsFor(run, get(type, name), cilium), `${name} waits for Cilium`);
            }
            const traefik = get(T.release, "traefik-release");
            assert.ok(waitsFor(run, traefik, get(T.deployment, "kube-vip-cloud-provider-deployment")));
            assert.ok(waitsFor(run, traefik, get(T.daemonSet, "kube-vip-services-ds")));
        });

        it("makes nothing wait that need not: kube-vip's API VIP waits for nothing but the preflight, Argo CD not for Traefik", () => {
            assert.deepStrictEqual(get(T.daemonSet, "kube-vip-control-plane-ds").dependencies.filter(d => !d.includes("kube-vip-control-plane") && !d.includes("preflight")), []);
            assert.ok(!waitsFor(run, get(T.release, "argocd-release"), get(T.release, "traefik-release")));
            assert.ok(!waitsFor(run, get(T.release, "traefik-release"), get(T.release, "argocd-release")));
        });

        it("checks the deployed network last", () => {
            const check = get(T.command, "post-deploy-checks-run");
            assert.ok(waitsFor(run, check, get(T.release, "traefik-release")));
            assert.ok(waitsFor(run, check, get(T.release, "argocd-release")));
            const spec = JSON.parse(/'(.*)'$/.exec(check.inputs.create)![1]);
            assert.deepStrictEqual(spec.serviceAddresses, { "traefik": "192.168.1.231", "traefik-vip239": "192.168.1.239" });
            // Cilium's workloads as the program names them, not spelled again in the check script.
            assert.deepStrictEqual(spec.cilium, { namespace: "kube-system", workloads: ["daemonset/cilium", "deployment/cilium-operator"] });
            // Then the live audit of the whole cluster against this stack's plan.
            const audit = get(T.command, "post-deploy-checks-audit");
            assert.ok(waitsFor(run, audit, check));
            assert.strictEqual(audit.inputs.create, "node scripts/homelab-network.js audit --stack home");
        });
    });

    it("exports the API URL, the pool, Traefik's addresses and how to reach Hubble UI and Argo CD", () => {
        assert.strictEqual(run.outputs.apiServerUrl, "https://192.168.1.230:6443");
        assert.strictEqual(run.outputs.loadBalancerPool, "192.168.1.231-192.168.1.239");
        // The home stack routes both UIs through Traefik on the second VIP.
        assert.strictEqual(run.outputs.hubbleUi, "https://hubble.geekbundle.org/ (Traefik websecure239 on 192.168.1.239; point hubble.geekbundle.org there in the LAN's DNS)");
        assert.strictEqual(run.outputs.argoCdUrl, "https://argocd.geekbundle.org/ (Traefik websecure239 on 192.168.1.239; point argocd.geekbundle.org there in the LAN's DNS)");
        assert.match(String(run.outputs.argoCdAccess), /^open https:\/\/argocd\.geekbundle\.org\/ \(user admin; /);
        // The dashboard stays off the LAN whatever the UIs do.
        assert.match(String(run.outputs.traefikDashboard), /port-forward deploy\/traefik 8080:8080/);
    });
});

describe("the lab stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("lab");
    });

    it("uses the lab's addresses and single NIC everywhere", () => {
        const cilium = findResource(run, T.release, "cilium-release").inputs.values;
        assert.strictEqual(cilium.k8sServiceHost, "10.20.1.10");
        assert.strictEqual(cilium.devices, "enp1s0");
        assert.deepStrictEqual(cilium.ipam.operator.clusterPoolIPv4PodCIDRList, ["10.52.0.0/16"]);
        assert.strictEqual(cilium.operator.replicas, 1);
        assert.strictEqual(envOf(findResource(run, T.daemonSet, "kube-vip-control-plane-ds")).vip_interface, "enp1s0");
        // Pi-hole owns 10.20.1.30, in the middle of what Traefik leaves.
        assert.deepStrictEqual(findResource(run, T.configMap, "kube-vip-cloud-provider-pool").inputs.data, { "range-global": "10.20.1.21-10.20.1.29,10.20.1.31-10.20.1.39" });
    });

    it("lets the LAN and in-cluster clients reach the lab's Pi-hole on 10.20.1.30 on 53 only, and tells its author what the Service carries", () => {
        const ns = "k8s:io.kubernetes.pod.namespace";
        const wholeNamespace = { matchLabels: {} };
        const dns = [{ ports: [{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }] }];
        assert.deepStrictEqual(Object.fromEntries(policiesIn(run, "dns")), {
            "default-deny": { endpointSelector: wholeNamespace, ingress: [{}], egress: [{}] },
            "allow-dns": { endpointSelector: wholeNamespace, egress: [{ toEndpoints: [{ matchLabels: { [ns]: "kube-system", "k8s-app": "kube-dns" } }], toPorts: dns }] },
            "app-pihole": {
                endpointSelector: wholeNamespace,
                ingress: [{ fromEndpoints: [{ matchLabels: {} }] }, { fromEntities: ["world", "cluster"], toPorts: dns }],
                egress: [
                    { toEndpoints: [{ matchLabels: {} }] },
                    { toCIDRSet: [{ cidr: "10.20.0.1/32" }], toPorts: dns },
                    { toEntities: ["world"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
                ],
            },
        });
        assert.deepStrictEqual(run.outputs.loadBalancerAddresses, {
            "10.20.1.30": { application: "pihole", namespace: "dns", ports: ["53/UDP", "53/TCP"], service: { annotations: { "kube-vip.io/loadbalancerIPs": "10.20.1.30" }, type: "LoadBalancer", externalTrafficPolicy: "Local" } },
        });
        const pihole = findResource(run, T.application, "app-pihole-app");
        assert.deepStrictEqual(pihole.inputs.spec.source.helm.valuesObject.serviceDns.annotations, { "kube-vip.io/loadbalancerIPs": "10.20.1.30" });
    });

    it("names the second Traefik frontend after its address", () => {
        const values = findResource(run, T.release, "traefik-release").inputs.values;
        assert.deepStrictEqual(Object.keys(values.service.additionalServices), ["vip40"]);
        assert.deepStrictEqual(values.ports.web40.expose, { default: false, vip40: true });
        assert.deepStrictEqual(run.outputs.traefikServices, { "traefik": "10.20.1.20", "traefik-vip40": "10.20.1.40" });
    });

    it("creates each Application in argocd, pointed at a namespace created first, after Argo CD's CRDs", () => {
        const app = findResource(run, T.application, "app-guestbook-app");
        assert.strictEqual(app.inputs.metadata.name, "guestbook");
        assert.strictEqual(app.inputs.metadata.namespace, "argocd");
        assert.deepStrictEqual(app.inputs.spec.destination, { server: "https://kubernetes.default.svc", namespace: "guestbook-ui" });
        assert.deepStrictEqual(app.inputs.spec.source, { repoURL: "https://github.com/argoproj/argocd-example-apps.git", targetRevision: "HEAD", path: "guestbook" });
        assert.ok(waitsFor(run, app, findResource(run, T.release, "argocd-release")));
        assert.ok(waitsFor(run, app, findResource(run, T.namespace, "ns-guestbook-ui-ns")));
        const podinfo = findResource(run, T.application, "app-podinfo-app");
        assert.strictEqual(podinfo.inputs.spec.source.chart, "podinfo");
        assert.strictEqual(podinfo.inputs.spec.source.helm.valuesObject.ingress.annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web40,websecure40");
    });

    it("gives every Application default deny plus exactly its declared connections, on both ends of an app-to-app call", () => {
        const ns = "k8s:io.kubernetes.pod.namespace";
        const wholeNamespace = { matchLabels: {} };
        const tcp = (...ports: number[]) => [{ ports: ports.map(port => ({ port: String(port), protocol: "TCP" })) }];
        const baseline = {
            "default-deny": { endpointSelector: wholeNamespace, ingress: [{}], egress: [{}] },
            "allow-dns": {
                endpointSelector: wholeNamespace,
                egress: [{
                    toEndpoints: [{ matchLabels: { [ns]: "kube-system", "k8s-app": "kube-dns" } }],
                    toPorts: [{ ports: [{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }] }],
                }],
            },
        };
        const inside = { matchLabels: {} };
        const fromTraefik = { matchLabels: { [ns]: "traefik", "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" } };
        // An Application without workloads is one workload, the whole namespace, talking freely inside it.
        assert.deepStrictEqual(Object.fromEntries(policiesIn(run, "podinfo")), {
            ...baseline,
            "app-podinfo": {
                endpointSelector: wholeNamespace,
                ingress: [{ fromEndpoints: [inside] }, { fromEndpoints: [fromTraefik], toPorts: tcp(9898) }],
                egress: [{ toEndpoints: [inside] }, { toEndpoints: [{ matchLabels: { [ns]: "guestbook-ui" } }], toPorts: tcp(80) }],
            },
        });
        assert.deepStrictEqual(Object.fromEntries(policiesIn(run, "guestbook-ui")), {
            ...baseline,
            "app-guestbook": {
                endpointSelector: wholeNamespace,
                // The call from podinfo, declared once at podinfo, is allowed here too.
                ingress: [{ fromEndpoints: [inside] }, { fromEndpoints: [{ matchLabels: { [ns]: "podinfo" } }], toPorts: tcp(80) }, { fromEndpoints: [fromTraefik], toPorts: tcp(80) }],
                egress: [{ toEndpoints: [inside] }, { toEntities: ["kube-apiserver"] }, { toCIDRSet: [{ cidr: "10.20.0.0/23" }], toPorts: tcp(443) }],
            },
        });
    });

    it("creates every Application's CiliumNetworkPolicies after the operator has registered the CRD", () => {
        const crds = findResource(run, T.command, "cilium-crds-ready");
        const appPolicies = resourcesOfType(run, T.cnp).filter(r => ["podinfo", "guestbook-ui"].includes(r.inputs.metadata.namespace));
        assert.strictEqual(appPolicies.length, 6, "default deny, DNS and the app's own in each namespace");
        for (const policy of appPolicies) {
            assert.ok(waitsFor(run, policy, crds), `${policy.name} waits for the CRD`);
        }
    });

    it("opens Argo CD's repo server to the Applications' repositories only", () => {
        const repo = policiesIn(run, "argocd").get("allow-repo-server-to-repositories");
        assert.deepStrictEqual(repo, {
            endpointSelector: { matchLabels: { "app.kubernetes.io/name": "argocd-repo-server" } },
            egress: [{ toEntities: ["world"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }],
        });
    });

    it("lets Traefik reach only the apps it publishes, on their ports", () => {
        const traefik = policiesIn(run, "traefik").get("traefik");
        const backends = traefik.egress.filter((rule: any) => rule.toEndpoints !== undefined && rule.toEndpoints[0].matchLabels["k8s:io.kubernetes.pod.namespace"] !== "kube-system");
        assert.deepStrictEqual(backends.map((rule: any) => [rule.toEndpoints[0].matchLabels["k8s:io.kubernetes.pod.namespace"], rule.toPorts[0].ports[0].port]), [["podinfo", "9898"], ["guestbook-ui", "80"]]);
    });
});

describe("config changes touch exactly the objects they should", () => {
    let base: ProgramRun;
    before(async () => {
        base = await runProgram("home");
    });

    async function changedBy(overrides: Record<string, unknown>): Promise<string[]> {
        const changed = await runProgram("home", overrides);
        const before = new Map(base.resources.map(r => [r.urn, JSON.stringify(r.inputs)]));
        return changed.resources.filter(r => before.get(r.urn) !== JSON.stringify(r.inputs)).map(r => r.name).sort();
    }

    it("a wider pool changes only the kubevip ConfigMap, and re-runs the post-deploy check and audit", async () => {
        assert.deepStrictEqual(await changedBy({ loadBalancerPool: "192.168.1.231-192.168.1.240" }), ["kube-vip-cloud-provider-pool", "post-deploy-checks-audit", "post-deploy-checks-run"]);
    });

    it("a kube-vip upgrade changes both kube-vip DaemonSets, re-runs the post-deploy check and audit, and nothing else", async () => {
        assert.deepStrictEqual(await changedBy({ kubeVipVersion: "v1.2.3" }), ["kube-vip-control-plane-ds", "kube-vip-services-ds", "post-deploy-checks-audit", "post-deploy-checks-run"]);
    });

    it("a Cilium upgrade changes its release, re-waits for its CRDs, re-runs the preflight (Kubernetes minor) and the post-deploy check", async () => {
        assert.deepStrictEqual(await changedBy({ ciliumVersion: "1.20.0" }), ["cilium-crds-ready", "cilium-release", "post-deploy-checks-audit", "post-deploy-checks-run", "preflight-run"]);
    });

    it("moving the API VIP changes kube-vip, Cilium's API address, the VIP wait, the preflight (--tls-san) and the post-deploy check and audit", async () => {
        assert.deepStrictEqual(await changedBy({ controlPlaneVip: "192.168.1.229" }), [
            "cilium-release", "kube-vip-control-plane-api-ready", "kube-vip-control-plane-ds", "post-deploy-checks-audit", "post-deploy-checks-run", "preflight-run",
        ]);
    });

    it("turning post-deploy checks off removes only the check and the audit", async () => {
        const run = await runProgram("home", { postDeployChecks: false });
        const names = new Set(run.resources.map(r => r.name));
        assert.deepStrictEqual(base.resources.map(r => r.name).filter(n => !names.has(n)).sort(), ["post-deploy-checks", "post-deploy-checks-audit", "post-deploy-checks-run"]);
    });
});

describe("Applications deployed before namespaces could be shared", () => {
    it("keep their namespace and baseline policies: the new owners adopt them by alias instead of creating and deleting them", async () => {
        const run = await runProgram("lab");
        const owner = "urn:pulumi:lab::homelab-network::homelab:network:ArgoCdApplication::app-guestbook";
        assert.deepStrictEqual(findResource(run, T.namespace, "ns-guestbook-ui-ns").aliases, [`app-guestbook-ns@${owner}`]);
        const baseline = run.resources.find(r => r.name === "ns-guestbook-ui-baseline")!;
        assert.deepStrictEqual(baseline.aliases, [`app-guestbook-policies@${owner}`]);
        // The engine gives a child its parent's alias when the child's name starts with the parent's:
        // ns-guestbook-ui-baseline-default-deny was app-guestbook-policies-default-deny.
        for (const child of run.resources.filter(r => r.parent === baseline.urn)) {
            assert.ok(child.name.startsWith("ns-guestbook-ui-baseline-"), child.name);
        }
    });
});

describe("Applications declared without connections", () => {
    it("still get default deny, DNS and traffic inside their namespace, and nothing more", async () => {
        const run = await runProgram("home", {
            applications: [{ name: "bare", repoURL: "https://example.org/repo.git", path: "deploy", targetRevision: "v1.0.0" }],
        });
        assert.deepStrictEqual([...policiesIn(run, "bare").keys()].sort(), ["allow-dns", "app-bare", "default-deny"]);
        assert.deepStrictEqual(policiesIn(run, "bare").get("app-bare"), { endpointSelector: { matchLabels: {} }, ingress: [{ fromEndpoints: [{ matchLabels: {} }] }], egress: [{ toEndpoints: [{ matchLabels: {} }] }] });
        assert.deepStrictEqual(policiesIn(run, "bare").get("default-deny"), { endpointSelector: { matchLabels: {} }, ingress: [{}], egress: [{}] });
    });

    it("refuses an Application that calls an undeclared app, naming the entry", async () => {
        await assert.rejects(runProgram("home", {
            applications: [{ name: "a", repoURL: "https://example.org/a.git", path: ".", targetRevision: "v1.0.0", connections: { toApps: [{ app: "b", ports: [80] }] } }],
        }), /applications\[0\] \(a\)\.connections\.toApps\[0\]\.app = "b"[\s\S]*names no declared Application/);
    });
});

describe("Argo CD's repo server", () => {
    it("builds kustomize directories that render Helm charts (--enable-helm), as the home cluster's directories do", async () => {
        const run = await runProgram("lab");
        assert.strictEqual(findResource(run, T.release, "argocd-release").inputs.values.configs.cm["kustomize.buildOptions"], "--enable-helm");
    });
});

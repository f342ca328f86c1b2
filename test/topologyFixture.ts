// A dozen Applications shaped like the home cluster's, with the connections
// their pods have, for the topology tests: the diagrams must stay readable at
// this size. Not a stack file's config: a stand-in written for the tests.

const git = { repoURL: "https://git.example.org/homelab/apps.git", targetRevision: "v1.0.0" };
const name = (n: string) => ({ "app.kubernetes.io/name": n });
const NAS = "192.168.1.10/32";

export const HOME_LIKE_APPLICATIONS: unknown[] = [
    {
        name: "authelia", path: "apps/authelia", ...git,
        workloads: [{
            name: "authelia", selector: name("authelia"),
            connections: {
                from: [{ platform: "traefik", ports: [9091] }],
                to: [
                    { app: "lldap", ports: [3890] },
                    { app: "mariadb", workload: "mariadb", ports: [3306] },
                    { app: "redis", ports: [6379] },
                    { fqdn: "smtp.gmail.com", ports: [587] },
                ],
            },
        }],
    },
    {
        name: "lldap", namespace: "authelia", path: "apps/lldap", ...git,
        workloads: [{
            name: "lldap", selector: name("lldap"),
            connections: { from: [{ platform: "traefik", ports: [17170] }, { app: "authelia", ports: [3890] }] },
        }],
    },
    {
        name: "mariadb", namespace: "databases", path: "apps/mariadb", ...git,
        workloads: [{ name: "mariadb", selector: name("mariadb"), connections: { from: [{ app: "authelia", ports: [3306] }] } }],
    },
    { name: "redis", namespace: "databases", path: "apps/redis", ...git, workloads: [{ name: "redis", selector: name("redis") }] },
    {
        name: "monitoring", path: "apps/monitoring", ...git,
        workloads: [
            {
                name: "prometheus", selector: name("prometheus"),
                connections: {
                    from: [{ platform: "traefik", ports: [9090] }],
                    to: [
                        { app: "monitoring", workload: "alertmanager", ports: [9093] },
                        { entity: "nodes", ports: [9100, 10250] },
                        { entity: "apiserver", ports: [6443] },
                        { platform: "coredns", ports: [9153] },
                        { platform: "traefik", ports: [9100] },
                        { app: "authelia", ports: [9959] },
                        { app: "mariadb", ports: [9104] },
                        { app: "pihole", ports: [9617] },
                        { app: "pihole-02", ports: [9617] },
                    ],
                },
            },
            {
                name: "grafana", selector: name("grafana"),
                connections: {
                    from: [{ platform: "traefik", ports: [3000] }],
                    to: [
                        { app: "monitoring", workload: "prometheus", ports: [9090] },
                        { app: "monitoring", workload: "alertmanager", ports: [9093] },
                        { fqdn: ["grafana.com", "*.grafana.com"], ports: [443] },
                    ],
                },
            },
            {
                name: "alertmanager", selector: name("alertmanager"),
                connections: { from: [{ platform: "traefik", ports: [9093] }], to: [{ fqdn: "ntfy.sh", ports: [443] }] },
            },
        ],
    },
    {
        name: "emby", namespace: "media", path: "apps/emby", ...git,
        workloads: [
            {
                name: "emby", selector: name("emby"),
                loadBalancerAddresses: [{ address: "192.168.1.233", ports: [8096, 8920] }],
                connections: {
                    from: [{ platform: "traefik", ports: [8096] }],
                    to: [{ entity: "world", ports: [443] }, { cidr: NAS, ports: [2049, "2049/UDP"] }],
                },
            },
            {
                name: "backup", selector: { "app.kubernetes.io/name": "emby-backup" },
                connections: { to: [{ cidr: NAS, ports: [445] }, { app: "emby", workload: "emby", ports: [8096] }] },
            },
        ],
    },
    {
        name: "minecraft", path: "apps/minecraft", ...git,
        loadBalancerAddresses: [{ address: "192.168.1.235", ports: [25565, "19132/UDP", 8080] }],
        connections: { to: [{ entity: "world", ports: [443] }] },
    },
    {
        name: "pihole", namespace: "dns", path: "apps/pihole", ...git,
        workloads: [{
            name: "pihole", selector: { app: "pihole" },
            loadBalancerAddresses: [{ address: "192.168.1.232", ports: [53, "53/UDP"] }],
            connections: { from: [{ platform: "traefik", ports: [80] }], to: [{ entity: "world", ports: ["53/UDP", 53, 853] }] },
        }],
    },
    {
        name: "pihole-02", namespace: "dns", path: "apps/pihole-02", ...git,
        workloads: [{
            name: "pihole-02", selector: { app: "pihole-02" },
            loadBalancerAddresses: [{ address: "192.168.1.238", ports: [53, "53/UDP"] }],
            connections: { to: [{ entity: "world", ports: ["53/UDP", 53, 853] }] },
        }],
    },
    {
        name: "cert-manager", repoURL: "https://charts.jetstack.io", chart: "cert-manager", targetRevision: "1.16.2",
        connections: {
            apiServer: true,
            to: [{ fqdn: "acme-v02.api.letsencrypt.org", ports: [443] }, { cidr: "1.1.1.1/32", ports: ["53/UDP", 53] }],
        },
    },
    { name: "whoami", path: "apps/whoami", ...git, connections: { ingressPorts: [80] } },
    {
        name: "podinfo", repoURL: "https://stefanprodan.github.io/podinfo", chart: "podinfo", targetRevision: "6.7.1",
        connections: { ingressPorts: [9898], to: [{ ingress: ["websecure"] }, { cidr: "192.168.1.0/24", ports: [443] }], from: [{ platform: "argocd-server", icmp: [8] }] },
    },
];

/**
 * Applications that join `monitoring` in HOME_LIKE_APPLICATIONS (three
 * workloads): a pushgateway that prometheus scrapes and the databases' backup
 * pushes to (four workloads with it), and Loki, whose promtail ships to it
 * and which talks to itself (six with both).
 */
export const MONITORING_PUSHGATEWAY: unknown = {
    name: "pushgateway", namespace: "monitoring", path: "apps/pushgateway", ...git,
    workloads: [{
        name: "pushgateway", selector: name("pushgateway"),
        connections: { from: [{ app: "monitoring", workload: "prometheus", ports: [9091] }, { app: "mariadb", ports: [9091] }] },
    }],
};

export const MONITORING_LOKI: unknown = {
    name: "loki", namespace: "monitoring", path: "apps/loki", ...git,
    workloads: [
        {
            name: "loki", selector: name("loki"),
            connections: {
                from: [{ app: "monitoring", workload: "grafana", ports: [3100] }],
                to: [{ app: "loki", workload: "loki", ports: [7946] }, { fqdn: "*.s3.example.org", ports: [443] }],
            },
        },
        {
            name: "promtail", selector: name("promtail"),
            connections: { to: [{ app: "loki", workload: "loki", ports: [3100] }, { entity: "apiserver", ports: [6443] }] },
        },
    ],
};

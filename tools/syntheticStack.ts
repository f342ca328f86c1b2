// A large stack's Applications, generated: N Applications, two per namespace,
// three workloads each, five connections per workload (3,000 for N = 200),
// of every peer kind the vocabulary has. For the benchmark's growth figures
// and the tests that prove large configs stay valid. Pure.

export interface SyntheticSize {
    readonly applications: number;
    readonly workloads: number;
    readonly connections: number;
}

const WORKLOADS = ["web", "worker", "backup"] as const;

/** The `applications` config value of a generated stack with `count` Applications. */
export function syntheticApplications(count: number): Array<Record<string, unknown>> {
    const apps: Array<Record<string, unknown>> = [];
    for (let i = 0; i < count; i++) {
        const name = `app-${i}`;
        const next = `app-${(i + 1) % count}`;
        const far = `app-${(i + 7) % count}`;
        apps.push({
            name,
            namespace: `team-${Math.floor(i / 2)}`,
            repoURL: "https://git.example.org/platform/apps.git",
            path: `apps/${name}`,
            targetRevision: "v1.0.0",
            workloads: WORKLOADS.map((workload, w) => ({
                name: workload,
                selector: { "app.kubernetes.io/name": `${name}-${workload}` },
                connections: {
                    to: [
                        { app: next, workload: WORKLOADS[w], ports: [8080 + w] },
                        { app: far, workload: "web", ports: [8080] },
                        w === 2 ? { fqdn: ["backup.example.org", "*.s3.example.org"], ports: [443] } : { entity: "world", ports: [443, 80] },
                        w === 1 ? { entity: "apiserver", ports: "any" } : { cidr: "192.168.1.45/32", ports: [445, "139"] },
                    ],
                    from: [w === 0 ? { platform: "traefik", ports: [8080] } : { entity: "nodes", ports: ["9100-9110"] }],
                },
            })),
        });
    }
    return apps;
}

export function syntheticSize(count: number): SyntheticSize {
    return { applications: count, workloads: count * WORKLOADS.length, connections: count * WORKLOADS.length * 5 };
}

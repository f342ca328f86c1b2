// A local kustomize directory's LoadBalancer Services, read from its resource
// files so that the advisory can name each before the provider renders it.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kustomizeLoadBalancers } from "../../policy/kustomizeFiles";

describe("a kustomize directory's LoadBalancer Services", () => {
    it("reads nested resources, the kustomization's namespace over the object's and the Directory's, and lists the remote base it did not read", () => {
        assert.deepStrictEqual(kustomizeLoadBalancers("test/fixtures/kustomize-lb", "elsewhere"), {
            services: [{ service: "tools/dns-proxy", file: path.join("test", "fixtures", "kustomize-lb", "base", "service.yaml"), pinned: ["192.168.1.232"] }],
            unread: [`${path.join("test", "fixtures", "kustomize-lb")}: https://github.com/example/remote-base//deploy?ref=v1.0.0`],
        });
        assert.deepStrictEqual(kustomizeLoadBalancers("test/fixtures/kustomize-lb/base", "elsewhere"), {
            services: [{ service: "elsewhere/dns-proxy", file: path.join("test", "fixtures", "kustomize-lb", "base", "service.yaml"), pinned: ["192.168.1.232"] }],
            unread: [],
        }, "without a kustomization namespace, the Directory's default");
    });

    it("says nothing it cannot know: a remote directory, a folder without a kustomization, a kustomization that does not parse", () => {
        const broken = fs.mkdtempSync(path.join(os.tmpdir(), "kustomize-"));
        fs.writeFileSync(path.join(broken, "kustomization.yaml"), "resources: [\n");
        try {
            assert.deepStrictEqual(
                ["https://github.com/example/apps//deploy?ref=v1.0.0", "git@github.com:example/apps.git", "test/fixtures", broken].map(dir => kustomizeLoadBalancers(dir)),
                [undefined, undefined, undefined, undefined],
            );
        } finally {
            fs.rmSync(broken, { recursive: true, force: true });
        }
    });
});

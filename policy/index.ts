// The CrossGuard pack: `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`.
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./policies";

new PolicyPack("homelab-network", {
    policies: [...resourcePolicies, ...stackPolicies],
});

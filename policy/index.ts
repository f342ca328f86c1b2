// The CrossGuard pack: `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME } from "./definitions";
import { resourcePolicies, stackPolicies } from "./policies";

new PolicyPack(PACK_NAME, {
    policies: [...resourcePolicies, ...stackPolicies],
});

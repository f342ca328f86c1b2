// The address keys of a home-like stack, as raw config: the base that the
// pure address-plan tests change one key at a time.
import type { RawAddressConfig } from "../../config/addressPlan";

export const HOME_ADDRESSES: RawAddressConfig = {
    lan: "192.168.1.0/24",
    lanGateway: "",
    dhcpScope: "",
    controlPlaneVip: "192.168.1.230",
    vipInterface: "eno1",
    loadBalancerPool: "192.168.1.231-192.168.1.239",
    ingressVip: "192.168.1.231",
    ingressSecondaryVip: "192.168.1.239",
    podCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    ciliumDevices: ["eno1", "vmbr0"],
};

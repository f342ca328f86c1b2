// The network stack of one environment, in the order the network comes up.
import { describeAddresses } from "./components/addressPlan";
import { loadStackSettings } from "./components/stackConfig";

// 1. Config: every address, range, interface and version, validated at once.
const settings = loadStackSettings();

export const addressPlan = describeAddresses(settings.addresses);

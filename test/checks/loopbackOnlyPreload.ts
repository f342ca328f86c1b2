// Preloaded (`node -r`) into the processes tests start: the loopback guard of
// loopbackOnly.ts, installed before the script under test runs, for the whole
// process.
import { refuseNonLoopback } from "./loopbackOnly";

refuseNonLoopback();

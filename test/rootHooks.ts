// Mocha's root hooks (required by .mocharc.json): what test files share for
// the whole run is released once, after the last file.
import { PackProcess } from "./packProcess";

export const mochaHooks = {
    async afterAll(): Promise<void> {
        await PackProcess.stopShared();
    },
};

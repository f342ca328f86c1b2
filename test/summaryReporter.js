// Mocha's spec reporter, plus one plain closing line ("tests: N passed, N failed")
// that CI systems read without knowing mocha.
"use strict";
const Mocha = require("mocha");

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            const skipped = pending > 0 ? `, ${pending} skipped` : "";
            process.stdout.write(`tests: ${passes} passed, ${failures} failed${skipped}\n`);
        });
    }
}

module.exports = SpecWithSummary;

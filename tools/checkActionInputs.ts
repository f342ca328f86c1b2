// `ts-node tools/checkActionInputs.ts <action.yml>`: compares the inputs
// recorded in test/fixtures/pulumi-actions.json (what the workflow tests
// check the workflows' `with:` against) with pulumi/actions' own action.yml
// at the pinned commit. The pull-request workflow downloads that file and runs
// this; offline there is no such file, so the tests check the comparison.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface RecordedAction {
    readonly version: string;
    readonly commit: string;
    readonly inputs: readonly string[];
}

export function recordedAction(root: string): RecordedAction {
    return JSON.parse(fs.readFileSync(path.join(root, "test", "fixtures", "pulumi-actions.json"), "utf8"));
}

/** What differs between the recorded inputs and an action.yml's; empty when they agree. */
export function inputDifferences(recorded: readonly string[], actionYml: string): string[] {
    const declared = Object.keys((parse(actionYml) as { inputs?: Record<string, unknown> })?.inputs ?? {});
    return [
        ...declared.filter(input => !recorded.includes(input)).map(input => `action.yml declares ${input}, which the record lacks`),
        ...recorded.filter(input => !declared.includes(input)).map(input => `the record lists ${input}, which action.yml does not declare`),
    ];
}

if (require.main === module) {
    const file = process.argv[2];
    if (file === undefined) {
        console.error("usage: ts-node tools/checkActionInputs.ts <pulumi/actions action.yml>");
        process.exit(2);
    }
    const recorded = recordedAction(path.resolve(__dirname, ".."));
    const differences = inputDifferences(recorded.inputs, fs.readFileSync(file, "utf8"));
    if (differences.length > 0) {
        console.error(`pulumi/actions ${recorded.version} (${recorded.commit}): ${differences.join("; ")}. Update test/fixtures/pulumi-actions.json.`);
        process.exit(1);
    }
    console.log(`pulumi/actions ${recorded.version}: the recorded inputs match action.yml`);
}

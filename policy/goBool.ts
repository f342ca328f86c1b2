// Go's strconv.ParseBool, which kube-vip reads its switches with and Cilium's
// agent its flags: the only spellings it takes, case and all. Pure.

const TRUE = ["1", "t", "T", "TRUE", "true", "True"];
const FALSE = ["0", "f", "F", "FALSE", "false", "False"];

/** A boolean as Go's strconv.ParseBool reads it; undefined where ParseBool fails ("yes", "on", " true", ""). */
export function parseGoBool(value: unknown): boolean | undefined {
    if (typeof value === "boolean") {
        return value;
    }
    const text = String(value);
    if (TRUE.includes(text)) {
        return true;
    }
    if (FALSE.includes(text)) {
        return false;
    }
    return undefined;
}

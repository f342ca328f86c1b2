// "Did you mean": the name a typo most likely meant, for every message that
// lists the names a value may take. Pure.

/** The name a typo most likely meant: the same letters ignoring case, or at most two edits away. */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
    const sameLetters = names.find(name => name.toLowerCase() === typed.toLowerCase());
    if (sameLetters !== undefined) {
        return sameLetters;
    }
    let best: { name: string; distance: number } | undefined;
    for (const name of names) {
        const distance = editDistance(typed, name);
        if (distance <= 2 && (best === undefined || distance < best.distance)) {
            best = { name, distance };
        }
    }
    return best?.name;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

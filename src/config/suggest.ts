/** "Did you mean …?" support for misspelt config keys. */

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

/** Levenshtein distance; keys are short so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known key the user most likely meant, or undefined when nothing is close.
 * camelCase / kebab-case spellings of a known key always match (`idleTimeout` → `idle_timeout`).
 */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
  const wanted = normalise(unknown);
  const sameLetters = known.find((k) => normalise(k) === wanted);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(wanted, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(wanted.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

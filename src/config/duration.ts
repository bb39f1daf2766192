/** Durations in config: "250ms", "30s", "5m", "1h30m", "1d", or a plain number of seconds. */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const SECONDS = /^\d+(?:\.\d+)?$/;

const HINT = "use a number with a unit (250ms, 30s, 5m, 1h30m, 1d) or a number of seconds";

/**
 * Parses a duration to whole milliseconds. A number (or numeric string) is seconds.
 * Throws a RangeError naming the bad text for anything else, including negative values.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) {
      throw new RangeError(`invalid duration ${text}: must be a non-negative number of seconds`);
    }
    return Math.round(text * 1000);
  }
  const compact = text.trim().toLowerCase().replace(/\s+/g, "");
  if (SECONDS.test(compact)) return Math.round(Number(compact) * 1000);
  if (!WHOLE.test(compact)) {
    throw new RangeError(`invalid duration "${text}": ${HINT}`);
  }
  let total = 0;
  for (const match of compact.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Math.round(total);
}

export const DURATION_HINT = HINT;

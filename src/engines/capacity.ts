import type { CapacityPreference } from "./engine.js";

/**
 * Whether a spot attempt at this placement must become a standard one. A zone or type the
 * engine cannot tell (undefined) is not avoided: only what the preference names is.
 */
export function spotAvoided(
  preference: CapacityPreference | undefined,
  placement: { zone?: string; machineType?: string },
): boolean {
  if (!preference) return false;
  if (preference.standardOnly) return true;
  const { zone, machineType } = placement;
  if (zone !== undefined && preference.avoidSpotZones?.includes(zone)) return true;
  return machineType !== undefined && (preference.avoidSpotTypes?.includes(machineType) ?? false);
}

/**
 * Applies a preference to an ordered list of attempts: a spot attempt that must not be spot
 * becomes standard in the same place, and a later attempt that is now a repeat is dropped, so
 * the walk's order (and its fallbacks) stays as configured.
 */
export function withPreference<T>(
  attempts: readonly T[],
  preference: CapacityPreference | undefined,
  view: {
    isSpot(attempt: T): boolean;
    placement(attempt: T): { zone?: string; machineType?: string };
    asStandard(attempt: T): T;
    key(attempt: T): string;
  },
): T[] {
  if (!preference) return [...attempts];
  const seen = new Set<string>();
  const out: T[] = [];
  for (const attempt of attempts) {
    const next =
      view.isSpot(attempt) && spotAvoided(preference, view.placement(attempt))
        ? view.asStandard(attempt)
        : attempt;
    const key = view.key(next);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(next);
  }
  return out;
}

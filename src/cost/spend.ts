import type { CapacityType } from "../engines/engine.js";

/**
 * Spend per UTC day, in memory: what /status shows as today and the last 7 days. Machines are
 * counted when they are deleted (their bill is known then); one without a price is counted as
 * unpriced, never as free.
 */

export interface SpendTotal {
  /** null when nothing was priced (unknown, not 0). */
  usd: number | null;
  machines: number;
  unpriced: number;
  byCapacity: Partial<Record<CapacityType, number>>;
}

interface Day {
  usd: number;
  priced: number;
  unpriced: number;
  byCapacity: Partial<Record<CapacityType, number>>;
}

const DAY_MS = 86_400_000;
const DAYS_KEPT = 7;

export class SpendBook {
  /** Day number (ms since the epoch / one day, UTC) → totals. */
  readonly #days = new Map<number, Day>();

  add(at: number, usd: number | null, capacity: CapacityType | undefined): void {
    const key = Math.floor(at / DAY_MS);
    let day = this.#days.get(key);
    if (!day) {
      day = { usd: 0, priced: 0, unpriced: 0, byCapacity: {} };
      this.#days.set(key, day);
      for (const old of this.#days.keys()) if (old <= key - DAYS_KEPT) this.#days.delete(old);
    }
    if (usd === null) {
      day.unpriced++;
      return;
    }
    day.usd += usd;
    day.priced++;
    if (capacity) day.byCapacity[capacity] = (day.byCapacity[capacity] ?? 0) + usd;
  }

  /** Today (UTC) and the 7 days ending today. */
  summary(now: number): { today: SpendTotal; last7Days: SpendTotal } {
    const today = Math.floor(now / DAY_MS);
    const sum = (from: number): SpendTotal => {
      const total = { usd: 0, priced: 0, unpriced: 0, byCapacity: {} as Day["byCapacity"] };
      for (const [key, day] of this.#days) {
        if (key < from || key > today) continue;
        total.usd += day.usd;
        total.priced += day.priced;
        total.unpriced += day.unpriced;
        for (const [capacity, usd] of Object.entries(day.byCapacity) as [CapacityType, number][])
          total.byCapacity[capacity] = (total.byCapacity[capacity] ?? 0) + usd;
      }
      return {
        usd: total.priced > 0 ? total.usd : null,
        machines: total.priced + total.unpriced,
        unpriced: total.unpriced,
        byCapacity: total.byCapacity,
      };
    };
    return { today: sum(today), last7Days: sum(today - (DAYS_KEPT - 1)) };
  }
}

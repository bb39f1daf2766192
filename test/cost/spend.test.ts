/** Spend per UTC day: today and the last 7 days; unpriced machines stay unknown. */
import { describe, expect, it } from "vitest";
import { SpendBook } from "../../src/cost/spend.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 4, 12);

describe("SpendBook", () => {
  it("sums today and the 7 days ending today, by capacity", () => {
    const book = new SpendBook();
    book.add(T0 - 8 * DAY, 5, "standard"); // too old for either
    book.add(T0 - 6 * DAY, 1, "spot");
    book.add(T0 - DAY, 0.5, "standard");
    book.add(T0, 0.25, "spot");
    book.add(T0 + 1000, 0.25, "standard");
    const { today, last7Days } = book.summary(T0 + 2000);
    expect(today).toEqual({
      usd: 0.5,
      machines: 2,
      unpriced: 0,
      byCapacity: { spot: 0.25, standard: 0.25 },
    });
    expect(last7Days.usd).toBeCloseTo(2, 9);
    expect(last7Days.machines).toBe(4);
  });

  it("says unknown (null) when nothing was priced, and counts unpriced machines apart", () => {
    const book = new SpendBook();
    expect(book.summary(T0).today).toEqual({ usd: null, machines: 0, unpriced: 0, byCapacity: {} });
    book.add(T0, null, "spot");
    expect(book.summary(T0).today).toMatchObject({ usd: null, machines: 1, unpriced: 1 });
    book.add(T0, 0.1, "spot");
    expect(book.summary(T0).today).toMatchObject({ usd: 0.1, machines: 2, unpriced: 1 });
  });

  it("rolls over at midnight UTC", () => {
    const book = new SpendBook();
    const midnight = Date.UTC(2026, 11, 5);
    book.add(midnight - 1, 1, "standard");
    book.add(midnight, 2, "standard");
    expect(book.summary(midnight).today.usd).toBe(2);
    expect(book.summary(midnight).last7Days.usd).toBe(3);
  });
});

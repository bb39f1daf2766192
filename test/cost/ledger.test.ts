/** The cost ledger over scaler events on a fake clock: lifetimes priced when machines go. */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BILLING_RULES } from "../../src/cost/billing.js";
import { CostLedger, type MachineCost } from "../../src/cost/ledger.js";
import { LiveSpotPrices } from "../../src/cost/live-spot.js";
import type { CostConfig } from "../../src/cost/prices.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 4, 9);
const CONFIG: CostConfig = {
  standardPerHour: 0.12,
  spotPerHour: 0.036,
  diskGbMonth: 0.1,
  liveSpotPrices: true,
};
const job = { jobId: "j-1", owner: "o", repo: "r", runId: 42 };

function ledger(config: CostConfig | undefined, live?: LiveSpotPrices) {
  const clock = { now: T0 };
  const costs: MachineCost[] = [];
  const l = new CostLedger({
    config,
    rule: BILLING_RULES.gcp,
    live,
    now: () => clock.now,
    onCost: (c) => costs.push(c),
  });
  return { l, clock, costs };
}

const created = (runner: string, capacity: "spot" | "standard") => ({
  type: "machine-created" as const,
  runner,
  machineId: `z/${runner}`,
  location: "us-central1-a",
  capacity,
  machineType: "e2-standard-2",
  diskGb: 73,
});

describe("CostLedger", () => {
  it("prices a job's machine from create to delete: boot and idle before the job count", () => {
    const { l, clock, costs } = ledger(CONFIG);
    l.observer(created("r-1", "standard"));
    clock.now += 2 * MIN; // booting and idle
    l.observer({ type: "job-started", runner: "r-1", job });
    clock.now += 8 * MIN;
    l.observer({
      type: "machine-deleted",
      runner: "r-1",
      machineId: "z/r-1",
      reason: "job-completed",
    });
    expect(costs).toHaveLength(1);
    const cost = costs[0]!;
    expect(cost).toMatchObject({ runner: "r-1", job, capacity: "standard", billedSeconds: 600 });
    // 600 s at $0.12/h + 73 GB × $0.10 × 600 s / 730 h
    expect(cost.usd).toBeCloseTo(0.02 + 0.001_666_7, 6);
    expect(l.status()).toMatchObject({
      configured: true,
      currency: "USD",
      today: { machines: 1, unpriced: 0 },
    });
    expect(l.status().today.usd).toBeCloseTo(cost.usd ?? 0, 9);
  });

  it("stops billing at the preemption, and prices spot at the spot price", () => {
    const { l, clock, costs } = ledger({ ...CONFIG, diskGbMonth: undefined });
    l.observer(created("r-2", "spot"));
    clock.now += 5 * MIN;
    l.preempted("r-2", new Date(clock.now));
    clock.now += 3 * MIN; // our delete comes later; the cloud stopped billing already
    l.observer({
      type: "machine-deleted",
      runner: "r-2",
      machineId: "z/r-2",
      reason: "job-completed",
    });
    expect(costs[0]).toMatchObject({ preempted: true, billedSeconds: 300, capacity: "spot" });
    expect(costs[0]?.usd).toBeCloseTo((300 * 0.036) / 3600, 9);
    expect(costs[0]?.job).toBeUndefined(); // never ran a job: not a job cost
  });

  it("prices an adopted machine from the cloud's creation time", () => {
    const { l, clock, costs } = ledger(CONFIG);
    l.observer({
      type: "machine-adopted",
      runner: "r-3",
      machineId: "z/r-3",
      createdAt: new Date(T0 - 20 * MIN),
      capacity: "standard",
      machineType: "e2-standard-2",
      diskGb: 10,
    });
    clock.now += 10 * MIN;
    l.observer({
      type: "machine-deleted",
      runner: "r-3",
      machineId: "z/r-3",
      reason: "max-lifetime",
    });
    expect(costs[0]?.billedSeconds).toBe(1800);
  });

  it("uses the live spot price when one was read, the configured one otherwise", async () => {
    const live = new LiveSpotPrices(async () => 0.018, { logger: pino({ level: "silent" }) });
    const { l, clock, costs } = ledger({ ...CONFIG, diskGbMonth: undefined }, live);
    l.observer(created("r-4", "spot"));
    await live.price("e2-standard-2", "us-central1-a"); // the read the create started
    clock.now += 10 * MIN;
    l.observer({
      type: "machine-deleted",
      runner: "r-4",
      machineId: "z/r-4",
      reason: "job-completed",
    });
    expect(costs[0]?.usd).toBeCloseTo(0.003, 9);
  });

  it("keeps an unknown cost unknown: no cost section, or no price for the capacity", () => {
    const none = ledger(undefined);
    none.l.observer(created("r-5", "standard"));
    none.l.observer({
      type: "machine-deleted",
      runner: "r-5",
      machineId: "z/r-5",
      reason: "idle-timeout",
    });
    expect(none.costs[0]?.usd).toBeNull();
    expect(none.l.status()).toMatchObject({ configured: false, today: { usd: null, unpriced: 1 } });

    const noSpot = ledger({ standardPerHour: 0.1, liveSpotPrices: false });
    noSpot.l.observer(created("r-6", "spot"));
    noSpot.l.observer({
      type: "machine-deleted",
      runner: "r-6",
      machineId: "z/r-6",
      reason: "idle-timeout",
    });
    expect(noSpot.costs[0]?.usd).toBeNull();
  });

  it("ignores a delete of another machine by the same runner name", () => {
    const { l, costs } = ledger(CONFIG);
    l.observer(created("r-7", "standard"));
    l.observer({ type: "machine-deleted", runner: "r-7", machineId: "other", reason: "orphan" });
    expect(costs).toEqual([]);
  });
});

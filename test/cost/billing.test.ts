/** Billing rules and prices: per second, one-minute minimums, disks, unknown prices. */
import { describe, expect, it } from "vitest";
import { BILLING_RULES, billedSeconds, machineCost } from "../../src/cost/billing.js";
import { configuredHourly } from "../../src/cost/prices.js";

describe("billing rules", () => {
  it("bills every started second, with a 60 s minimum on both clouds", () => {
    expect(billedSeconds(0, 60)).toBe(60);
    expect(billedSeconds(59_001, 60)).toBe(60);
    expect(billedSeconds(60_001, 60)).toBe(61);
    expect(billedSeconds(600_000, 60)).toBe(600);
    expect(BILLING_RULES.gcp.minimumSeconds).toBe(60);
    expect(BILLING_RULES.ec2.minimumSeconds).toBe(60);
  });

  it("prices a GCE VM: 10 min at $0.0670/h plus a 50 GB disk at $0.10/GB-month", () => {
    const usd = machineCost({
      rule: BILLING_RULES.gcp,
      lifetimeMs: 600_000,
      hourly: 0.067,
      diskGb: 50,
      diskGbMonth: 0.1,
    });
    // 600 s × 0.067/3600 + 50 × 0.10 × 600 / (730 × 3600)
    expect(usd).toBeCloseTo(0.011_166_7 + 0.001_141_6, 6);
  });

  it("charges the minimum for a VM deleted after 20 s (EC2 disk too)", () => {
    const usd = machineCost({
      rule: BILLING_RULES.ec2,
      lifetimeMs: 20_000,
      hourly: 0.36,
      diskGb: 730,
      diskGbMonth: 3.6,
    });
    expect(usd).toBeCloseTo(0.006 + 0.06, 9);
    // The GCE disk is pro-rated by the second without a minimum.
    expect(
      machineCost({
        rule: BILLING_RULES.gcp,
        lifetimeMs: 20_000,
        hourly: 0.36,
        diskGb: 730,
        diskGbMonth: 3.6,
      }),
    ).toBeCloseTo(0.006 + 0.02, 9);
  });

  it("is unknown — null, never 0 — without an hourly price, or a disk price without a size", () => {
    const base = { rule: BILLING_RULES.gcp, lifetimeMs: 600_000 };
    expect(machineCost({ ...base, hourly: null })).toBeNull();
    expect(machineCost({ ...base, hourly: undefined })).toBeNull();
    expect(machineCost({ ...base, hourly: 0 })).toBeNull();
    expect(machineCost({ ...base, hourly: 0.1, diskGbMonth: 0.1 })).toBeNull();
    expect(machineCost({ ...base, hourly: 0.36 })).toBeCloseTo(0.06, 9); // no disk price: left out
  });

  it("reads one price or a price per machine type, per capacity", () => {
    const config = {
      standardPerHour: { "m7i.large": 0.1008 },
      spotPerHour: 0.04,
      liveSpotPrices: true,
    };
    expect(configuredHourly(config, "standard", "m7i.large")).toBe(0.1008);
    expect(configuredHourly(config, "standard", "m6i.large")).toBeNull();
    expect(configuredHourly(config, "standard", undefined)).toBeNull();
    expect(configuredHourly(config, "spot", "anything")).toBe(0.04);
    expect(configuredHourly({ liveSpotPrices: true }, "spot", "x")).toBeNull();
  });
});

/** Live spot prices: read once per type and zone, cached an hour (fake clock), failures remembered. */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { LiveSpotPrices } from "../../src/cost/live-spot.js";
import { EngineError } from "../../src/engines/engine.js";

const HOUR = 3_600_000;

describe("LiveSpotPrices", () => {
  it("reads a price once, serves it for an hour, then reads again", async () => {
    const clock = { now: 0 };
    const calls: string[] = [];
    let price = 0.031;
    const prices = new LiveSpotPrices(
      async (type, zone) => {
        calls.push(`${type}/${zone}`);
        return price;
      },
      { logger: pino({ level: "silent" }), now: () => clock.now },
    );
    expect(
      await Promise.all([prices.price("m7i.large", "a"), prices.price("m7i.large", "a")]),
    ).toEqual([0.031, 0.031]);
    expect(calls).toEqual(["m7i.large/a"]); // concurrent asks share one read
    price = 0.05;
    clock.now = HOUR - 1;
    expect(await prices.price("m7i.large", "a")).toBe(0.031);
    expect(await prices.price("m7i.large", "b")).toBe(0.05);
    clock.now = HOUR;
    expect(await prices.price("m7i.large", "a")).toBe(0.05);
    expect(calls).toEqual(["m7i.large/a", "m7i.large/b", "m7i.large/a"]);
  });

  it("remembers a failed read for 5 minutes and says so once, with the fix", async () => {
    const clock = { now: 0 };
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    let calls = 0;
    const prices = new LiveSpotPrices(
      async () => {
        calls++;
        throw new EngineError("denied", {
          code: "UNAUTHORIZED",
          retryable: false,
          fix: "allow it",
        });
      },
      { logger, now: () => clock.now },
    );
    expect(await prices.price("t", "z")).toBeNull();
    expect(await prices.price("t", "z")).toBeNull();
    expect(calls).toBe(1);
    clock.now = 5 * 60_000;
    expect(await prices.price("t", "z")).toBeNull();
    expect(calls).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("UNAUTHORIZED");
    expect(lines[0]).toContain("ec2:DescribeSpotPriceHistory");
  });
});

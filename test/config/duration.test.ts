import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/index.js";
import { load, loadError } from "./helpers.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["1d", 86_400_000],
    ["1.5s", 1_500],
    [" 2m 30s ", 150_000],
    ["45", 45_000],
    ["0", 0],
  ])("parses %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("treats numbers as seconds", () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it.each(["", "5x", "m5", "-5s", "5 minutes", "1h-30m", "abc"])(
    "rejects %j with a hint",
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration .*30s, 5m, 1h30m/);
    },
  );

  it("rejects negative and non-finite numbers", () => {
    expect(() => parseDuration(-1)).toThrow(RangeError);
    expect(() => parseDuration(Number.NaN)).toThrow(RangeError);
  });
});

describe("durations in config", () => {
  it("converts every duration field to milliseconds", async () => {
    const config = await load(`
github: { url: https://github.com/o, token: env:GITHUB_TOKEN }
scalesets:
  - name: a
    idle_timeout: 90
    max_runner_lifetime: 1h30m
    boot_timeout: "250ms"
    engine: { type: sim, sim: { boot_delay: 3s, create_delay: 0 } }
scaler: { reconcile_interval: 45s, shutdown_grace: 1m }
`);
    const set = config.scalesets[0]!;
    expect(set.idleTimeout).toBe(90_000);
    expect(set.maxRunnerLifetime).toBe(5_400_000);
    expect(set.bootTimeout).toBe(250);
    expect(set.engine).toEqual({ type: "sim", sim: { bootDelay: 3_000, createDelay: 0 } });
    expect(config.scaler.reconcileInterval).toBe(45_000);
    expect(config.scaler.shutdownGrace).toBe(60_000);
  });

  it("names the field and the accepted forms for a bad duration", async () => {
    const error = await loadError(`
github: { url: https://github.com/o, token: env:GITHUB_TOKEN }
scalesets: [{ name: a, idle_timeout: 5 minutes, boot_timeout: true }]
scaler: { reconcile_interval: 0s }
`);
    expect(error.message).toContain(
      "scalesets[0].idle_timeout: not a valid duration — use a number with a unit (250ms, 30s, 5m, 1h30m, 1d) or a number of seconds",
    );
    expect(error.message).toContain("scalesets[0].boot_timeout: not a valid duration —");
    expect(error.message).toContain(
      "scaler.reconcile_interval: must be longer than zero — give a positive duration",
    );
    expect(error.problems).toHaveLength(3);
  });
});

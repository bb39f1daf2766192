/** `scaleset status`: the spend and spot lines, unknown costs said as unknown. */
import { describe, expect, it } from "vitest";
import { renderStatus } from "../../src/cli/status-render.js";
import { formatSpend, formatUsd } from "../../src/cli/status-spend.js";

const NOW = Date.UTC(2026, 11, 4, 12);
const total = (usd: number | null, machines: number, unpriced = 0) => ({
  usd,
  machines,
  unpriced,
  byCapacity: {},
});

function status(set: Record<string, unknown>) {
  return {
    version: "0.1.0",
    owner: "host",
    startedAt: new Date(NOW - 600_000).toISOString(),
    scalesets: [{ name: "linux", engine: "gcp", listener: {}, scaler: null, ...set }],
  };
}

describe("status: spend", () => {
  it("formats dollars and spend totals, never $0 for unknown", () => {
    expect(formatUsd(0.012345)).toBe("$0.0123");
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(formatSpend(total(null, 0))).toBe("none yet");
    expect(formatSpend(total(null, 2, 2))).toBe("unknown (2 machines without a price)");
    expect(formatSpend(total(0.05, 3, 1))).toBe(
      "$0.0500 (2 machines) + unknown (1 machine without a price)",
    );
  });

  it("shows today, 7 days, open breakers and pending re-runs", () => {
    const text = renderStatus(
      status({
        cost: {
          configured: true,
          since: new Date(NOW - 300_000).toISOString(),
          today: total(0.0123, 4),
          last7Days: total(0.0123, 4),
        },
        spot: {
          preemptions: 2,
          breakers: [
            { key: "zone:us-central1-a", state: "open", openedAt: NOW - 60_000, preemptions: 2 },
            {
              key: "type:e2-standard-2",
              state: "half-open",
              openedAt: NOW - 1_800_000,
              preemptions: 3,
            },
          ],
          rerun: { enabled: true, watchingRuns: [], standardOnlyFor: [9] },
        },
      }),
      NOW,
    );
    expect(text).toContain(
      "  spend     today $0.0123 (4 machines) · 7 days $0.0123 (4 machines) · kept since 5m 00s ago",
    );
    expect(text).toContain(
      "  spot      2 preempted · zone:us-central1-a open (opened 1m 00s ago: standard only) · type:e2-standard-2 half-open (opened 30m 00s ago: one spot probe at a time) · 1 re-run(s) starting on standard capacity",
    );
  });

  it("says so when no prices are configured, and prints nothing for an older server", () => {
    expect(renderStatus(status({ cost: { configured: false } }), NOW)).toContain(
      "spend     unknown: no prices configured",
    );
    expect(renderStatus(status({}), NOW)).not.toContain("spend");
  });
});

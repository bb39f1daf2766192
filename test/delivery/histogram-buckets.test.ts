/**
 * Histogram bounds are fine enough where creates, boots and queue times fall (10 s to 300 s)
 * for a p95 read from Prometheus to be within ~10 %. histogram_quantile interpolates linearly
 * inside the bucket the quantile falls in, so its estimate can be anywhere between the bucket's
 * bounds: the worst-case relative error is (upper − lower) / lower.
 */
import { describe, expect, it } from "vitest";
import { METRICS, type MetricDefinition } from "../../src/telemetry/metric-definitions.js";

const RANGE = [10, 300] as const;
const TOLERANCE = 0.1;

/** The largest (upper − lower) / lower over the buckets that overlap [from, to]. */
function worstInterpolationError(bounds: readonly number[], [from, to]: readonly number[]) {
  let worst = 0;
  for (let i = 1; i < bounds.length; i++) {
    const [lower, upper] = [bounds[i - 1]!, bounds[i]!];
    if (upper <= from || lower >= to) continue;
    worst = Math.max(worst, (upper - lower) / lower);
  }
  return worst;
}

/** Prometheus' histogram_quantile over cumulative bucket counts (linear within a bucket). */
function histogramQuantile(q: number, bounds: readonly number[], samples: number[]): number {
  const cumulative = bounds.map((le) => samples.filter((s) => s <= le).length);
  const rank = q * samples.length;
  const i = cumulative.findIndex((count) => count >= rank);
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : cumulative[i - 1]!;
  return lower + ((bounds[i]! - lower) * (rank - below)) / (cumulative[i]! - below);
}

function exactQuantile(q: number, samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

// The phase histograms (queue, job, provision, boot, teardown) and cloud calls (creates).
const TIMED = [
  "jobQueueDuration",
  "jobDuration",
  "provisionDuration",
  "bootDuration",
  "teardownDuration",
  "cloudDuration",
] as const;
const timed = TIMED.map((id) => [id, METRICS[id] as MetricDefinition] as const);

describe("histogram buckets between 10 s and 300 s", () => {
  it.each(timed)("%s: worst-case interpolation error <= 10 %", (_, def) => {
    const bounds = def.buckets!;
    expect(bounds[0]!).toBeLessThanOrEqual(RANGE[0]);
    expect(bounds.at(-1)!).toBeGreaterThanOrEqual(RANGE[1]);
    expect(worstInterpolationError(bounds, RANGE)).toBeLessThanOrEqual(TOLERANCE + 1e-9);
  });

  it("the old bounds (10, 30, 60, 120, 300) were up to 200 % off", () => {
    expect(worstInterpolationError([10, 30, 60, 120, 300], RANGE)).toBeCloseTo(2);
  });

  it("a p95 read the way Prometheus reads it is within 10 % of the true p95", () => {
    const bounds = METRICS.bootDuration.buckets;
    const next = random(42);
    // Boot times around 20, 45, 90 and 200 s, spread ±30 %; and a skewed create-time tail.
    const shapes = [20, 45, 90, 200].map((centre) =>
      Array.from({ length: 2_000 }, () => centre * (0.7 + 0.6 * next())),
    );
    shapes.push(Array.from({ length: 2_000 }, () => 12 + 60 * next() ** 3));
    // Boots of 25–33 s: most of the old 30–60 s bucket is empty.
    const narrow = Array.from({ length: 2_000 }, () => 25 + 8 * next());
    shapes.push(narrow);
    for (const samples of shapes) {
      const truth = exactQuantile(0.95, samples);
      const estimate = histogramQuantile(0.95, bounds, samples);
      expect(Math.abs(estimate - truth) / truth, `p95 ${truth.toFixed(1)} s`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    }
    // The same with the old bounds: far off.
    const old = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    const truth = exactQuantile(0.95, narrow);
    expect(Math.abs(histogramQuantile(0.95, old, narrow) - truth) / truth).toBeGreaterThan(0.5);
  });
});

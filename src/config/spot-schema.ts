/** `scalesets[].spot`: what happens when spot machines are preempted (docs/cost.md). */
import { duration, flag, section, wholeNumber } from "./fields.js";

export interface SpotConfig {
  /** Re-run a workflow run whose jobs failed only because their machines were preempted. */
  rerunPreempted: boolean;
  /** Ms to wait for such a run to complete before giving up on it. */
  rerunWait: number;
  /** Longest ms new runners stay standard after a re-run (until its jobs started). */
  standardAfterRerun: number;
  breaker: {
    /** Preemptions in `window` (per zone, per machine type) that open the breaker. */
    preemptions: number;
    window: number;
    /** How long the breaker stays open (standard capacity only) before one spot probe. */
    coolDown: number;
  };
}

const breakerSchema = section({
  preemptions: wholeNumber({ min: 1, max: 1000 })
    .prefault(3)
    .describe("Preemptions in `window`, in one zone or of one machine type, that open it."),
  window: duration({ positive: true }).prefault("15m").describe("How far back preemptions count."),
  cool_down: duration({ positive: true })
    .prefault("30m")
    .describe("Standard capacity only there for this long; then one spot probe (half-open)."),
});

export const spotSchema = section({
  rerun_preempted: flag()
    .prefault(false)
    .describe(
      "Re-run a completed workflow run whose failed jobs were all on preempted machines (needs Actions: write).",
    ),
  rerun_wait: duration({ positive: true })
    .prefault("6h")
    .describe("How long to wait for such a run to complete before giving up on it."),
  standard_after_rerun: duration({ positive: true })
    .prefault("30m")
    .describe(
      "New runners are standard capacity until the re-run's jobs started, at most this long.",
    ),
  breaker: breakerSchema.prefault({}),
}).transform(
  (s): SpotConfig => ({
    rerunPreempted: s.rerun_preempted,
    rerunWait: s.rerun_wait,
    standardAfterRerun: s.standard_after_rerun,
    breaker: {
      preemptions: s.breaker.preemptions,
      window: s.breaker.window,
      coolDown: s.breaker.cool_down,
    },
  }),
);

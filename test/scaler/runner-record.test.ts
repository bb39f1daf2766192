import { describe, expect, it } from "vitest";
import { desiredRunnerCount, planScaleDown } from "../../src/scaler/desired.js";
import {
  InvalidTransitionError,
  makeRunnerName,
  newRunnerRecord,
  type RunnerState,
  transition,
} from "../../src/scaler/runner-record.js";

describe("desiredRunnerCount", () => {
  it.each([
    [0, 10, 0, 0],
    [0, 10, 3, 3],
    [2, 10, 3, 5],
    [2, 4, 3, 4],
    [0, 0, 5, 0],
    [1, 10, -4, 1],
    [0, 10, Number.NaN, 0],
  ])("min %i max %i assigned %i → %i", (min, max, assigned, want) => {
    expect(desiredRunnerCount(min, max, assigned)).toBe(want);
  });
});

describe("runner state machine", () => {
  it("follows pending → booting → idle → busy → deleting", () => {
    const r = newRunnerRecord("r", 0);
    for (const [to, at] of [
      ["booting", 1],
      ["idle", 2],
      ["busy", 3],
      ["deleting", 4],
    ] as const) {
      transition(r, to, at);
      expect(r.state).toBe(to);
      expect(r.stateSince).toBe(at);
    }
  });

  it("rejects transitions the model forbids", () => {
    const r = newRunnerRecord("r", 0);
    expect(() => transition(r, "idle", 1)).toThrow(InvalidTransitionError);
    transition(r, "booting", 1);
    transition(r, "busy", 2);
    expect(() => transition(r, "idle", 3)).toThrow(/busy → idle/);
  });

  it("lets a scale-down that lost the race to a job go back to busy", () => {
    const r = newRunnerRecord("r", 0);
    transition(r, "booting", 1);
    transition(r, "deleting", 2);
    transition(r, "busy", 3);
    expect(r.state).toBe("busy");
  });
});

describe("makeRunnerName", () => {
  it.each([
    ["linux-x64", "linux-x64-abcd1234"],
    ["Linux_X64.Large", "linux-x64-large-abcd1234"],
    ["123gpu", "r-123gpu-abcd1234"],
    ["--weird--", "weird-abcd1234"],
    ["x".repeat(80), `${"x".repeat(50)}-abcd1234`],
  ])("%s → %s", (scaleSet, want) => {
    const name = makeRunnerName(scaleSet, () => "abcd1234");
    expect(name).toBe(want);
    expect(name).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
  });
});

describe("planScaleDown", () => {
  const at = (name: string, state: RunnerState, since: number, adopted = false) => ({
    ...newRunnerRecord(name, since),
    state,
    stateSince: since,
    adopted,
  });

  it("cancels unprovisioned runners first, then retires the longest-idle past the timeout, never busy ones", () => {
    const runners = [
      at("busy", "busy", 0),
      at("idle-old", "idle", 100),
      at("idle-new", "idle", 900),
      at("booting-old", "booting", 50),
      at("pending", "pending", 950),
      at("adopted-pending", "pending", 0, true),
    ];
    const { cancel, retire } = planScaleDown(runners, 2, 1000, 500);
    expect(cancel.map((r) => r.name)).toEqual(["pending"]);
    expect(retire.map((r) => r.name)).toEqual(["booting-old", "idle-old"]); // idle-new: too recent
  });

  it("does nothing at or below the target", () => {
    expect(planScaleDown([at("a", "idle", 0)], 1, 10_000, 1)).toEqual({ cancel: [], retire: [] });
  });
});

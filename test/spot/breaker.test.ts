/** The spot circuit breaker on a fake clock: closed → open → half-open → closed or open again. */
import { describe, expect, it } from "vitest";
import { type BreakerTransition, breakerKeys, SpotBreakers } from "../../src/spot/breaker.js";

const MIN = 60_000;
const SETTINGS = { preemptions: 3, windowMs: 10 * MIN, coolDownMs: 30 * MIN };
const ZONE = "zone:us-central1-a";

function breakers() {
  const clock = { now: 1_000_000 };
  const transitions: BreakerTransition[] = [];
  const b = new SpotBreakers(
    SETTINGS,
    () => clock.now,
    (t) => transitions.push(t),
  );
  const advance = (ms: number) => {
    clock.now += ms;
  };
  return { b, advance, transitions };
}

describe("spot circuit breaker", () => {
  it("stays closed below N preemptions in the window, opens at N", () => {
    const { b, advance, transitions } = breakers();
    b.preempted([ZONE]);
    advance(MIN);
    b.preempted([ZONE]);
    expect(b.avoided()).toEqual([]);
    expect(b.views()).toEqual([{ key: ZONE, state: "closed", preemptions: 2 }]);
    advance(MIN);
    b.preempted([ZONE]);
    expect(b.avoided()).toEqual([ZONE]);
    expect(transitions).toEqual([{ key: ZONE, from: "closed", to: "open" }]);
  });

  it("forgets preemptions older than the window", () => {
    const { b, advance } = breakers();
    b.preempted([ZONE]);
    b.preempted([ZONE]);
    advance(SETTINGS.windowMs + 1);
    b.preempted([ZONE]);
    expect(b.avoided()).toEqual([]);
    expect(b.views()[0]).toMatchObject({ state: "closed", preemptions: 1 });
  });

  it("keys zones and machine types apart: one zone opening leaves the others spot", () => {
    const { b } = breakers();
    const keys = breakerKeys({ zone: "us-central1-a", machineType: "e2-standard-2" });
    expect(keys).toEqual(["zone:us-central1-a", "type:e2-standard-2"]);
    for (let i = 0; i < 3; i++) b.preempted(keys);
    b.preempted(["zone:us-central1-b"]);
    expect(b.avoided().sort()).toEqual(["type:e2-standard-2", "zone:us-central1-a"]);
  });

  it("half-opens after the cool-down and lets exactly one probe through", () => {
    const { b, advance, transitions } = breakers();
    for (let i = 0; i < 3; i++) b.preempted([ZONE]);
    advance(SETTINGS.coolDownMs - 1);
    expect(b.avoided()).toEqual([ZONE]);
    advance(1);
    // The first create may go spot there: the probe. Until it exists, the next ones may not.
    expect(b.avoided()).toEqual([]);
    expect(b.avoided()).toEqual([ZONE]);
    b.spotCreated([ZONE], "runner-probe");
    expect(b.avoided()).toEqual([ZONE]);
    expect(b.views()[0]).toMatchObject({ state: "half-open", probe: "runner-probe" });
    expect(transitions.at(-1)).toEqual({ key: ZONE, from: "open", to: "half-open" });
  });

  it("closes when the probe's job succeeds", () => {
    const { b, advance, transitions } = breakers();
    for (let i = 0; i < 3; i++) b.preempted([ZONE]);
    advance(SETTINGS.coolDownMs);
    b.avoided();
    b.spotCreated([ZONE], "runner-probe");
    b.succeeded("someone-else");
    expect(b.views()[0]?.state).toBe("half-open");
    b.succeeded("runner-probe");
    expect(b.avoided()).toEqual([]);
    expect(b.views()).toEqual([]);
    expect(transitions.at(-1)).toEqual({ key: ZONE, from: "half-open", to: "closed" });
  });

  it("opens again for a whole cool-down when the probe is preempted", () => {
    const { b, advance, transitions } = breakers();
    for (let i = 0; i < 3; i++) b.preempted([ZONE]);
    advance(SETTINGS.coolDownMs);
    b.avoided();
    b.spotCreated([ZONE], "runner-probe");
    advance(MIN);
    b.preempted([ZONE]); // one preemption is enough while half-open
    expect(transitions.at(-1)).toEqual({ key: ZONE, from: "half-open", to: "open" });
    advance(SETTINGS.coolDownMs - 1);
    expect(b.avoided()).toEqual([ZONE]);
    advance(1);
    expect(b.avoided()).toEqual([]);
  });

  it("lets another probe go when one ends without a verdict, or its reservation lapses", () => {
    const { b, advance } = breakers();
    for (let i = 0; i < 3; i++) b.preempted([ZONE]);
    advance(SETTINGS.coolDownMs);
    b.avoided();
    b.spotCreated([ZONE], "runner-probe");
    b.ended("runner-probe"); // idle timeout, or its job failed for another reason
    expect(b.avoided()).toEqual([]);
    // That reservation was never used (the create went elsewhere): it lapses.
    expect(b.avoided()).toEqual([ZONE]);
    advance(5 * MIN);
    expect(b.avoided()).toEqual([]);
  });
});

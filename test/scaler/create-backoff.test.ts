import { describe, expect, it } from "vitest";
import { CreateBackoff } from "../../src/scaler/create-backoff.js";

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}
const refused = {
  code: "PERMISSION_DENIED",
  message: "no",
  stage: "engine",
  retryable: false,
} as const;
const throttled = {
  code: "RATE_LIMITED",
  message: "slow down",
  stage: "engine",
  retryable: true,
} as const;

describe("CreateBackoff", () => {
  it("counts a burst of failures as one step, and records the last cause", () => {
    const c = clock();
    const backoff = new CreateBackoff(c.now, () => 0.5);
    for (let i = 0; i < 4; i++) backoff.failed(throttled);
    const snap = backoff.snapshot();
    expect(snap.consecutiveFailures).toBe(1);
    expect(snap.blockedForMs).toBe(1000);
    expect(snap.lastFailure).toMatchObject({ code: "RATE_LIMITED", at: c.now() });
    c.advance(1000);
    expect(backoff.blocked()).toBe(false);
    backoff.failed(throttled);
    expect(backoff.snapshot().blockedForMs).toBe(2000);
  });

  it("waits longer after a non-retryable error, but never more than 5 minutes, and never stops", () => {
    const c = clock();
    const backoff = new CreateBackoff(c.now, () => 0.5);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      backoff.failed(refused);
      waits.push(backoff.snapshot().blockedForMs);
      c.advance(backoff.snapshot().blockedForMs);
      expect(backoff.blocked()).toBe(false);
    }
    expect(waits.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(Math.max(...waits)).toBe(300_000);
    backoff.created();
    backoff.failed(refused);
    expect(backoff.snapshot().blockedForMs).toBe(30_000);
  });

  it("keeps growing on boot failures although every create is accepted, until a runner comes online", () => {
    const c = clock();
    const backoff = new CreateBackoff(c.now, () => 0.5);
    const boot = {
      code: "BOOT_FAILURE",
      message: "stopped",
      stage: "boot",
      retryable: false,
    } as const;
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      backoff.created();
      backoff.failed(boot);
      waits.push(backoff.snapshot().blockedForMs);
      c.advance(waits[i] ?? 0);
    }
    expect(waits).toEqual([30_000, 60_000, 120_000]);
    expect(backoff.snapshot().consecutiveBootFailures).toBe(3);
    backoff.online();
    backoff.created();
    backoff.failed(boot);
    expect(backoff.snapshot().blockedForMs).toBe(30_000);
  });
});

/**
 * A long poll GitHub never answers (a proxy holding it open) is abandoned after the poll
 * timeout and sent again; readiness turns false when no poll came back for longer than the
 * stall window. Fake clock: the real figures (65 s, 80 s) are used.
 */
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_POLL_TIMEOUT_MS, stallAfterMs } from "../../src/listener/status.js";
import { advanceUntil, makeListener, message, ScriptedGitHub, useFakeClock } from "./helpers.js";

useFakeClock();

const polls = (github: ScriptedGitHub) => github.calls.filter((c) => c.startsWith("poll:")).length;
const sessions = (github: ScriptedGitHub) =>
  github.calls.filter((c) => c.startsWith("createSession")).length;

describe("ScaleSetListener long-poll timeout", () => {
  it("abandons a poll unanswered for 65 s and polls again on the same session", async () => {
    const github = new ScriptedGitHub();
    github.polls = ["hang", message(3, 1)];
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    await advanceUntil(() => polls(github) === 1);
    await vi.advanceTimersByTimeAsync(DEFAULT_POLL_TIMEOUT_MS - 100);
    expect(polls(github)).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    await advanceUntil(() => github.calls.includes("ack:3"), 1_000);
    expect(sessions(github)).toBe(1);
    expect(listener.status()).toMatchObject({ unansweredPolls: 1, restarts: 0 });
    abort.abort();
    await advanceUntil(() => listener.status().phase === "stopped", 1_000);
    await running;
  });

  it("replaces the session after three unanswered polls in a row", async () => {
    const github = new ScriptedGitHub();
    github.polls = ["hang", "hang", "hang", null];
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    await advanceUntil(() => sessions(github) === 2, 4 * DEFAULT_POLL_TIMEOUT_MS, 1_000);
    expect(github.calls).toContain("deleteSession:10:s-10");
    expect(listener.status()).toMatchObject({ unansweredPolls: 3, restarts: 1 });
    abort.abort();
    await advanceUntil(() => listener.status().phase === "stopped", 1_000);
    await running;
  });

  it("is not ready while no poll came back for longer than the stall window, ready again after", async () => {
    const stallMs = stallAfterMs(DEFAULT_POLL_TIMEOUT_MS);
    expect(stallMs).toBe(80_000);
    const github = new ScriptedGitHub();
    github.polls = ["hang", "hang", null];
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    await advanceUntil(() => polls(github) === 1);
    const start = Date.now();
    expect(listener.notReadyReason()).toBeNull();
    await vi.advanceTimersByTimeAsync(stallMs - 1_000);
    expect(listener.notReadyReason()).toBeNull(); // one retried poll is normal
    await vi.advanceTimersByTimeAsync(2_000);
    expect(listener.notReadyReason()).toMatch(/^polling: no poll answered for 8\d s$/);
    await advanceUntil(() => polls(github) === 4, 2 * DEFAULT_POLL_TIMEOUT_MS, 500);
    expect(Date.now() - start).toBeGreaterThanOrEqual(2 * DEFAULT_POLL_TIMEOUT_MS);
    expect(listener.notReadyReason()).toBeNull();
    abort.abort();
    await advanceUntil(() => listener.status().phase === "stopped", 1_000);
    await running;
  });

  it("a hung ack shows as phase acking, and stalls readiness", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(4, 1)];
    github.hangingAcks.add(4);
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    await advanceUntil(() => github.calls.includes("ack:4"));
    expect(listener.status().phase).toBe("acking");
    expect(listener.notReadyReason()).toBeNull();
    await vi.advanceTimersByTimeAsync(stallAfterMs(DEFAULT_POLL_TIMEOUT_MS) + 1_000);
    expect(listener.notReadyReason()).toMatch(/^acking: no poll answered for/);
    abort.abort();
    await advanceUntil(() => listener.status().phase === "stopped", 10_000, 100);
    await running;
  });
});

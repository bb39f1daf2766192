/**
 * Shutdown of the listener on a fake clock: a message in flight gets half the grace, the
 * session delete what remains of it (not a fixed 5 s), and the phase says "stopping".
 */
import { describe, expect, it, vi } from "vitest";
import { advanceUntil, makeListener, message, ScriptedGitHub, useFakeClock } from "./helpers.js";

useFakeClock();

describe("ScaleSetListener shutdown", () => {
  it("abandons a hung ack when half the grace is gone, then deletes the session", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(9, 4)];
    github.hangingAcks.add(9);
    const { listener } = makeListener(github);
    const running = listener.run();
    await advanceUntil(() => github.calls.includes("ack:9"));
    expect(listener.status().phase).toBe("acking");

    const stopped = listener.stop(8_000);
    expect(listener.status().phase).toBe("stopping");
    await vi.advanceTimersByTimeAsync(3_990);
    expect(github.calls).not.toContain("ack-aborted:9");
    await vi.advanceTimersByTimeAsync(20);
    expect(github.calls).toContain("ack-aborted:9");
    await advanceUntil(() => github.calls.includes("deleteSession:10:s-10"), 100);
    await stopped;
    await running;
    expect(listener.status().phase).toBe("stopped");
    expect(github.calls).not.toContain("desired:4"); // the abandoned message was not dispatched
  });

  it.each([
    { graceMs: 10_000, deleteMs: 6_000, deleted: true },
    { graceMs: 4_000, deleteMs: 6_000, deleted: false },
  ])(
    "the session delete gets what remains of a $graceMs ms grace (delete takes $deleteMs ms)",
    async ({ graceMs, deleteMs, deleted }) => {
      const github = new ScriptedGitHub();
      github.deleteSessionMs = deleteMs;
      const { listener } = makeListener(github);
      void listener.run();
      await advanceUntil(() => github.calls.includes("poll:0:7"));
      const stoppedAt = Date.now();
      const stopped = listener.stop(graceMs);
      await advanceUntil(() => listener.status().phase === "stopped", 20_000);
      await stopped;
      const took = Date.now() - stoppedAt;
      if (deleted) {
        expect(github.calls.at(-1)).toBe("deleteSession:10:s-10");
        expect(took).toBeGreaterThanOrEqual(deleteMs);
      } else {
        expect(github.calls.at(-1)).toBe("deleteSession-aborted:10");
        expect(took).toBeGreaterThanOrEqual(graceMs);
      }
      expect(took).toBeLessThanOrEqual(graceMs + 20);
    },
  );

  it("a run signal without stop() uses the default grace", async () => {
    const github = new ScriptedGitHub();
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    await advanceUntil(() => github.calls.includes("poll:0:7"));
    abort.abort(new Error("SIGTERM"));
    await advanceUntil(() => listener.status().phase === "stopped", 100);
    await running;
    expect(github.calls.at(-1)).toBe("deleteSession:10:s-10");
  });
});

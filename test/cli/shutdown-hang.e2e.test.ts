/**
 * Issue 12 item 1 (+ issue 11): SIGTERM wins over GitHub calls that hang. The real CLI, the
 * simulator holding an ack, an acquirejobs or a session delete open: /status names what it waits
 * on, /readyz turns 503 when no poll answers for the stall window and at once on SIGTERM, and
 * the process exits within shutdown_grace plus a second or so. A slow session delete gets what
 * remains of the grace (not a fixed 5 s), so no stale session is left behind.
 */
import { describe, expect, it } from "vitest";
import type { RouteName } from "../../src/sim/github/route-names.js";
import { faultStage, listenerOf, type RunningCli, readyz, until } from "./fault-cli.js";

const GRACE_MS = 8_000;
const stage = faultStage();

/** SIGTERM; checks /readyz answers 503 while stopping; resolves with the exit code and time. */
async function terminate(c: RunningCli): Promise<{ code: number | string; tookMs: number }> {
  const signalledAt = Date.now();
  c.run.child.kill("SIGTERM");
  const ready = await until("/readyz 503 'shutting down' after SIGTERM", async () => {
    const r = await readyz(c);
    return r.reasons.includes("shutting down") ? r : undefined;
  });
  expect(ready.status).toBe(503);
  const seenAfterMs = Date.now() - signalledAt;
  expect(seenAfterMs).toBeLessThan(GRACE_MS / 2); // long before the exit
  const code = await c.run.exited;
  return { code, tookMs: Date.now() - signalledAt };
}

describe("SIGTERM with a GitHub call that never answers", () => {
  it.each<{ route: RouteName; phase: string; jobMode: "available" | "assigned" }>([
    { route: "ackMessage", phase: "acking", jobMode: "assigned" },
    { route: "acquireJobs", phase: "acquiring", jobMode: "available" },
  ])(
    "a hung $route: phase $phase, not ready once polls stall, exits within the grace",
    async ({ route, phase, jobMode }) => {
      const sim = await stage.startSim({ longPollMs: 1_000, jobMode });
      const scaleSet = `hang-${route.toLowerCase()}`;
      const c = await stage.startCli({
        scaleSet,
        graceMs: GRACE_MS,
        pollTimeout: "2s", // stall window 2.5 s
      });
      sim.faults.hold([route], 1_000);
      sim.enqueueJobs(scaleSet, 1, { durationMs: 100 });
      await sim.waitFor((s) => s.faults.holds >= 1, 15_000);
      expect((await listenerOf(c)).phase).toBe(phase);
      const stalled = await until("/readyz 503 while the call hangs", async () => {
        const r = await readyz(c);
        return r.status === 503 ? r : undefined;
      });
      expect(stalled.reasons.join()).toMatch(new RegExp(`${phase}: no poll answered for \\d+ s`));

      const { code, tookMs } = await terminate(c);
      console.log(`hung ${route}: exit ${tookMs} ms after SIGTERM (grace ${GRACE_MS} ms)`);
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(GRACE_MS + 3_000);
      // Half the grace went to the hung call, the session delete had the rest: no stale session.
      expect(sim.snapshot().sessions).toHaveLength(0);
      expect(c.run.stdout()).toContain('"msg":"session deleted"');
    },
    60_000,
  );

  it("a hung ack and a hung session delete: still exits within the grace", async () => {
    const sim = await stage.startSim({ longPollMs: 1_000, jobMode: "assigned" });
    const cli = await stage.startCli({ scaleSet: "hang-both", graceMs: GRACE_MS });
    sim.faults.hold(["ackMessage", "deleteSession"], 1_000);
    sim.enqueueJobs("hang-both", 1, { durationMs: 100 });
    await sim.waitFor((s) => s.faults.holds >= 1, 15_000);
    const { code, tookMs } = await terminate(cli);
    console.log(
      `hung ack + session delete: exit ${tookMs} ms after SIGTERM (grace ${GRACE_MS} ms)`,
    );
    expect(code).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS - 1_000); // the delete had until the end
    expect(tookMs).toBeLessThan(GRACE_MS + 3_000);
    expect(sim.snapshot().faults.holds).toBe(2);
    expect(cli.run.stdout()).toContain("session delete failed");
  }, 60_000);

  it("a session delete slower than 5 s still completes within a 10 s grace", async () => {
    const graceMs = 10_000;
    const sim = await stage.startSim({ longPollMs: 1_000 });
    const c = await stage.startCli({ scaleSet: "slow-delete", graceMs });
    await until("polling", async () =>
      (await listenerOf(c)).phase === "polling" ? true : undefined,
    );
    sim.faults.slow(6_000, 1, ["deleteSession"]);
    const { code, tookMs } = await terminate(c);
    console.log(`6 s session delete: exit ${tookMs} ms after SIGTERM (grace ${graceMs} ms)`);
    expect(code).toBe(0);
    expect(sim.snapshot().faults.slow).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(6_000);
    expect(tookMs).toBeLessThan(graceMs + 3_000);
    expect(sim.snapshot().sessions).toHaveLength(0);
    expect(c.run.stdout()).toContain('"msg":"session deleted"');
  }, 60_000);
});

/**
 * Issue 12 item 3: a message whose inner body can never be decoded. The CLI tries it three
 * times (a new session after each failure, with backoff), then acks and drops it, logs it at
 * error level with its id, type and a secret-free snippet, counts it in
 * scaleset.messages.dropped, and goes on — the job it offered still runs (GHES: the
 * acquirable-jobs sweep after the drop acquires it).
 */
import { describe, expect, it } from "vitest";
import { faultStage, logLines, TOKEN } from "./fault-cli.js";

const stage = faultStage();

const TELEMETRY = `telemetry:
  enabled: true
  traces: none
  metrics: [prometheus]
  prometheus: { on_main_port: true }
`;

describe("a poison message", () => {
  it("is dropped after 3 attempts, logged and counted, and the scale set goes on", async () => {
    const sim = await stage.startSim({ longPollMs: 500 });
    const cli = await stage.startCli({ scaleSet: "poison", extraYaml: TELEMETRY });
    sim.faults.poisonMessages(1);
    const startedAt = Date.now();
    const [jobId] = sim.enqueueJobs("poison", 1, { durationMs: 100 });
    const dropLine = await cli.run.logLine("dropping a message that cannot be decoded", 30_000);
    const droppedMs = Date.now() - startedAt;
    const done = await sim.waitFor(
      (s) => s.jobs.find((j) => j.id === jobId)?.state === "completed",
      30_000,
    );
    console.log(
      `poison message: dropped ${droppedMs} ms after it was queued (3 deliveries); its job completed after ${Date.now() - startedAt} ms`,
    );

    expect(done.faults.poisonMessages).toBe(3); // delivered 3 times, never again once acked
    expect(done.counters.sessionsCreated).toBeGreaterThanOrEqual(3);
    expect(dropLine).toMatchObject({
      level: "error",
      messageType: "RunnerScaleSetJobMessages",
      attempts: 3,
    });
    expect(typeof dropLine.messageId).toBe("number");
    expect(String(dropLine.snippet)).toContain("JobAvailable");
    expect(String(dropLine.snippet).length).toBeLessThanOrEqual(121);
    expect(
      logLines(cli.run).some(
        (l) => l.msg === "acquired jobs left acquirable by an earlier session",
      ),
    ).toBe(true);
    expect(cli.run.stdout()).not.toContain(TOKEN);

    const metrics = await (await fetch(`${cli.url}/metrics`)).text();
    expect(metrics).toMatch(
      /scaleset_messages_dropped_total\{[^}]*scaleset_message_type="RunnerScaleSetJobMessages"[^}]*\} 1/,
    );
  }, 60_000);
});

import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { statusCommand } from "../../src/cli/status.js";
import { formatAge, renderStatus } from "../../src/cli/status-render.js";
import { initialStatus, recordError } from "../../src/listener/status.js";
import { eventually, SCALE_SET, SIM_TOKEN, type Stack, startStack } from "../e2e/harness.js";

class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe("scaleset status", () => {
  it("prints a running scaler's scale sets: listener, jobs, runners and creates", async () => {
    stack = await startStack({ bootDelay: "1s" });
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready);
    stack.sim.enqueueJobs(SCALE_SET, 3, { durationMs: 60_000 });
    await eventually(
      "three busy",
      () => app.status().scalesets[0]?.scaler?.runners.busy === 3,
      20_000,
    );
    const out = new Capture();
    expect(await statusCommand({ url: app.url ?? "" }, out)).toBe(0);
    const lines = out.text.split("\n");
    expect(lines[0]).toMatch(/^scaleset \S+ · owner \S+ · up \d+s$/);
    expect(out.text).toContain(`${SCALE_SET} (sim)`);
    expect(lines.find((l) => l.trim().startsWith("listener"))).toMatch(
      /polling · session \d+s · last poll \d+s ago/,
    );
    expect(lines.find((l) => l.trim().startsWith("jobs"))).toMatch(
      /waiting 0 · running 3 · done 0/,
    );
    expect(lines.find((l) => l.trim().startsWith("runners"))).toContain("busy 3");
    expect(lines.find((l) => l.trim().startsWith("creates"))).toContain("ok");

    const json = new Capture();
    expect(await statusCommand({ url: app.url ?? "", json: true }, json)).toBe(0);
    expect(JSON.parse(json.text).scalesets[0].name).toBe(SCALE_SET);
  });

  it("shows the listener's recent errors, newest first, without the token", async () => {
    stack = await startStack();
    stack.sim.faults.sessionConflicts(2);
    const app = await stack.startApp();
    await eventually("polling after two conflicts", () => app.ready().ready, 20_000);
    const listener = app.status().scalesets[0]?.listener;
    expect(listener?.recentErrors.map((e) => e.source)).toEqual(["session", "session"]);
    expect(listener?.sessionOpenedAt).toBeGreaterThan(0);
    const out = new Capture();
    expect(await statusCommand({ url: app.url ?? "" }, out)).toBe(0);
    const lines = out.text.split("\n");
    const first = lines.findIndex((l) => l.trim().startsWith("errors"));
    expect(lines[first]).toMatch(
      /^ {2}errors {4}session \(\d+s ago\): SessionConflictError: POST .*409/,
    );
    expect(lines[first + 1]).toMatch(/^ {12}session \(\d+s ago\): SessionConflictError/);
    expect(out.text).not.toContain(SIM_TOKEN);
  });

  it("exits 1 with one clear line when nothing answers", async () => {
    const out = new Capture();
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      errors.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await statusCommand({ url: "http://127.0.0.1:1" }, out)).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(out.text).toBe("");
    expect(errors.join("")).toMatch(/no scaler answers at http:\/\/127\.0\.0\.1:1 .*--url/);
  });

  it("shows a create backoff with its cause and fix, and stopped machines", () => {
    const now = Date.parse("2026-12-04T12:00:00Z");
    const text = renderStatus(
      {
        version: "1.2.3",
        owner: "host-1",
        startedAt: "2026-12-04T10:00:00Z",
        scalesets: [
          {
            name: "gpu",
            engine: "gcp",
            listener: {
              phase: "polling",
              sessionId: "s",
              sessionOpenedAt: now - 125_000,
              lastPollAt: now - 3_000,
              recentErrors: [
                { at: now - 600_000, source: "poll", message: "Error: long poll unanswered" },
                { at: now - 20_000, source: "listener", message: "NetworkError: GET … failed" },
              ],
              statistics: { totalAssignedJobs: 5, totalRunningJobs: 1 },
            },
            scaler: {
              desired: 5,
              runners: { pending: 0, booting: 1, idle: 0, busy: 1, deleting: 0 },
              stoppedMachines: 2,
              jobsCompleted: 7,
              createBackoff: {
                blockedForMs: 45_000,
                consecutiveFailures: 3,
                consecutiveBootFailures: 0,
                lastFailure: {
                  code: "PERMISSION_DENIED",
                  message: "denied",
                  fix: "grant compute.instances.create",
                  at: now - 10_000,
                },
              },
            },
          },
        ],
      },
      now,
    );
    expect(text).toContain("scaleset 1.2.3 · owner host-1 · up 2h 00m");
    expect(text).toContain("waiting 4 · running 1 · done 7");
    expect(text).toContain("stopped   2 machines powered off");
    expect(text).toContain("backing off, next try in 45s · 3 failed creates");
    expect(text).toContain("PERMISSION_DENIED (10s ago): denied");
    expect(text).toContain("fix       grant compute.instances.create");
    expect(text).toContain("listener  polling · session 2m 05s · last poll 3s ago");
    const lines = text.split("\n");
    const errors = lines.findIndex((l) => l.startsWith("  errors"));
    expect(lines.slice(errors, errors + 2)).toEqual([
      "  errors    listener (20s ago): NetworkError: GET … failed",
      "            poll (10m 00s ago): Error: long poll unanswered",
    ]);
  });

  it("keeps the last 5 listener errors, tokens and JWTs masked, text cut short", () => {
    const status = initialStatus();
    for (let i = 1; i <= 7; i++) recordError(status, "poll", new Error(`failure ${i}`), i);
    recordError(
      status,
      "listener",
      new Error(`token ghp_${"a".repeat(36)} and eyJhbGciOi.eyJzdWIiOi.c2ln`),
    );
    recordError(status, "session", "x".repeat(1_000));
    expect(status.recentErrors.map((e) => e.message)).toEqual([
      "Error: failure 5",
      "Error: failure 6",
      "Error: failure 7",
      "Error: token <token> and <jwt>",
      "x".repeat(300),
    ]);
    expect(status.recentErrors[0]).toEqual({ at: 5, source: "poll", message: "Error: failure 5" });
  });

  it("formats ages compactly", () => {
    expect(formatAge(3_400)).toBe("3s");
    expect(formatAge(245_000)).toBe("4m 05s");
    expect(formatAge(2 * 3_600_000 + 13 * 60_000)).toBe("2h 13m");
    expect(formatAge(76 * 3_600_000)).toBe("3d 4h");
  });
});

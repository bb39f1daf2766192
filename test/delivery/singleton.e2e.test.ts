/**
 * The singleton guarantee, with two real `scaleset` processes on one GitHub simulator: exactly one
 * holds the scale set's session and polls; the other waits on the 409 (alive, not ready) and takes
 * over when the first dies (after the stale session expires) or stops (at once: its session is
 * deleted). No job is lost across the handover.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, type SimSnapshot, startGitHubSim } from "../../src/sim/github/index.js";
import { type CliRun, startCli } from "../cli/cli-process.js";

const TOKEN = "ghp_singleton_test_token";
const SCALE_SET = "singleton-linux";
/** Time between a process's exit and the other one's session that is only test overhead. */
const SLACK_MS = 2500;

const dir = mkdtempSync(join(tmpdir(), "scaleset-singleton-"));
let sim: GitHubSim | null = null;
const procs: CliRun[] = [];

afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await sim?.stop();
  sim = null;
});

function writeConfig(url: string, conflictWait: string): string {
  const path = join(dir, `config-${conflictWait}.yaml`);
  writeFileSync(
    path,
    `github: { url: ${url}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 20
    idle_timeout: 1s
    engine: { type: sim, sim: { boot_delay: 800ms, create_delay: 10ms } }
scaler: { reconcile_interval: 1s, shutdown_grace: 3s, session_conflict_wait: ${conflictWait} }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
  );
  return path;
}

interface Scaler {
  run: CliRun;
  url: string;
  owner: string;
}

async function startScaler(config: string): Promise<Scaler> {
  const run = startCli(["--config", config], { GITHUB_TOKEN: TOKEN });
  procs.push(run);
  const started = await run.logLine("scaleset started");
  const url = String(started.url);
  const status = (await (await fetch(`${url}/status`)).json()) as { owner: string };
  return { run, url, owner: status.owner };
}

interface ListenerView {
  phase: string;
  conflicts: number;
  lastPollAt: number | null;
}

async function listenerOf(s: Scaler): Promise<ListenerView | null> {
  try {
    const res = await fetch(`${s.url}/status`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { scalesets: Array<{ listener: ListenerView }> };
    return body.scalesets[0]!.listener;
  } catch {
    return null; // process gone
  }
}

const readyz = async (s: Scaler) => (await fetch(`${s.url}/readyz`)).status;

/** Samples who polls, every 40 ms, until stopped: the invariant is checked on every sample. */
function watchPollers(scalers: Scaler[]) {
  const samples: Array<{ polling: string[]; sessions: number }> = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const views = await Promise.all(scalers.map(listenerOf));
      samples.push({
        polling: scalers.filter((_, i) => views[i]?.phase === "polling").map((s) => s.owner),
        sessions: sim!.snapshot().sessions.length,
      });
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await done;
      return samples;
    },
  };
}

const jobsDone = (s: SimSnapshot, ids: string[]) =>
  ids.every((id) => s.jobs.find((j) => j.id === id)?.state === "completed");

function expectEachJobRanOnceOnItsOwnRunner(s: SimSnapshot, ids: string[]): void {
  const jobs = ids.map((id) => s.jobs.find((j) => j.id === id)!);
  expect(jobs.map((j) => j.result)).toEqual(ids.map(() => "succeeded"));
  const runners = jobs.map((j) => j.runnerName);
  expect(runners.every((r) => typeof r === "string")).toBe(true);
  expect(new Set(runners).size).toBe(ids.length);
}

async function holder(s: Scaler, timeoutMs: number): Promise<number> {
  await sim!.waitFor((snap) => snap.sessions.some((x) => x.ownerName === s.owner), timeoutMs);
  return Date.now();
}

/** Starts the first scaler, then the second, and checks that only the first polls. */
async function startPair(config: string, conflictMs: number): Promise<[Scaler, Scaler]> {
  const first = await startScaler(config);
  await first.run.logLine("session created");
  const second = await startScaler(config);
  await second.run.logLine("session held elsewhere; waiting");
  const conflictsBefore = (await listenerOf(second))!.conflicts;
  await new Promise((r) => setTimeout(r, 1.5 * conflictMs + 200)); // at least one more attempt
  const [a, b] = [(await listenerOf(first))!, (await listenerOf(second))!];
  expect(a.phase).toBe("polling");
  expect(b.phase).toBe("session-conflict");
  expect(b.lastPollAt).toBeNull(); // never polled
  expect(b.conflicts).toBeGreaterThan(conflictsBefore); // keeps retrying, does not crash-loop
  expect(second.run.child.exitCode).toBeNull();
  expect(await readyz(first)).toBe(200);
  expect(await readyz(second)).toBe(503);
  const snap = sim!.snapshot();
  expect(snap.sessions.map((s) => s.ownerName)).toEqual([first.owner]);
  expect(snap.counters.sessionsCreated).toBe(1);
  expect(snap.requests.createSession ?? 0).toBeGreaterThanOrEqual(3); // 1 + the refused attempts
  return [first, second];
}

describe("two scalers for the same scale set", () => {
  it("after a crash (SIGKILL) the standby takes over once the stale session expires; no job is lost", async () => {
    const idleMs = 1500;
    const conflictMs = 300;
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 300, sessionIdleTimeoutMs: idleMs });
    const config = writeConfig(sim.configUrl(), `${conflictMs}ms`);
    const [first, second] = await startPair(config, conflictMs);
    const watch = watchPollers([first, second]);

    const before = sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });
    await sim.waitFor((s) => jobsDone(s, before), 15_000);
    // In flight at the crash: acquired and assigned, runners registered but still booting.
    const inFlight = sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });
    await sim.waitFor(
      (s) =>
        inFlight.every((id) => s.jobs.find((j) => j.id === id)?.state === "assigned") &&
        s.runners.length >= 4,
      10_000,
    );
    first.run.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await first.run.exited).toBe("SIGKILL");
    const during = sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });

    const tookOverAt = await holder(second, idleMs + 1.5 * conflictMs + SLACK_MS + 2000);
    const handover = tookOverAt - killedAt;
    // A crashed process's session blocks until it expires, then one conflict wait at most.
    expect(handover).toBeGreaterThanOrEqual(idleMs - 100);
    expect(handover).toBeLessThanOrEqual(idleMs + 1.5 * conflictMs + SLACK_MS);
    await second.run.logLine("session created");
    const after = sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });

    const all = [...before, ...inFlight, ...during, ...after];
    const final = await sim.waitFor((s) => jobsDone(s, all), 20_000);
    expectEachJobRanOnceOnItsOwnRunner(final, all);
    expect(await readyz(second)).toBe(200);
    // The crashed process's registrations are cleaned up by the survivor's reconciliation.
    await sim.waitFor((s) => s.runners.length === 0, 10_000);

    const samples = await watch.stop();
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.every((s) => s.polling.length <= 1 && s.sessions <= 1)).toBe(true);
    expect(samples.some((s) => s.polling[0] === first.owner)).toBe(true);
    expect(samples.some((s) => s.polling[0] === second.owner)).toBe(true);

    second.run.child.kill("SIGTERM");
    expect(await second.run.exited).toBe(0);
    expect(sim.snapshot().sessions).toHaveLength(0);
  }, 60_000);

  it("a rolling deploy (SIGTERM) hands over within one conflict wait; no job is lost", async () => {
    const conflictMs = 1000;
    // Expiry far away: the handover must come from the deleted session, not from expiry.
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 300, sessionIdleTimeoutMs: 60_000 });
    const config = writeConfig(sim.configUrl(), `${conflictMs}ms`);
    const [first, second] = await startPair(config, conflictMs);
    const watch = watchPollers([first, second]);

    const before = sim.enqueueJobs(SCALE_SET, 3, { durationMs: 100 });
    await sim.waitFor((s) => jobsDone(s, before), 15_000);
    const inFlight = sim.enqueueJobs(SCALE_SET, 3, { durationMs: 100 });
    await sim.waitFor(
      (s) => inFlight.every((id) => s.jobs.find((j) => j.id === id)?.state === "assigned"),
      10_000,
    );
    first.run.child.kill("SIGTERM");
    const during = sim.enqueueJobs(SCALE_SET, 3, { durationMs: 100 });
    expect(await first.run.exited).toBe(0);
    const exitedAt = Date.now();
    expect(first.run.stdout()).toContain('"msg":"session deleted"');

    const tookOverAt = await holder(second, 1.5 * conflictMs + SLACK_MS + 2000);
    expect(tookOverAt - exitedAt).toBeLessThanOrEqual(1.5 * conflictMs + SLACK_MS);
    const after = sim.enqueueJobs(SCALE_SET, 3, { durationMs: 100 });

    const all = [...before, ...inFlight, ...during, ...after];
    const final = await sim.waitFor((s) => jobsDone(s, all), 20_000);
    expectEachJobRanOnceOnItsOwnRunner(final, all);
    expect(final.counters.sessionsCreated).toBe(2);

    const samples = await watch.stop();
    expect(samples.every((s) => s.polling.length <= 1 && s.sessions <= 1)).toBe(true);
    expect(samples.some((s) => s.polling[0] === second.owner)).toBe(true);
    second.run.child.kill("SIGTERM");
    expect(await second.run.exited).toBe(0);
  }, 60_000);
});

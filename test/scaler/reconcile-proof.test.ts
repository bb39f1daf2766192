import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Machine } from "../../src/engines/engine.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { Scaler, type ScalerOptions } from "../../src/scaler/scaler.js";
import { LogCapture } from "../e2e/harness.js";
import {
  FAKE_DEPLOYMENT,
  FakeEngine,
  FakeRunnerRegistry,
  testScalerOptions,
  until,
} from "./fakes.js";

/**
 * Reconciliation deletes a machine only on proof that nothing runs on it. The unfiltered runner
 * listing is not proof: it is undocumented and has been seen answering an empty page.
 */

const SCALE_SET_ID = 7;
const scalers: Scaler[] = [];
afterEach(async () => {
  for (const s of scalers.splice(0)) await s.stop(1000);
});

function setup() {
  const github = new FakeRunnerRegistry();
  const engine = new FakeEngine();
  const events: ScalerEvent[] = [];
  const logs = new LogCapture();
  const make = (overrides: Partial<ScalerOptions> = {}) => {
    const logger = pino({ level: "debug" }, logs);
    const scaler = new Scaler(
      testScalerOptions(
        { github, engine, logger, observer: (e) => events.push(e) },
        { scaleSetId: SCALE_SET_ID, ...overrides },
      ),
    );
    scalers.push(scaler);
    return scaler;
  };
  /** A machine left by an earlier process, with or without a registration. */
  const leftover = (name: string, over: Partial<Machine> & { registered?: boolean } = {}) => {
    const { registered = true, ...machineOver } = over;
    const machine: Machine = {
      id: `vm-${name}`,
      runnerName: name,
      scaleSetName: "linux",
      owner: "crashed-process",
      deployment: FAKE_DEPLOYMENT,
      state: "running",
      createdAt: new Date(),
      ...machineOver,
    };
    engine.machines.set(machine.id, machine);
    if (registered) {
      const id = github.nextId++;
      // Busy, and without `status`: the fields GitHub's SDK does not promise.
      github.runners.set(id, { id, name, runnerScaleSetId: SCALE_SET_ID, busy: true });
      github.busyIds.add(id);
    }
    return machine;
  };
  const actions = () =>
    events.flatMap((e) => (e.type === "reconcile" ? [`${e.action}:${e.reason}:${e.runner}`] : []));
  return { github, engine, events, logs, make, leftover, actions };
}

describe("reconciliation acts on proof", () => {
  it("a restart with a blind listing adopts every busy machine by name and deletes none", async () => {
    const t = setup();
    t.github.blindList = true;
    const names = ["busy-1", "busy-2", "busy-3", "busy-4"];
    for (const name of names) t.leftover(name);
    const scaler = t.make();
    await scaler.start();
    expect(t.engine.deleteCalls).toBe(0);
    expect(t.engine.machines.size).toBe(4);
    expect(scaler.snapshot().runners.busy).toBe(4);
    expect(t.github.lookups).toBe(4);
    expect(t.actions().sort()).toEqual(names.map((n) => `adopt:registered:${n}`));
    // Each adoption is an info line naming runner and machine.
    const adopted = t.logs.records().filter((r) => r.msg === "reconcile: adopted machine");
    expect(adopted.map((r) => r.machine).sort()).toEqual(names.map((n) => `vm-${n}`));
    expect(adopted.every((r) => r.level === 30)).toBe(true);
  });

  it("deletes a machine only once GitHub answers by name that its runner does not exist", async () => {
    const t = setup();
    t.github.blindList = true;
    t.leftover("alive");
    t.leftover("gone", { registered: false });
    const scaler = t.make();
    await scaler.start();
    await until(() => !t.engine.machines.has("vm-gone"));
    expect(t.engine.machines.has("vm-alive")).toBe(true);
    expect(t.actions()).toContain("delete-machine:no-registration:gone");
    const line = t.logs.records().find((r) => r.msg === "reconcile: deleting machine");
    expect(line).toMatchObject({ runner: "gone", machine: "vm-gone", reason: "no-registration" });
  });

  it("keeps every machine while GitHub cannot be asked, and says so once per machine", async () => {
    const t = setup();
    t.github.failList = true;
    t.github.failLookup = true;
    t.leftover("a", { registered: false });
    t.leftover("b");
    const scaler = t.make();
    await scaler.start();
    await scaler.reconcile();
    expect(t.engine.deleteCalls).toBe(0);
    expect(t.actions().sort()).toEqual([
      "keep:registration-unknown:a",
      "keep:registration-unknown:b",
    ]);
    // Judged again when GitHub answers: the unregistered one goes, the registered one is adopted.
    t.github.failLookup = false;
    await scaler.reconcile();
    await until(() => !t.engine.machines.has("vm-a"));
    expect(t.engine.machines.has("vm-b")).toBe(true);
    expect(scaler.snapshot().runners.busy).toBe(1);
  });

  it("never touches an unscoped machine GitHub does not name as this scale set's", async () => {
    const t = setup();
    t.leftover("old-ours", { deployment: undefined });
    t.leftover("old-unknown", { deployment: undefined, registered: false, state: "stopped" });
    t.leftover("old-theirs", { deployment: undefined, registered: false });
    t.github.runners.set(99, { id: 99, name: "old-theirs", runnerScaleSetId: 1234 });
    const scaler = t.make();
    await scaler.start();
    await scaler.reconcile();
    expect(t.engine.deleteCalls).toBe(0);
    expect(t.engine.machines.size).toBe(3);
    expect(t.actions().sort()).toEqual([
      "adopt:registered:old-ours",
      "leave:other-scale-set:old-theirs",
      "leave:unscoped-unregistered:old-unknown",
    ]);
    const warned = t.logs
      .records()
      .filter((r) => r.level === 40 && String(r.msg).includes("left alone"));
    expect(warned.map((r) => r.runner).sort()).toEqual(["old-theirs", "old-unknown"]);
  });

  it("scales down an adopted runner only after GitHub agreed to remove its registration", async () => {
    const t = setup();
    t.github.blindList = true;
    const idle = t.leftover("idle-one");
    const id = [...t.github.runners.values()].find((r) => r.name === idle.runnerName)?.id ?? 0;
    t.github.busyIds.delete(id);
    t.github.runners.set(id, {
      id,
      name: "idle-one",
      runnerScaleSetId: SCALE_SET_ID,
      status: "online",
    });
    const scaler = t.make({ idleTimeoutMs: 0 });
    t.github.failLookup = true; // first pass: kept, unknown
    await scaler.start();
    expect(t.engine.deleteCalls).toBe(0);
    t.github.failLookup = false;
    await scaler.reconcile(); // adopted idle, then retired at once (idle timeout 0)
    await until(() => t.engine.machines.size === 0);
    expect(t.github.runners.has(id)).toBe(false);
  });

  it("counts a machine that powers off before its runner comes online as a boot failure and backs off", async () => {
    const t = setup();
    const scaler = t.make();
    await scaler.start();
    scaler.handleDesiredRunnerCount(1);
    await until(() => t.engine.machines.size === 1);
    for (const m of t.engine.machines.values()) m.state = "stopped";
    await scaler.reconcile();
    expect(t.events.filter((e) => e.type === "boot-failed")).toHaveLength(1);
    const snap = scaler.snapshot();
    expect(snap.createBackoff.consecutiveBootFailures).toBe(1);
    expect(snap.createBackoff.blockedForMs).toBeGreaterThan(20_000);
    expect(snap.createBackoff.lastFailure?.code).toBe("BOOT_FAILURE");
    const warn = t.logs.records().find((r) => r.level === 40 && r.reason === "boot-failure");
    expect(String(warn?.msg)).toContain("check the image");
    await until(() => t.engine.machines.size === 0); // the stopped machine is deleted
    expect(t.engine.requests).toHaveLength(1); // and no new create during the backoff
  });
});

describe("creates never stop while jobs wait", () => {
  it("after a non-retryable error clears, every waiting job gets a runner; /status names the cause and the fix", async () => {
    const t = setup();
    let now = 5_000_000;
    const scaler = t.make({ now: () => now });
    await scaler.start();
    t.engine.refuseCreates = true;
    scaler.handleDesiredRunnerCount(6);
    await until(() => scaler.snapshot().createBackoff.lastFailure !== null);
    await until(() => scaler.snapshot().runners.pending === 0);
    const blocked = scaler.snapshot().createBackoff;
    expect(blocked.lastFailure).toMatchObject({
      code: "PERMISSION_DENIED",
      retryable: false,
      fix: expect.stringContaining("roles/compute.instanceAdmin.v1"),
    });
    // A burst of six refusals is one backoff step, not six.
    expect(blocked.consecutiveFailures).toBe(1);
    expect(blocked.blockedForMs).toBeGreaterThanOrEqual(24_000);
    const tries = t.engine.requests.length;
    // Hours of refusals: the scaler keeps trying, at most every 5 minutes.
    for (let i = 0; i < 12; i++) {
      now += scaler.snapshot().createBackoff.blockedForMs;
      const before = t.engine.requests.length;
      await until(
        () => t.engine.requests.length > before && scaler.snapshot().runners.pending === 0,
      );
      expect(scaler.snapshot().createBackoff.blockedForMs).toBeLessThanOrEqual(300_000 * 1.2);
    }
    expect(t.engine.requests.length).toBeGreaterThan(tries);
    t.engine.refuseCreates = false;
    now += scaler.snapshot().createBackoff.blockedForMs;
    await until(() => t.engine.machines.size === 6);
    expect(scaler.snapshot().runners.booting).toBe(6);
    expect(scaler.snapshot().createBackoff.consecutiveFailures).toBe(0);
  });
});

describe("the create failure shown on /status", () => {
  it("never carries the JIT config, even when the cloud's error quotes the request", async () => {
    const t = setup();
    const scaler = t.make();
    await scaler.start();
    t.engine.echoJitInErrors = true;
    scaler.handleDesiredRunnerCount(1);
    await until(() => scaler.snapshot().createBackoff.lastFailure !== null);
    const jit = t.engine.requests[0]?.jitConfig ?? "";
    expect(jit).toMatch(/^secret-jit-/);
    const shown = JSON.stringify(scaler.snapshot());
    expect(shown).toContain("invalid metadata value");
    expect(shown).not.toContain(jit);
    expect(t.logs.text()).not.toContain(jit);
  });
});

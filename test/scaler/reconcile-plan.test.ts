import { describe, expect, it } from "vitest";
import type { Machine } from "../../src/engines/engine.js";
import type { RunnerReference } from "../../src/github/types.js";
import {
  planReconcile,
  type ReconcileInput,
  trustedRegistrations,
} from "../../src/scaler/reconcile-plan.js";
import {
  newRunnerRecord,
  type RunnerRecord,
  type RunnerState,
} from "../../src/scaler/runner-record.js";

const NOW = 10_000_000;
const machine = (runnerName: string, over: Partial<Machine> = {}): Machine => ({
  id: `m-${runnerName}`,
  runnerName,
  scaleSetName: "s",
  owner: "o",
  state: "running",
  createdAt: new Date(NOW - 60_000),
  deployment: "d",
  ...over,
});
const reg = (id: number, name: string, over: Partial<RunnerReference> = {}): RunnerReference => ({
  id,
  name,
  runnerScaleSetId: 1,
  ...over,
});
const record = (name: string, state: RunnerState, since = NOW - 120_000): RunnerRecord => ({
  ...newRunnerRecord(name, since),
  state,
  stateSince: since,
});
const plan = (over: Partial<ReconcileInput>) =>
  planReconcile({
    now: NOW,
    machines: [],
    registrations: [],
    records: [],
    maxLifetimeMs: 3_600_000,
    bootTimeoutMs: 600_000,
    settleMs: 30_000,
    ...over,
  });

describe("trustedRegistrations", () => {
  it("distrusts an empty listing while machines exist, and entries without id or name", () => {
    expect(trustedRegistrations([], 3)).toBeNull();
    expect(trustedRegistrations([], 0)).toEqual([]);
    expect(trustedRegistrations(null, 0)).toBeNull();
    expect(trustedRegistrations([reg(0, "x")], 1)).toBeNull();
    expect(trustedRegistrations([reg(1, "")], 1)).toBeNull();
    expect(trustedRegistrations([reg(1, "x")], 1)).toEqual([reg(1, "x")]);
  });
});

describe("planReconcile", () => {
  it("adopts unknown machines whose runner is registered, in the state GitHub reports", () => {
    const p = plan({
      machines: [machine("a"), machine("b"), machine("c")],
      registrations: [
        reg(1, "a", { busy: true }),
        reg(2, "b", { status: "online" }),
        reg(3, "c", { status: "offline" }),
      ],
    });
    expect(p.adopt.map((x) => [x.machine.runnerName, x.runnerId, x.state])).toEqual([
      ["a", 1, "busy"],
      ["b", 2, "idle"],
      ["c", 3, "booting"],
    ]);
    expect(p.deleteMachines).toEqual([]);
  });

  it("deletes stopped machines and machines past their lifetime; one missing from the listing only after confirmation", () => {
    const p = plan({
      machines: [
        machine("gone"),
        machine("off", { state: "stopped" }),
        machine("off-unlisted", { state: "stopped" }),
        machine("old", { createdAt: new Date(NOW - 4_000_000) }),
      ],
      registrations: [reg(5, "old"), reg(6, "off")],
    });
    expect(p.deleteMachines.map((d) => [d.machine.runnerName, d.reason, d.runnerId])).toEqual([
      ["off", "stopped", 6],
      ["off-unlisted", "stopped", undefined],
      ["old", "max-lifetime", 5],
    ]);
    expect(p.confirm.map((m) => m.runnerName)).toEqual(["gone"]);
  });

  it("deletes nothing running when GitHub's list is unavailable: every unknown machine is confirmed", () => {
    const p = plan({ machines: [machine("x"), machine("y")], registrations: null });
    expect(p.confirm.map((m) => m.runnerName)).toEqual(["x", "y"]);
    expect(p.adopt).toHaveLength(0);
    expect(p.deleteMachines).toHaveLength(0);
  });

  it("never deletes a machine without a deployment label on its own judgement, even stopped", () => {
    const p = plan({
      machines: [
        machine("legacy-off", { deployment: undefined, state: "stopped" }),
        machine("legacy-old", { deployment: undefined, createdAt: new Date(0) }),
        machine("legacy-listed", { deployment: undefined }),
      ],
      registrations: [reg(7, "legacy-listed", { status: "online" })],
    });
    expect(p.deleteMachines).toEqual([]);
    expect(p.confirm.map((m) => m.runnerName)).toEqual(["legacy-off", "legacy-old"]);
    // Listed under this scale set's id: GitHub says it is ours.
    expect(p.adopt.map((a) => [a.machine.runnerName, a.state])).toEqual([
      ["legacy-listed", "idle"],
    ]);
  });

  it("does not retire a booting runner whose registration carries no status", () => {
    const p = plan({
      machines: [machine("quiet"), machine("odd")],
      registrations: [reg(1, "quiet"), reg(2, "odd", { busy: undefined })],
      records: [record("quiet", "booting", NOW - 700_000), record("odd", "booting", NOW - 700_000)],
    });
    expect(p.retire).toEqual([]);
    expect(p.markIdle).toEqual([]);
  });

  it("counts a machine that powered off while its own runner was booting as a boot failure", () => {
    const adopted = { ...record("adopted", "booting"), adopted: true };
    const p = plan({
      machines: [
        machine("failed", { state: "stopped" }),
        machine("finished", { state: "stopped" }),
        machine("adopted", { state: "stopped" }),
      ],
      records: [record("failed", "booting"), record("finished", "busy"), adopted],
    });
    expect(p.bootFailures).toEqual(["failed"]);
    expect(p.retire.map((r) => r.name)).toEqual(["failed", "finished", "adopted"]);
  });

  it("removes ghost registrations but not those of runners being provisioned", () => {
    const p = plan({
      registrations: [reg(1, "ghost"), reg(2, "provisioning")],
      records: [record("provisioning", "pending")],
    });
    expect(p.removeRegistrations.map((r) => r.name)).toEqual(["ghost"]);
  });

  it("retires known runners whose machine vanished, once settled", () => {
    const p = plan({
      records: [record("killed", "idle"), record("fresh", "booting", NOW - 1000)],
      registrations: [reg(1, "killed"), reg(2, "fresh")],
    });
    expect(p.retire).toEqual([{ name: "killed", reason: "machine-missing" }]);
    expect(p.removeRegistrations).toEqual([]);
  });

  it("marks booting runners idle when online and replaces those past the boot timeout", () => {
    const p = plan({
      machines: [machine("up"), machine("stuck")],
      registrations: [reg(1, "up", { status: "online" }), reg(2, "stuck", { status: "offline" })],
      records: [record("up", "booting"), record("stuck", "booting", NOW - 700_000)],
    });
    expect(p.markIdle).toEqual(["up"]);
    expect(p.retire).toEqual([{ name: "stuck", reason: "boot-timeout" }]);
  });

  it("retires a known runner whose machine stopped", () => {
    const p = plan({
      machines: [machine("done", { state: "stopped" })],
      records: [record("done", "busy")],
    });
    expect(p.retire).toEqual([{ name: "done", reason: "stopped" }]);
    expect(p.deleteMachines).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { renderReport } from "../../src/cli/doctor-render.js";
import { ActionsClient } from "../../src/github/index.js";
import { eventually, SCALE_SET, type Stack, startStack } from "../e2e/harness.js";
import { doctor, leaveMachine, leaveRegistration, stackConfig } from "./doctor-fixture.js";

/**
 * `scaleset doctor` in this process, one problem kind at a time: the real GitHub client against
 * the GitHub sim, the sim engine over a sim cloud that a scaler used and left (stopped, not
 * killed: its machines and registrations stay, like after a SIGKILL).
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const HOUR = 3_600_000;

/**
 * Runs a scaler (which creates the scale set on GitHub) until `busy` runners run long jobs and
 * min_runners idle ones wait, then stops it: its machines and registrations stay.
 */
async function leftBehindByScaler(busy: number, options: { minRunners?: number } = {}) {
  stack = await startStack({ ...options, bootDelay: "50ms" });
  const app = await stack.startApp();
  await eventually("polling", () => app.ready().ready, 20_000);
  const jobs = stack.sim.enqueueJobs(SCALE_SET, busy, { durationMs: 120_000 });
  const idle = options.minRunners ?? 0;
  await eventually(
    "runners busy and idle",
    () => {
      const runners = app.status().scalesets[0]?.scaler?.runners;
      return runners?.busy === busy && runners.idle === idle;
    },
    20_000,
  );
  await app.stop(5_000);
  return { stack, jobs };
}

const kinds = (problems: { kind: string }[]) => problems.map((p) => p.kind).sort();

describe("scaleset doctor", () => {
  it("lists a machine without a registration, a stopped machine, a ghost registration and another deployment's machine; --fix deletes exactly the orphans", {
    timeout: 60_000,
  }, async () => {
    const { stack, jobs } = await leftBehindByScaler(1);
    const busyMachine = stack.cloud.live()[0]?.id;
    const deployment = (await stackConfig(stack)).scalesets[0]?.deployment ?? "";
    const orphan = leaveMachine(stack.cloud, { runner: "e2e-linux-orphan01", deployment });
    const stopped = leaveMachine(stack.cloud, {
      runner: "e2e-linux-stopped1",
      deployment,
      state: "stopped",
    });
    const foreign = leaveMachine(stack.cloud, {
      runner: "e2e-linux-foreign1",
      deployment: "other-deployment",
    });
    const ghostId = await leaveRegistration(stack, "e2e-linux-ghost01");

    const look = await doctor(stack);
    expect(look.exitCode).toBe(1);
    expect(look.report.session).toEqual({ state: "free" });
    expect(kinds(look.report.problems)).toEqual([
      "no-machine",
      "no-registration",
      "other-deployment",
      "stopped",
    ]);
    expect(look.report.machines.map((m) => [m.id, m.scope]).sort()).toEqual(
      [
        [busyMachine, "this"],
        [orphan, "this"],
        [stopped, "this"],
        [foreign, "other"],
      ].sort(),
    );
    const ghost = look.report.registrations?.find((r) => r.id === ghostId);
    expect(ghost).toMatchObject({ name: "e2e-linux-ghost01", hasMachine: false, busy: false });
    expect(look.report.registrations?.find((r) => r.busy)).toMatchObject({ hasMachine: true });
    expect(look.deletes).toEqual({ machines: [], registrations: [] });
    expect(stack.sim.snapshot().sessions).toEqual([]); // the probe's session is gone again

    const fixed = await doctor(stack, { fix: true });
    expect(fixed.exitCode).toBe(0); // another deployment's machine is only shown
    expect(fixed.deletes.machines.sort()).toEqual([orphan, stopped].sort());
    expect(fixed.deletes.registrations).toEqual([ghostId]);
    expect(fixed.lines.sort()).toEqual(
      [
        `deleted machine ${orphan} (runner e2e-linux-orphan01): no registration (confirmed by name)`,
        `deleted machine ${stopped} (runner e2e-linux-stopped1): powered off (not in GitHub's listing)`,
        `removed registration e2e-linux-ghost01 (id ${ghostId}): registration without a machine`,
      ].sort(),
    );
    expect(
      stack.cloud
        .live()
        .map((m) => m.id)
        .sort(),
    ).toEqual([busyMachine, foreign].sort());
    const job = stack.sim.snapshot().jobs.find((j) => j.id === jobs[0]);
    expect(job?.state).toBe("running");

    const again = await doctor(stack, { fix: true });
    expect(again.exitCode).toBe(0);
    expect(kinds(again.report.problems)).toEqual(["other-deployment"]);
    expect(again.deletes).toEqual({ machines: [], registrations: [] });
  });

  it("past max_runner_lifetime: an idle runner's registration goes, then its machine; a busy runner's machine is kept", {
    timeout: 60_000,
  }, async () => {
    const { stack, jobs } = await leftBehindByScaler(1, { minRunners: 1 });
    for (const machine of stack.cloud.live()) machine.createdAt = new Date(Date.now() - 7 * HOUR);
    const runners = stack.sim.snapshot().runners;
    const busy = runners.find((r) => r.busy);
    const idle = runners.find((r) => !r.busy);
    if (!busy || !idle) throw new Error("expected one busy and one idle runner");

    const look = await doctor(stack, { minRunners: 1 });
    expect(kinds(look.report.problems)).toEqual(["max-lifetime", "max-lifetime"]);
    const fixed = await doctor(stack, { fix: true, minRunners: 1 });
    expect(fixed.exitCode).toBe(1); // the busy one is still past its lifetime
    expect(fixed.deletes.registrations.sort()).toEqual([busy.id, idle.id].sort());
    expect(fixed.deletes.machines).toHaveLength(1);
    const idleMachine = fixed.deletes.machines[0];
    expect(fixed.lines).toContain(
      `removed registration ${idle.name} (id ${idle.id}): past max_runner_lifetime (runner id ${idle.id})`,
    );
    expect(fixed.lines).toContain(
      `deleted machine ${idleMachine} (runner ${idle.name}): past max_runner_lifetime (runner id ${idle.id})`,
    );
    expect(fixed.lines.find((l) => l.includes(busy.name))).toMatch(
      /^kept machine \S+ \(runner \S+\): its runner is busy \(GitHub refused to remove its registration: a job is running\)$/,
    );
    expect(stack.cloud.live()).toHaveLength(1);
    expect(stack.sim.snapshot().jobs.find((j) => j.id === jobs[0])?.state).toBe("running");
  });

  it("a busy registration whose machine is gone from the cloud is listed, and --fix keeps it (GitHub refuses)", {
    timeout: 60_000,
  }, async () => {
    const { stack, jobs } = await leftBehindByScaler(1);
    const [machine] = stack.cloud.live();
    if (!machine) throw new Error("no machine");
    // Gone from the cloud's list while its runner still runs the job (GitHub learns it late).
    stack.cloud.machines.delete(machine.id);
    const busy = stack.sim.snapshot().runners.find((r) => r.busy);
    if (!busy) throw new Error("no busy runner");

    const fixed = await doctor(stack, { fix: true });
    expect(fixed.report.problems).toMatchObject([
      { kind: "no-machine", fix: "remove-registration", runner: busy.name, runnerId: busy.id },
    ]);
    expect(fixed.deletes.registrations).toEqual([busy.id]);
    expect(fixed.lines).toEqual([
      `kept registration ${busy.name} (id ${busy.id}): its runner is busy (GitHub refused: a job is running)`,
    ]);
    expect(fixed.exitCode).toBe(1);
    expect(stack.sim.snapshot().runners.some((r) => r.id === busy.id)).toBe(true);
    expect(stack.sim.snapshot().jobs.find((j) => j.id === jobs[0])?.state).toBe("running");
  });

  it("a machine whose runner is another scale set's, and machines GitHub cannot be asked about, are shown and never touched", {
    timeout: 60_000,
  }, async () => {
    const { stack } = await leftBehindByScaler(0);
    const config = await stackConfig(stack);
    const deployment = config.scalesets[0]?.deployment ?? "";
    const client = new ActionsClient({
      configUrl: config.github.url,
      credentials: config.github.credentials,
    });
    const other = await client.createScaleSet({
      name: "other-set",
      runnerGroupId: 1,
      labels: ["other-set"],
    });
    await client.generateJitConfig(other.id, "e2e-linux-taken01");
    await client.close();
    const taken = leaveMachine(stack.cloud, { runner: "e2e-linux-taken01", deployment });
    const unknown = leaveMachine(stack.cloud, { runner: "e2e-linux-unknown1", deployment });

    const first = await doctor(stack, { fix: true });
    expect(first.report.problems.map((p) => [p.kind, p.machine, p.fix]).sort()).toEqual(
      [
        ["no-registration", unknown, "delete-machine"],
        ["other-scale-set", taken, "none"],
      ].sort(),
    );
    expect(first.deletes.machines).toEqual([unknown]);

    const again = leaveMachine(stack.cloud, { runner: "e2e-linux-unknown2", deployment });
    stack.sim.faults.serverErrors(50, 503, ["listRunners"]); // the listing and every lookup
    const blind = await doctor(stack, { fix: true });
    expect(blind.report.registrations).toBeNull();
    expect(blind.report.registrationsNote).toMatch(/^GitHub's runner listing failed \(/);
    expect(blind.report.problems.map((p) => [p.kind, p.machine]).sort()).toEqual(
      [
        ["unconfirmed", again],
        ["unconfirmed", taken],
      ].sort(),
    );
    expect(blind.report.problems[0]?.detail).toMatch(
      /^GitHub could not be asked about its runner \(.*503.*\); run doctor again$/,
    );
    expect(blind.deletes).toEqual({ machines: [], registrations: [] });
    expect(blind.exitCode).toBe(1);
  });

  it("refuses --fix while a live scaler holds the session (exit 3) and leaves that session alone", {
    timeout: 60_000,
  }, async () => {
    stack = await startStack();
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready, 20_000);
    const session = stack.sim.snapshot().sessions[0];

    const result = await doctor(stack, { fix: true });
    expect(result.exitCode).toBe(3);
    expect(result.report.session).toMatchObject({
      state: "held",
      detail: expect.stringMatching(
        /^another process holds the session \(GitHub: .*active session/,
      ),
    });
    expect(result.refused).toMatch(
      /^a live scaler holds the session of e2e-linux — stop it or run doctor without --fix/,
    );
    expect(result.actions).toEqual([]);
    expect(result.deletes).toEqual({ machines: [], registrations: [] });
    const ids = (list: { sessionId: string; ownerName: string }[]) =>
      list.map((x) => [x.sessionId, x.ownerName]);
    expect(ids(stack.sim.snapshot().sessions)).toEqual(ids(session ? [session] : []));
    expect(app.ready().ready).toBe(true);
  });

  it("an untrusted runner listing: registrations unknown, each machine asked about by name, a busy runner's machine is no problem", {
    timeout: 60_000,
  }, async () => {
    const { stack } = await leftBehindByScaler(2);
    stack.sim.faults.agentListing("empty");
    const result = await doctor(stack, { fix: true });
    expect(result.report.registrations).toBeNull();
    expect(result.report.registrationsNote).toMatch(
      /not trusted; each machine was asked about by name/,
    );
    expect(result.report.problems).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.deletes).toEqual({ machines: [], registrations: [] });
    expect(stack.cloud.live()).toHaveLength(2);
  });

  it("a machine without a deployment label that GitHub does not know is shown and left alone", {
    timeout: 60_000,
  }, async () => {
    const { stack } = await leftBehindByScaler(0);
    const unscoped = leaveMachine(stack.cloud, { runner: "e2e-linux-oldver01", deployment: null });
    const result = await doctor(stack, { fix: true });
    expect(result.report.problems).toMatchObject([
      { kind: "unscoped-unregistered", fix: "none", machine: unscoped },
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.deletes.machines).toEqual([]);
    expect(renderReport(result.report)).toContain(
      `unscoped-unregistered machine ${unscoped} (runner e2e-linux-oldver01): no deployment label`,
    );
  });
});

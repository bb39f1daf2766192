import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { Engine } from "../../src/engines/engine.js";
import { ActionsClient } from "../../src/github/index.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import { writeCliConfig } from "../ec2/helpers.js";
import {
  adcEnv,
  eventually,
  type FakeCloud,
  IMAGE,
  idleRunner,
  makeEngine,
  PROJECT,
  startFakeCloud,
  ZONES,
} from "../gcp/helpers.js";
import { type CliRun, logLines, runCli, startCli } from "./cli-process.js";

/**
 * `scaleset doctor --fix` as an operator runs it (real CLI processes, gcp engine, real SDK against
 * the GCE fake): a scaler running two long jobs is SIGKILLed, and VMs and a registration are left
 * behind as killed scalers leave them. While a second scaler holds the session, doctor lists it all
 * and --fix refuses without a single delete; once that scaler stopped, --fix deletes exactly the
 * orphans — never the VM whose job still runs, never another deployment's VM.
 */

const TOKEN = "ghp_doctor_cli_e2e_token_value";
const SCALE_SET = "doctor-e2e";
const dir = mkdtempSync(join(tmpdir(), "scaleset-doctor-"));

let sim: GitHubSim | undefined;
let cloud: FakeCloud | undefined;
const runs: CliRun[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) run.child.kill("SIGKILL");
  for (const engine of engines.splice(0)) await engine.close();
  await sim?.stop();
  await cloud?.stop();
});

/** What runs in a VM: a left-behind VM idles (`IDLE`) or exits at once (`EXIT`); others run jobs. */
function launchRunner(jit: string, signal: AbortSignal): Promise<unknown> {
  if (jit === "IDLE") return idleRunner(jit, signal);
  if (jit === "EXIT") return Promise.resolve();
  return runSimulatedRunner(jit, signal);
}

describe("scaleset doctor (CLI, gcp engine)", () => {
  it("after a SIGKILL: refuses --fix while a second scaler is live, then deletes exactly the orphans and never a busy VM", {
    timeout: 300_000,
  }, async () => {
    // A SIGKILLed session is released after 1 s without polls instead of GitHub's minutes.
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 500, sessionIdleTimeoutMs: 1000 });
    cloud = await startFakeCloud({ launchRunner });
    const gce = cloud.sim;
    const config = writeCliConfig(dir, "config.yaml", {
      githubUrl: sim.configUrl(),
      scaleSet: SCALE_SET,
      engine: `{ type: gcp, gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${gce.url}", api_timeout: 10s } }`,
    });
    const env = { GITHUB_TOKEN: TOKEN, ...adcEnv(cloud.credentials) };
    const doctor = (...args: string[]) => runCli(["doctor", "--config", config, ...args], env);
    const vmDeletes = () =>
      gce.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").pop());

    // 1. A scaler runs two long jobs and is killed: their VMs stay, busy.
    const first = startCli(["--config", config], env);
    runs.push(first);
    await first.logLine("session created", 30_000);
    const [keep, cancel] = sim.enqueueJobs(SCALE_SET, 2, { durationMs: 600_000 });
    const running = await sim.waitFor(
      (s) => s.jobs.filter((j) => j.state === "running").length === 2,
      60_000,
    );
    const runnerOf = (id: string | undefined) => running.jobs.find((j) => j.id === id)?.runnerName;
    const busyRunner = runnerOf(keep) ?? "";
    const cancelledRunner = runnerOf(cancel) ?? "";
    first.child.kill("SIGKILL");
    await first.exited;

    // 2. A second scaler takes the session over and adopts both; it reconciles only at start.
    const second = startCli(["--config", config, "--scaler.reconcile_interval", "1h"], env);
    runs.push(second);
    await second.logLine("session created", 30_000);
    await eventually(
      "both VMs adopted",
      () => logLines(second).filter((r) => r.msg === "reconcile: adopted machine").length === 2,
      30_000,
    );

    // 3. Leftovers: a VM whose runner GitHub never knew, one that powered off, a ghost
    // registration (killed between JIT config and VM), and another deployment's VM.
    const { deployment } = (await loadConfig({ path: config, env })).scalesets[0] ?? {};
    const ours = await makeEngine(gce, {}, { scaleSetName: SCALE_SET, deployment });
    const theirs = await makeEngine(gce, {}, { scaleSetName: SCALE_SET, deployment: "other-dep" });
    engines.push(ours, theirs);
    const leave = (engine: Engine, runnerName: string, jitConfig: string) =>
      engine.create({ runnerName, jitConfig, scaleSetId: 1, scaleSetName: SCALE_SET, labels: [] });
    const orphan = await leave(ours, `${SCALE_SET}-orphan01`, "IDLE");
    const stopped = await leave(ours, `${SCALE_SET}-stopped01`, "EXIT");
    const foreign = await leave(theirs, `${SCALE_SET}-foreign01`, "IDLE");
    const scaleSetId = sim.snapshot().scaleSets.find((s) => s.name === SCALE_SET)?.id ?? 0;
    const client = new ActionsClient({
      configUrl: sim.configUrl(),
      credentials: { type: "pat", token: TOKEN },
    });
    const ghost = (await client.generateJitConfig(scaleSetId, `${SCALE_SET}-ghost01`)).runner;
    await client.close();
    await eventually(
      "the left VM powered off",
      () =>
        gce
          .instances()
          .some((vm) => vm.name === `${SCALE_SET}-stopped01` && vm.status === "TERMINATED"),
      20_000,
    );
    const deletesBefore = vmDeletes().length;

    // 4. Doctor sees it all, the session held; --fix refuses and deletes nothing.
    const look = await doctor();
    expect(look.code).toBe(1);
    expect(look.stdout).toContain("  session        held — another process holds the session");
    for (const line of [
      `no-registration  machine ${orphan.id} (runner ${SCALE_SET}-orphan01): no registration (confirmed by name) → --fix deletes the machine`,
      `stopped          machine ${stopped.id} (runner ${SCALE_SET}-stopped01): powered off (not in GitHub's listing) → --fix deletes the machine`,
      `no-machine       registration ${SCALE_SET}-ghost01 (id ${ghost.id}): registration without a machine → --fix removes the registration`,
      `other-deployment machine ${foreign.id} (runner ${SCALE_SET}-foreign01): deployment other-dep, not ${deployment}: listed only, never touched → left alone`,
    ])
      expect(look.stdout).toContain(`    ${line}\n`);
    const problemsOf = (text: string) => text.slice(text.indexOf("  problems "));
    expect(look.stdout).toContain("  problems       3 · 1 shown only\n");
    expect(problemsOf(look.stdout)).not.toContain(busyRunner); // healthy: registered and busy
    const json = JSON.parse((await doctor("--json")).stdout);
    expect(json.scalesets[0].report.session.state).toBe("held");
    expect(json.scalesets[0].report.problems).toHaveLength(4);

    const refused = await doctor("--fix");
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(
      new RegExp(
        `--fix refused: a live scaler holds the session of ${SCALE_SET} — stop it or run doctor without --fix`,
      ),
    );
    expect(refused.stdout).not.toContain("deleted machine");
    expect(vmDeletes()).toHaveLength(deletesBefore);
    expect(sim.snapshot().runners.some((r) => r.id === ghost.id)).toBe(true);
    expect(sim.snapshot().sessions.map((s) => s.ownerName)).toHaveLength(1); // the scaler's own

    // 5. The second scaler stops (its session deleted); one job ends, its VM powers off.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(sim.snapshot().sessions).toEqual([]);
    sim.cancelJob(cancel ?? "");
    await eventually(
      "the cancelled job's VM powered off",
      () => gce.instances().some((vm) => vm.name === cancelledRunner && vm.status === "TERMINATED"),
      20_000,
    );
    const vm = gce.instances().find((i) => i.name === cancelledRunner);
    const cancelledVm = `${vm?.zone}/${cancelledRunner}`;

    // 6. --fix deletes exactly the orphans, printing each; the busy VM and the other
    // deployment's VM stay, and the long job still runs.
    const fixed = await doctor("--fix");
    expect(fixed.stderr).toBe("");
    expect(fixed.code).toBe(0);
    for (const line of [
      `deleted machine ${orphan.id} (runner ${SCALE_SET}-orphan01): no registration (confirmed by name)`,
      `deleted machine ${stopped.id} (runner ${SCALE_SET}-stopped01): powered off (not in GitHub's listing)`,
      `deleted machine ${cancelledVm} (runner ${cancelledRunner}): powered off (not in GitHub's listing)`,
      `removed registration ${SCALE_SET}-ghost01 (id ${ghost.id}): registration without a machine`,
    ])
      expect(fixed.stdout).toContain(`    ${line}\n`);
    expect(vmDeletes().slice(deletesBefore).sort()).toEqual(
      [`${SCALE_SET}-orphan01`, `${SCALE_SET}-stopped01`, cancelledRunner].sort(),
    );
    expect(vmDeletes()).not.toContain(busyRunner);
    expect(problemsOf(fixed.stdout)).not.toContain(busyRunner);
    expect(
      gce
        .instances()
        .map((vm) => vm.name)
        .sort(),
    ).toEqual([busyRunner, `${SCALE_SET}-foreign01`].sort());
    expect(sim.snapshot().jobs.find((j) => j.id === keep)?.state).toBe("running");
    expect(sim.snapshot().runners.some((r) => r.id === ghost.id)).toBe(false);
    expect(sim.snapshot().sessions).toEqual([]); // the probe's session is gone again

    const again = await doctor("--fix");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/1 scale set\(s\) · 0 fixed · nothing wrong\n$/);
    for (const run of [look, refused, fixed, again]) expect(run.stdout).not.toContain(TOKEN);
  });
});

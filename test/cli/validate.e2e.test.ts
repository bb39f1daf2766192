import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type Fakes, RUNNER_SA, startFakes, TOKEN, writeConfig } from "../preflight/fixture.js";
import { runCli } from "./cli-process.js";

/**
 * `scaleset validate` as a user runs it: the built CLI in a child process against the GitHub,
 * GCE and EC2 fakes in this one, with a gcp, an ec2 and a sim scale set. The table, the exit
 * status, --json, --offline, and that nothing was created and no secret printed.
 */

const RECORDER = fileURLToPath(new URL("../gcp/fixtures/record-modules.mjs", import.meta.url));

let f: Fakes | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});

async function validate(fakes: Fakes, config: string, ...flags: string[]) {
  const started = performance.now();
  // A deadline far above loopback latency: on a loaded machine a 5 s call deadline can fire for
  // no reason but the load. The deadlines themselves are tested in test/preflight.
  const timeout = flags.includes("--timeout") ? [] : ["--timeout", "60s"];
  const run = await runCli(["validate", "--config", config, ...timeout, ...flags], fakes.env);
  return { ...run, ms: Math.round(performance.now() - started) };
}

describe("scaleset validate", () => {
  it("every check passes against the simulators: exit 0, one table per scale set, nothing created", async () => {
    f = await startFakes();
    const run = await validate(f, writeConfig(f, "pass.yaml"));
    process.stdout.write(`\n--- validate, all passing (${run.ms} ms wall) ---\n${run.stdout}`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const title of [
      "GitHub",
      "scale set gcp-linux",
      "scale set ec2-linux",
      "scale set sim-linux",
      "this host",
    ])
      expect(run.stdout).toContain(title);
    expect(run.stdout).not.toMatch(/^ {2}[✗!] /m);
    expect(run.stdout).toMatch(
      /^validate: 0 failed, 0 warnings, \d+ passed, 2 not checked — \d+\.\d s$/m,
    );
    // The ~10 s goal is a figure to read (printed above and by validate itself), not an
    // assertion: a loaded machine must not fail it.
    const snap = f.github.snapshot();
    expect(snap.scaleSets).toHaveLength(0);
    expect(snap.sessions).toHaveLength(0);
    expect(f.gce.instances()).toHaveLength(0);
    expect(f.gce.counters.inserted + f.gce.counters.insertFailures).toBe(0);
    expect(f.ec2.instances()).toHaveLength(0);
    expect(f.ec2.requests("RunInstances").every((r) => r.params.DryRun === "true")).toBe(true);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });

  it("five different failures: exit 1, each ✗ with its fix, one stderr line each", async () => {
    f = await startFakes();
    f.gce.faults.deniedPermissions.add("compute.instances.setLabels");
    f.gce.faults.deniedPermissions.add("iam.serviceAccounts.actAs");
    f.gce.faults.unofferedMachineTypes.add("us-central1-b/e2-standard-2");
    f.ec2.catalog.subnetAddressesInUse.set("subnet-a", 251);
    f.ec2.catalog.subnetAddressesInUse.set("subnet-b", 250);
    const config = writeConfig(f, "five.yaml", { sim: "    runner_group: gpu\n" });
    const run = await validate(f, config);
    process.stdout.write(`\n--- validate, five failures (${run.ms} ms wall) ---\n${run.stdout}`);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "✗ scale set gcp-linux / permissions: missing on project scaleset-test: compute.instances.setLabels",
      `✗ scale set gcp-linux / service account: missing iam.serviceAccounts.actAs on ${RUNNER_SA}`,
      expect.stringMatching(
        /^✗ scale set gcp-linux \/ machine type: e2-standard-2 is not offered in us-central1-b/,
      ),
      expect.stringMatching(
        /^✗ scale set ec2-linux \/ subnets: .*: 1 free address for max_runners 4$/,
      ),
      '✗ scale set sim-linux / runner group: no runner group found with name "gpu"',
    ]);
    expect(run.stdout.match(/→ fix: /g)).toHaveLength(5);
    expect(run.stdout).toMatch(/^validate: 5 failed, /m);
  });

  it("--json: the same checks for scripts, with the exit status", async () => {
    f = await startFakes();
    f.gce.catalog.serviceAccounts.clear();
    const run = await validate(f, writeConfig(f, "json.yaml", { only: ["gcp"] }), "--json");
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      exitCode: number;
      elapsedMs: number;
      sections: Array<{
        title: string;
        checks: Array<{ name: string; status: string; fix?: string }>;
      }>;
    };
    expect(report).toMatchObject({ ok: false, exitCode: 1 });
    expect(report.elapsedMs).toBeGreaterThan(0);
    const gcp = report.sections.find((s) => s.title === "scale set gcp-linux");
    expect(gcp?.checks.find((c) => c.name === "service account")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("gcloud iam service-accounts create"),
    });
    expect(run.stdout).not.toContain(RUNNER_SA.replace("@", "%40"));
  });

  it("--offline: the config only, no API called, no cloud SDK loaded", async () => {
    f = await startFakes();
    const log = join(f.dir, "modules.txt");
    const run = await runCli(
      ["validate", "--config", writeConfig(f, "offline.yaml"), "--offline"],
      {
        ...f.env,
        NODE_OPTIONS: `--import=${RECORDER}`,
        MODULE_LOG: log,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("config: ok (3 scale set(s)); --offline: no API was called\n");
    expect(f.github.snapshot().requests).toEqual({});
    expect(f.gce.requests).toHaveLength(0);
    expect(f.ec2.requests()).toHaveLength(0);
    const modules = readFileSync(log, "utf8");
    expect(modules).not.toContain("/@google-cloud/compute/");
    expect(modules).not.toContain("/@aws-sdk/client-ec2/");
  });

  it("a sim-only config loads no cloud SDK; a config error exits 2 before any API", async () => {
    f = await startFakes();
    const log = join(f.dir, "modules-sim.txt");
    const sim = await runCli(
      ["validate", "--config", writeConfig(f, "sim.yaml", { only: ["sim"] })],
      {
        ...f.env,
        NODE_OPTIONS: `--import=${RECORDER}`,
        MODULE_LOG: log,
      },
    );
    expect(sim.code).toBe(0);
    const modules = readFileSync(log, "utf8");
    expect(modules).not.toContain("/@google-cloud/compute/");
    expect(modules).not.toContain("/@aws-sdk/client-ec2/");
    expect(modules).not.toContain("google-auth-library");
    const bad = await validate(f, writeConfig(f, "bad.yaml", { maxRunners: -1 }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("max_runners");
    expect(bad.stdout).toBe("");
  });
});

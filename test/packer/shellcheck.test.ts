/**
 * Every shell script under packer/ passes shellcheck (all severities). CI installs shellcheck
 * (.ci/apt-packages), so there a missing binary is a failure; locally the test is skipped with a
 * message saying how to install it.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hasCommand, listFiles, repoRoot } from "./shell.js";

const scripts = listFiles("packer").filter((path) => path.endsWith(".sh"));
const available = hasCommand("shellcheck");
const inCi = Boolean(process.env.CI);

describe("shellcheck over packer/**/*.sh", () => {
  it("finds the image scripts", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        "packer/files/start-runner.sh",
        "packer/scripts/install-base.sh",
        "packer/scripts/install-docker.sh",
        "packer/scripts/install-runner.sh",
        "packer/scripts/install-service.sh",
        "packer/scripts/cleanup.sh",
      ]),
    );
  });

  it("has shellcheck in CI", () => {
    if (!available && !inCi) {
      console.warn("shellcheck is not installed: `apt-get install shellcheck` to run these checks");
    }
    expect(available || !inCi).toBe(true);
  });

  it.skipIf(!available).each(scripts)("%s passes shellcheck", (script) => {
    const result = spawnSync("shellcheck", ["--external-sources", "--severity=style", script], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(!available)("reports a real problem (the check is live)", () => {
    const result = spawnSync("shellcheck", ["-"], {
      input: "#!/bin/bash\nrm -rf $DIR/*\n",
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/SC2086|SC2115/);
  });
});

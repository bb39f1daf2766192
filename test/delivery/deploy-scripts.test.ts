/**
 * The deploy scripts run for real against a stub `gcloud` first on PATH that records every call
 * (and copies the VM's user-data), answers `secrets describe` only for the secrets the test says
 * exist, and succeeds otherwise. Both GitHub credentials of deploy/cloud-run/setup.sh (a PAT, an
 * App key) and deploy/gce/create-vm.sh are exercised.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

const STUB = `#!/bin/bash
# Records one call: its arguments, one a line, then an end marker.
{ printf '%s\\n' "$@"; echo '::end::'; } >>"$STUB_DIR/calls"
for arg in "$@"; do
  case "$arg" in user-data=*) cp "\${arg#user-data=}" "$STUB_DIR/user-data" ;; esac
done
# "secrets describe NAME": exists only if listed in STUB_SECRETS.
for ((i = 1; i < $#; i++)); do
  if [ "\${!i}" = secrets ]; then
    j=$((i + 1)); k=$((i + 2))
    if [ "\${!j}" = describe ]; then
      case " $STUB_SECRETS " in *" \${!k} "*) exit 0 ;; *) echo "NOT_FOUND" >&2; exit 1 ;; esac
    fi
  fi
done
exit 0
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Each gcloud call's arguments (`--project P --quiet` included). */
  calls: string[][];
  dir: string;
}

function runScript(script: string, env: Record<string, string>, secrets: string[] = []): Run {
  const dir = mkdtempSync(join(tmpdir(), "scaleset-gcloud-"));
  writeFileSync(join(dir, "gcloud"), STUB);
  chmodSync(join(dir, "gcloud"), 0o755);
  const result = spawnSync("bash", [join(root, script)], {
    cwd: root,
    encoding: "utf8",
    env: {
      PATH: `${dir}:/usr/bin:/bin`,
      STUB_DIR: dir,
      STUB_SECRETS: secrets.join(" "),
      ...env,
    },
  });
  const log = existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8") : "";
  const calls = log
    .split("::end::\n")
    .filter(Boolean)
    .map((call) => call.split("\n").filter((line, i, all) => i < all.length - 1 || line !== ""));
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls, dir };
}

const flag = (call: string[], name: string) => call[call.indexOf(name) + 1];
/** The calls that contain these arguments, next to each other. */
const find = (run: Run, ...words: string[]) =>
  run.calls.filter((call) => ` ${call.join(" ")} `.includes(` ${words.join(" ")} `));
const BASE = {
  PROJECT: "my-runners",
  REGION: "us-central1",
  IMAGE_OWNER: "My-Org",
  VERSION: "1.2.3",
};
const SA = "serviceAccount:scaleset@my-runners.iam.gserviceaccount.com";

describe("deploy/cloud-run/setup.sh", () => {
  const boundSecrets = (run: Run) =>
    find(run, "secrets", "add-iam-policy-binding").map(
      (call) => call[call.indexOf("add-iam-policy-binding") + 1],
    );

  it.each([
    ["TOKEN_SECRET only", { TOKEN_SECRET: "scaleset-github-token" }],
    ['TOKEN_SECRET with KEY_SECRET=""', { TOKEN_SECRET: "scaleset-github-token", KEY_SECRET: "" }],
  ])("deploys with a personal access token (%s): no App key is bound or mounted", (_, auth) => {
    const run = runScript("deploy/cloud-run/setup.sh", { ...BASE, ...auth }, [
      "scaleset-config",
      "scaleset-github-token",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(boundSecrets(run)).toEqual(["scaleset-config", "scaleset-github-token"]);
    for (const call of find(run, "secrets", "add-iam-policy-binding")) {
      expect(flag(call, "--member")).toBe(SA);
      expect(flag(call, "--role")).toBe("roles/secretmanager.secretAccessor");
    }
    const [deploy, ...more] = find(run, "run", "worker-pools", "deploy");
    expect(more).toEqual([]);
    expect(flag(deploy!, "--set-secrets")).toBe(
      "/etc/scaleset/config.yaml=scaleset-config:latest,GITHUB_TOKEN=scaleset-github-token:latest",
    );
    expect(flag(deploy!, "--set-env-vars")).not.toContain("GITHUB_APP_PRIVATE_KEY_PATH");
    expect(flag(deploy!, "--instances")).toBe("1");
    expect(deploy).not.toContain("--scaling");
    expect(flag(deploy!, "--image")).toBe(
      "us-central1-docker.pkg.dev/my-runners/ghcr/my-org/scaleset:1.2.3",
    );
    expect(flag(deploy!, "--service-account")).toBe("scaleset@my-runners.iam.gserviceaccount.com");
  });

  it("deploys with a GitHub App key by default: bound, mounted as a file, its path in the env", () => {
    const run = runScript("deploy/cloud-run/setup.sh", BASE, [
      "scaleset-config",
      "scaleset-github-app-key",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(boundSecrets(run)).toEqual(["scaleset-config", "scaleset-github-app-key"]);
    const [deploy] = find(run, "run", "worker-pools", "deploy");
    expect(flag(deploy!, "--set-secrets")).toBe(
      "/etc/scaleset/config.yaml=scaleset-config:latest,/secrets/github-app/key.pem=scaleset-github-app-key:latest",
    );
    expect(flag(deploy!, "--set-env-vars")).toContain(
      "GITHUB_APP_PRIVATE_KEY_PATH=/secrets/github-app/key.pem",
    );
    expect(flag(deploy!, "--args")).toContain("--scaler.shutdown_grace,7s");
    expect(run.stdout).toContain(
      "deployed us-central1-docker.pkg.dev/my-runners/ghcr/my-org/scaleset:1.2.3",
    );
  });

  it("MODE=service deploys one always-on internal service, with the PAT", () => {
    const run = runScript(
      "deploy/cloud-run/setup.sh",
      { ...BASE, MODE: "service", TOKEN_SECRET: "scaleset-github-token" },
      ["scaleset-config", "scaleset-github-token"],
    );
    expect(run.code, run.stderr).toBe(0);
    const [deploy] = run.calls.filter((c) => c.includes("deploy") && !c.includes("worker-pools"));
    for (const f of ["--no-cpu-throttling", "--no-allow-unauthenticated"])
      expect(deploy).toContain(f);
    expect([flag(deploy!, "--min-instances"), flag(deploy!, "--max-instances")]).toEqual([
      "1",
      "1",
    ]);
    expect(flag(deploy!, "--set-secrets")).toContain("GITHUB_TOKEN=scaleset-github-token:latest");
  });

  it("names a missing secret and stops before binding or deploying anything", () => {
    const run = runScript("deploy/cloud-run/setup.sh", BASE, ["scaleset-config"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      "secret 'scaleset-github-app-key' does not exist in project my-runners: create it first (docs/deploy/cloud-run.md, step 2)",
    );
    expect(find(run, "run")).toEqual([]);
  });

  it("refuses both credentials, or none, before calling gcloud", () => {
    const both = runScript("deploy/cloud-run/setup.sh", {
      ...BASE,
      TOKEN_SECRET: "t",
      KEY_SECRET: "k",
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
    const none = runScript("deploy/cloud-run/setup.sh", { ...BASE, KEY_SECRET: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no GitHub credential");
    expect([...both.calls, ...none.calls]).toEqual([]);
  });
});

describe("deploy/gce/create-vm.sh", () => {
  it("grants the VM's account roles/logging.logWriter and starts the container without gcplogs", () => {
    const run = runScript("deploy/gce/create-vm.sh", {
      PROJECT: "my-runners",
      ZONE: "us-central1-a",
      IMAGE_OWNER: "My-Org",
      VERSION: "1.2.3",
    });
    expect(run.code, run.stderr).toBe(0);
    const [grant, ...more] = find(run, "projects", "add-iam-policy-binding", "my-runners");
    expect(more).toEqual([]);
    expect(flag(grant!, "--member")).toBe(SA);
    expect(flag(grant!, "--role")).toBe("roles/logging.logWriter");
    const [create] = find(run, "compute", "instances", "create");
    expect(run.calls.indexOf(grant!)).toBeLessThan(run.calls.indexOf(create!));
    expect(flag(create!, "--service-account")).toBe("scaleset@my-runners.iam.gserviceaccount.com");
    const userData = readFileSync(join(run.dir, "user-data"), "utf8");
    expect(userData).toContain(
      "IMAGE=us-central1-docker.pkg.dev/my-runners/ghcr/my-org/scaleset:1.2.3",
    );
    expect(userData).not.toMatch(/--log-driver[= ]gcplogs/);
    expect(userData).toMatch(/--log-driver=json-file --log-opt max-size=\d+m/);
  });
});

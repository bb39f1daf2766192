/**
 * Static checks of the runner image sources against the engine contract: the JIT config never
 * reaches a command line, the unit powers the VM off, both templates build from the same shared
 * scripts, and the build refuses to run without a pinned runner version and checksum.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasCommand, listFiles, packerDir, readRepoFile, runScript } from "./shell.js";

const packerFiles = listFiles("packer");
const codeLines = (text: string) =>
  text.split("\n").filter((line) => !/^\s*#/.test(line) && line.trim() !== "");

const INSTALL_STEPS = [
  "install-base.sh",
  "install-docker.sh",
  "install-runner.sh",
  "install-service.sh",
  "cleanup.sh",
];

describe("the JIT config stays out of argv and off disk", () => {
  it("no file under packer/ passes --jitconfig", () => {
    for (const path of packerFiles) {
      expect(readRepoFile(path).toLowerCase(), path).not.toContain("--jitconfig");
    }
  });

  it("start-runner.sh exports ACTIONS_RUNNER_INPUT_JITCONFIG and runs run.sh without arguments", () => {
    const text = readRepoFile("packer/files/start-runner.sh");
    expect(text).toContain("readonly JIT_ENV_NAME=ACTIONS_RUNNER_INPUT_JITCONFIG");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: expected shell/HCL text, not a template
    expect(text).toContain('export "${JIT_ENV_NAME}=${jit_config}"');
    expect(text).toContain("export ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE=1");
    const runLines = codeLines(text).filter((line) => line.includes("run.sh"));
    expect(runLines.length).toBeGreaterThan(0);
    for (const line of runLines) expect(line.trimEnd()).toMatch(/ \.\/run\.sh$/);
  });

  it("no script line that handles the JIT config redirects into a file", () => {
    for (const path of packerFiles.filter((p) => p.endsWith(".sh"))) {
      for (const line of codeLines(readRepoFile(path))) {
        if (/jit_config|JITCONFIG|JIT_ENV_NAME/.test(line)) {
          expect(line, `${path}: ${line}`).not.toMatch(/>\s*["$/\w]/);
        }
      }
    }
  });
});

describe("scaleset-runner.service", () => {
  const unit = readRepoFile("packer/files/scaleset-runner.service");

  it("runs the start script once and powers off whatever the outcome", () => {
    expect(unit).toMatch(/^ExecStart=\/opt\/scaleset\/start-runner\.sh$/m);
    expect(unit).toMatch(/^SuccessAction=poweroff$/m);
    expect(unit).toMatch(/^FailureAction=poweroff$/m);
    expect(unit).toMatch(/^Restart=no$/m);
    expect(unit).toMatch(/^After=.*docker\.service/m);
    expect(unit).not.toMatch(/JITCONFIG=|jitconfig/i);
  });

  it.skipIf(!hasCommand("systemd-analyze"))(
    "passes systemd-analyze verify without warnings",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "scaleset-unit-"));
      const path = join(dir, "scaleset-runner.service");
      // Point ExecStart at the repository copy: verify checks that the program is executable.
      writeFileSync(
        path,
        unit.replace("/opt/scaleset/start-runner.sh", join(packerDir, "files/start-runner.sh")),
      );
      const result = spawnSync("systemd-analyze", ["verify", path], { encoding: "utf8" });
      expect(result.stderr.split("\n").filter((l) => l.includes("scaleset-runner"))).toEqual([]);
      expect(result.status).toBe(0);
    },
  );
});

/** True when every `{`/`}`, `[`/`]` and `(`/`)` outside strings and comments is balanced. */
function hclBracketsBalance(text: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { "}": "{", "]": "[", ")": "(" };
  let inString = false;
  for (const line of text.split("\n")) {
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === "#" || (c === "/" && line[i + 1] === "/")) break;
      if (c === '"') inString = true;
      else if ("{[(".includes(c)) stack.push(c);
      else if (c in pairs && stack.pop() !== pairs[c]) return false;
    }
    if (inString) return false;
  }
  return stack.length === 0;
}

describe.each([
  { dir: "gcp", provider: "gcp", plugin: "github.com/hashicorp/googlecompute" },
  { dir: "aws", provider: "ec2", plugin: "github.com/hashicorp/amazon" },
])("packer/$dir/runner.pkr.hcl", ({ dir, provider, plugin }) => {
  const template = readRepoFile(`packer/${dir}/runner.pkr.hcl`);

  it("runs every shared install step, in order, with the shared files", () => {
    const positions = INSTALL_STEPS.map((step) =>
      template.indexOf(`"\${path.root}/../scripts/${step}"`),
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: expected shell/HCL text, not a template
    expect(template).toContain('source      = "${path.root}/../files/"');
    expect(template).toContain(`"SCALESET_PROVIDER=${provider}"`);
    expect(template).toContain(`source  = "${plugin}"`);
  });

  it("requires runner_version and runner_sha256 (no default) and passes them to the build", () => {
    for (const name of ["runner_version", "runner_sha256"]) {
      const block = new RegExp(`variable "${name}" \\{([\\s\\S]*?)\\n\\}`).exec(template)?.[1];
      expect(block, name).toBeDefined();
      expect(block).not.toMatch(/^\s*default\s*=/m);
      expect(block).toContain("validation {");
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: expected shell/HCL text, not a template
    expect(template).toContain('"RUNNER_VERSION=${var.runner_version}"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: expected shell/HCL text, not a template
    expect(template).toContain('"RUNNER_SHA256=${var.runner_sha256}"');
  });

  it("builds from Ubuntu 24.04 and has balanced brackets", () => {
    expect(template).toMatch(/ubuntu-2404-lts-|ubuntu-noble-24\.04-/);
    expect(hclBracketsBalance(template)).toBe(true);
    expect(hclBracketsBalance(`${template}\n}`)).toBe(false);
  });
});

it("every image step in packer/scripts is used by both templates", () => {
  const steps = packerFiles
    .filter((p) => p.startsWith("packer/scripts/"))
    .map((p) => p.slice(p.lastIndexOf("/") + 1));
  expect(steps.sort()).toEqual([...INSTALL_STEPS].sort());
});

describe("the image build fails fast without a pinned runner", () => {
  const installRunner = join(packerDir, "scripts/install-runner.sh");

  it("without RUNNER_VERSION", async () => {
    const result = await runScript(installRunner, [], { RUNNER_SHA256: "a".repeat(64) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("RUNNER_VERSION is required");
  });

  it("without RUNNER_SHA256", async () => {
    const result = await runScript(installRunner, [], { RUNNER_VERSION: "2.330.0" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("RUNNER_SHA256 is required");
  });

  it("with a malformed version or checksum", async () => {
    const badVersion = await runScript(installRunner, [], {
      RUNNER_VERSION: "latest",
      RUNNER_SHA256: "a".repeat(64),
    });
    expect(badVersion.stderr).toContain("is not a version");
    const badSha = await runScript(installRunner, [], {
      RUNNER_VERSION: "2.330.0",
      RUNNER_SHA256: "abc",
    });
    expect(badSha.stderr).toContain("not a lowercase hex SHA-256");
    expect(badVersion.code).not.toBe(0);
    expect(badSha.code).not.toBe(0);
  });

  it("verifies the tarball checksum and installs the runner's dependencies", () => {
    const text = readRepoFile("packer/scripts/install-runner.sh");
    expect(text).toContain("sha256sum --check --strict");
    expect(text).toContain("bin/installdependencies.sh");
    const docker = readRepoFile("packer/scripts/install-docker.sh");
    expect(docker).toContain("usermod -aG docker runner");
    expect(readRepoFile("packer/scripts/install-service.sh")).toContain(
      "systemctl enable scaleset-runner.service",
    );
  });
});

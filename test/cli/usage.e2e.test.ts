/** Command-line usage mistakes: one clear message, exit 2, and never the autoscaler started. */
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";

const HINT = "Run 'scaleset --help' for usage.\n";

describe("scaleset usage errors", () => {
  it.each([
    [
      "an unknown command",
      ["frobnicate", "--config", "x.yaml"],
      'error: unknown command "frobnicate" — use one of: run, demo, validate, doctor, status, version\n',
    ],
    [
      "an unknown command that may be a pasted secret (not echoed)",
      ["ghp_pasted_by_mistake_123"],
      "error: unknown command — use one of: run, demo, validate, doctor, status, version\n",
    ],
    [
      "a repeated --config",
      ["--config", "a.yaml", "--config", "b.yaml"],
      "error: --config was given more than once — give it once\n",
    ],
    [
      "a repeated -c / --config with a command",
      ["validate", "-c", "a.yaml", "--config", "b.yaml"],
      "error: --config was given more than once — give it once\n",
    ],
    [
      "run without a config",
      ["run"],
      "error: --config is required — give the path of the config file, e.g. --config config.yaml (see config.example.yaml)\n",
    ],
    [
      "no command and no config",
      [],
      "error: --config is required — give the path of the config file, e.g. --config config.yaml (see config.example.yaml)\n",
    ],
    [
      "an argument after run",
      ["run", "config.yaml"],
      "error: run takes no arguments — give options as --name value\n",
    ],
  ])("%s: exit 2, one message", async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toBe(message + HINT);
    expect(stdout).toBe("");
  });

  it("--help lists the commands and says secrets are refused as flags", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["run", "demo", "validate", "doctor", "status", "version"])
      expect(stdout).toContain(`scaleset ${command}`);
    expect(stdout).toContain("(the default command)");
    expect(stdout.replace(/\s+/g, " ")).toContain(
      "Secrets (any token, key, secret or password field, and OTLP headers) are refused as flags",
    );
  });
});

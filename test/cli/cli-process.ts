import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Resolves with the first JSON log line that has this `msg`. */
  logLine(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * Starts the built CLI with a clean environment plus `env`. `fdLimit` lowers (never raises) the
 * child's open-file limit, through `ulimit -n` in a shell that then execs node.
 */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  options: { fdLimit?: number } = {},
): CliRun {
  const command = [process.execPath, CLI, ...args];
  const argv =
    options.fdLimit === undefined
      ? command
      : ["/bin/sh", "-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, ...command];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async logLine(msg, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of out.split("\n")) {
          if (!line.startsWith("{")) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) return parsed;
        }
        if (Date.now() > deadline) throw new Error(`no log line "${msg}" in time; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** The JSON log lines of a run so far, parsed. */
export function logLines(run: CliRun): Array<Record<string, unknown>> {
  return run
    .stdout()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/**
 * The demo's logs next to its one-line-a-second summary: human-readable (pino-pretty) in a
 * terminal, JSON lines when the output is not a terminal or with `--log-format json`. The
 * terminal is a real pseudo-terminal from util-linux `script`.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI, runCli } from "./cli-process.js";

const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;
const DEMO = ["demo", "--jobs", "2", "--rate", "10", "--duration", "50ms-100ms", "--port", "0"];

/** Runs the demo with stdout and stderr on a pseudo-terminal; the screen, colours removed. */
function demoInTerminal(extra: string[] = []): { code: number | null; screen: string } {
  const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...DEMO, ...extra].map(quote).join(" ");
  const result = spawnSync("script", ["-qec", command, "/dev/null"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm" },
    timeout: 60_000,
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const screen = result.stdout.replace(/\x1b\[[0-9;]*m/g, "").replace(/\r/g, "");
  return { code: result.status, screen };
}

const jsonLines = (text: string) => text.split("\n").filter((line) => line.startsWith("{"));

describe.skipIf(!HAS_SCRIPT)("scaleset demo logs in a terminal", () => {
  it("are human-readable (pino-pretty), not JSON", () => {
    const { code, screen } = demoInTerminal();
    expect(code).toBe(0);
    expect(jsonLines(screen)).toEqual([]);
    expect(screen).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: scaleset started$/m);
    expect(screen).toMatch(/^demo finished: 2 jobs completed; left behind: 0 machines/m);
  }, 60_000);

  it("are JSON lines with --log-format json", () => {
    const { code, screen } = demoInTerminal(["--log-format", "json"]);
    expect(code).toBe(0);
    const logs = jsonLines(screen).map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain("scaleset started");
    expect(screen).not.toMatch(/INFO: scaleset started/);
  }, 60_000);
});

describe("scaleset demo logs outside a terminal", () => {
  it("are JSON lines on stdout; the summary and the report go to stderr", async () => {
    const { code, stdout, stderr } = await runCli(DEMO);
    expect(code).toBe(0);
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(stderr).toContain("demo finished: 2 jobs completed");
  }, 60_000);
});

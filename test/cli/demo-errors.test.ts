/**
 * Every demo error ends the demo promptly with one line and a non-zero exit: a bad option, a
 * busy status port, telemetry that cannot start. The real CLI shows the exit; the same failures
 * in-process show that the simulators, servers and timers the demo started are all stopped (the
 * process would otherwise stay alive: that was the hang).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoCommand } from "../../src/cli/demo.js";
import type { DemoArgs } from "../../src/cli/demo-args.js";
import type { GitHubSim } from "../../src/sim/github/index.js";
import { startCli } from "./cli-process.js";

// The GitHub simulators the in-process demos start, to check afterwards that they were stopped.
const simulators = vi.hoisted(() => [] as GitHubSim[]);
vi.mock("../../src/sim/github/index.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/sim/github/index.js")>();
  return {
    ...real,
    startGitHubSim: async (...args: Parameters<typeof real.startGitHubSim>) => {
      const sim = await real.startGitHubSim(...args);
      simulators.push(sim);
      return sim;
    },
  };
});

/** Well past a normal start (2–3 s on a loaded machine), far below a hang. */
const PROMPTLY_MS = 20_000;

let busy: Server;
let busyPort = 0;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

async function demoExit(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const run = startCli(["demo", "--quiet", ...args], env);
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve("still running"), PROMPTLY_MS).unref(),
  );
  const code = await Promise.race([run.exited, timeout]);
  if (code === "still running") run.child.kill("SIGKILL");
  return { code, ms: Date.now() - started, stderr: run.stderr(), stdout: run.stdout() };
}

describe("scaleset demo: errors exit non-zero, promptly, with one line", () => {
  it("--rate 0 is a usage error (exit 2) before anything starts", async () => {
    const result = await demoExit(["--rate", "0", "--jobs", "3", "--port", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: --rate 0: jobs queued per second must be above 0, e.g. --rate 0.5\n",
    );
    expect(result.stdout).toBe(""); // nothing started, nothing logged
  }, 30_000);

  it("a busy --port names the port and how to pick another", async () => {
    const result = await demoExit(["--port", String(busyPort), "--jobs", "3"]);
    expect(result.code).toBe(1);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      `error: port ${busyPort} is already in use, so the demo's status server cannot listen on 127.0.0.1:${busyPort}: pick another with --port (0 = any free port)`,
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);

  it("telemetry that cannot start (Prometheus port in use) ends the demo with one line", async () => {
    const result = await demoExit(["--telemetry", "--jobs", "3", "--port", "0"], {
      OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
      OTEL_EXPORTER_PROMETHEUS_PORT: String(busyPort),
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", // discard: nothing to send anyway
    });
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n").filter((line) => line.startsWith("error:"))).toEqual([
      `error: telemetry: the Prometheus endpoint cannot listen on 127.0.0.1:${busyPort} (EADDRINUSE); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (0 = any), or stop what uses it`,
    ]);
    expect(result.stderr).not.toContain("EADDRINUSE:");
  }, 30_000);
});

describe("scaleset demo in-process: a failed demo leaves nothing running", () => {
  const args: DemoArgs = {
    jobs: 3,
    rate: 5,
    duration: "100ms",
    "max-runners": 5,
    engine: "sim",
    quiet: false,
  };
  /** Servers, sockets and timers alive in this process now. */
  const handles = () =>
    process
      .getActiveResourcesInfo()
      .filter((r) => /TCPServerWrap|TCPSocketWrap|Timeout|Immediate/.test(r)).length;

  /** Waits (bounded) until the handle count is back to `baseline`; returns the last count. */
  async function settled(baseline: number): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (handles() > baseline && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    return handles();
  }

  it.each([
    ["a busy status port", { port: -1 }, {}],
    ["telemetry that cannot start", { port: 0, telemetry: true }, { prometheus: true }],
  ] as const)(
    "%s: returns 1 and stops the simulators, servers and timers",
    async (_, extra, how) => {
      const saved = { ...process.env };
      if (how && "prometheus" in how) {
        process.env.OTEL_EXPORTER_PROMETHEUS_HOST = "127.0.0.1";
        process.env.OTEL_EXPORTER_PROMETHEUS_PORT = String(busyPort);
        process.env.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:9";
      }
      const baseline = handles();
      simulators.length = 0;
      try {
        const port = extra.port === -1 ? busyPort : extra.port;
        expect(await demoCommand({ ...args, ...extra, port })).toBe(1);
        expect(simulators).toHaveLength(1);
        // Its server is closed: nothing answers on its port any more.
        await expect(fetch(simulators[0]!.url)).rejects.toThrow();
        expect(await settled(baseline)).toBeLessThanOrEqual(baseline);
      } finally {
        process.env = saved;
      }
    },
    30_000,
  );
});

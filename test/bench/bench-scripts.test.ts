/**
 * The benchmark scripts run and report what they claim, on a small burst: `npm run bench` with
 * and without telemetry and with a warm-up burst, and the telemetry replay. (Their figures are
 * printed, not asserted: timing goals live in the scripts, not in tests.)
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const script = (name: string) =>
  fileURLToPath(new URL(`../../dist/bench/${name}`, import.meta.url));

async function bench(env: Record<string, string>) {
  const { stdout } = await run(process.execPath, [script("burst.js")], {
    env: { ...process.env, BENCH_JOBS: "12", BENCH_JOB_MS: "200", ...env },
    timeout: 60_000,
  });
  const row = (name: string) => stdout.split("\n").find((line) => line.startsWith(name)) ?? "";
  return { stdout, row };
}

describe("benchmark scripts", () => {
  it("runs a burst to the end with no leak and one runner per job", async () => {
    const { row } = await bench({});
    expect(row("jobs")).toContain("12 distinct runners");
    expect(row("machines created / deleted")).toMatch(/12 \/ 12/);
    expect(row("leaks")).toMatch(/\s0\s/);
    expect(Number(/([\d.]+) ms/.exec(row("CPU per job"))?.[1])).toBeGreaterThan(0);
  }, 90_000);

  it("with telemetry on, exports to the OTLP sink, is scraped and finds telemetry in the profile", async () => {
    const profiles = await mkdtemp(join(tmpdir(), "bench-prof-"));
    try {
      const { row } = await bench({
        BENCH_TELEMETRY: "1",
        BENCH_JOB_MS: "6000",
        BENCH_CPU_PROF: profiles,
      });
      const telemetry = row("telemetry  "); // the padded row, not "telemetry in the CPU profile"
      expect(telemetry).toContain("on");
      expect(Number(/OTLP (\d+) exports/.exec(telemetry)?.[1])).toBeGreaterThan(0);
      // The process logger's lines go out as OTLP log records too.
      expect(Number(/\((\d+) of logs\)/.exec(telemetry)?.[1])).toBeGreaterThan(0);
      expect(Number(/(\d+) scrapes/.exec(telemetry)?.[1])).toBeGreaterThan(0);
      const share = Number(/([\d.]+) %/.exec(row("telemetry in the CPU profile"))?.[1]);
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThan(100);
      expect((await readdir(profiles)).some((f) => f.endsWith(".cpuprofile"))).toBe(true);
    } finally {
      await rm(profiles, { recursive: true, force: true });
    }
  }, 90_000);

  it("measures only the burst after the warm-up", async () => {
    const { row } = await bench({ BENCH_WARMUP_JOBS: "5" });
    expect(row("jobs")).toContain("after an unmeasured warm-up burst of 5");
    expect(row("machines created / deleted")).toMatch(/12 \/ 12/);
    expect(row("leaks")).toMatch(/\s0\s/);
  }, 90_000);

  it("spreads the jobs' arrival and caps the scaler's heap when asked", async () => {
    const { row } = await bench({ BENCH_ARRIVAL_MS: "20", BENCH_SCALER_HEAP_MB: "256" });
    expect(row("jobs")).toContain("one every 20 ms");
    expect(row("machines created / deleted")).toMatch(/12 \/ 12/);
    expect(row("leaks")).toMatch(/\s0\s/);
    // heap_size_limit is the old space plus the young generation's reserve.
    const limit = Number(/heap limit\s+(\d+) MB/.exec(row("scaler heap limit"))?.[1]);
    expect(limit).toBeGreaterThanOrEqual(256);
    expect(limit).toBeLessThan(512);
  }, 90_000);

  it("replays jobs through the instrumentation with and without an SDK", async () => {
    const { stdout } = await run(process.execPath, [script("telemetry-replay.js")], {
      env: { ...process.env, BENCH_JOBS: "400", BENCH_ROUNDS: "1", BENCH_IN_FLIGHT: "40" },
      timeout: 60_000,
    });
    const figure = (label: string) =>
      Number(new RegExp(`${label}.*median (\\d+)`).exec(stdout)?.[1] ?? Number.NaN);
    expect(figure("no SDK")).toBeGreaterThan(0);
    // Recording and exporting spans and metrics cannot cost less than not recording them.
    expect(figure("fully on")).toBeGreaterThan(figure("no SDK"));
  }, 90_000);
});

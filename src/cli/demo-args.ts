/**
 * The demo's options, checked before anything starts, and its failures put into one line that
 * says what to change. Every demo error ends the demo with a non-zero exit.
 */
import { parseDuration } from "../config/index.js";
import type { DemoEngine } from "./demo-engines.js";

export interface DemoArgs {
  jobs?: number;
  rate: number;
  duration: string;
  "max-runners": number;
  engine: DemoEngine;
  port?: number;
  quiet: boolean;
  /** Export traces and metrics (OTLP to OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318, Prometheus). */
  telemetry?: boolean;
  /** json or pretty; default pretty on a terminal, json otherwise. */
  "log-format"?: string;
}

export type LogFormat = "json" | "pretty";

export interface DemoOptions {
  durationMs: [number, number];
  logFormat: LogFormat;
}

/** A wrong option: reported with exit status 2, like other usage errors. */
export class DemoUsageError extends Error {}

export function checkDemoArgs(args: DemoArgs, stdoutIsTTY: boolean): DemoOptions {
  const fail = (message: string): never => {
    throw new DemoUsageError(message);
  };
  if (!(Number.isFinite(args.rate) && args.rate > 0))
    fail(`--rate ${args.rate}: jobs queued per second must be above 0, e.g. --rate 0.5`);
  if (args.jobs !== undefined && !(Number.isInteger(args.jobs) && args.jobs > 0))
    fail(
      `--jobs ${args.jobs}: give a whole number of jobs above 0, or leave it out to run until Ctrl-C`,
    );
  if (!(Number.isInteger(args["max-runners"]) && args["max-runners"] > 0))
    fail(`--max-runners ${args["max-runners"]}: give a whole number above 0`);
  if (
    args.port !== undefined &&
    !(Number.isInteger(args.port) && args.port >= 0 && args.port <= 65_535)
  )
    fail(`--port ${args.port}: give a TCP port from 0 (any free port) to 65535`);
  const format = args["log-format"];
  if (format !== undefined && format !== "json" && format !== "pretty")
    fail(`--log-format ${format}: use json or pretty`);
  return {
    durationMs: parseDurationRange(args.duration, fail),
    logFormat: (format as LogFormat | undefined) ?? (stdoutIsTTY ? "pretty" : "json"),
  };
}

function parseDurationRange(text: string, fail: (message: string) => never): [number, number] {
  const [a, b = a] = text.split("-", 2);
  let range: [number, number];
  try {
    range = [parseDuration(a ?? ""), parseDuration(b ?? "")];
  } catch {
    return fail(`--duration ${text}: give a duration or a range such as 3s-8s or 500ms`);
  }
  if (range[1] < range[0]) fail(`--duration ${text}: the maximum is shorter than the minimum`);
  return range;
}

/** What the demo was doing when it failed. */
export type DemoStage = "simulators" | "telemetry" | "scaler";

/** One line: what failed and what to do about it. Never a stack trace. */
export function describeDemoFailure(error: unknown, stage: DemoStage): string {
  const inUse = addressInUse(error);
  if (inUse && stage === "scaler")
    return (
      `port ${inUse.port} is already in use, so the demo's status server cannot listen on ` +
      `${inUse.address}:${inUse.port}: pick another with --port (0 = any free port)`
    );
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n")[0] ?? message;
  return stage === "telemetry" && !first.startsWith("telemetry")
    ? `telemetry could not start: ${first}`
    : first;
}

function addressInUse(error: unknown): { address: string; port: number } | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code, address, port } = e as NodeJS.ErrnoException & {
      address?: string;
      port?: number;
    };
    if (code === "EADDRINUSE") return { address: address ?? "*", port: port ?? 0 };
  }
  return undefined;
}

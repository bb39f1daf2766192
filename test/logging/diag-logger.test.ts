/**
 * OpenTelemetry's own diagnostics in scaleset's log: one `component` key per line (the telemetry
 * logger's), and an exporter error as a structured `err`, not JSON text inside `msg`.
 */
import { PassThrough } from "node:stream";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { globalErrorHandler } from "@opentelemetry/core";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.js";
import { diagToPino } from "../../src/telemetry/diag-logger.js";

afterEach(() => diag.disable());

/** The telemetry component's logger (as sdk.ts builds it) writing JSON lines to a buffer. */
function telemetryLogger() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const root = createLogger({ level: "info", format: "json", destination: stream });
  const logger = root.child({ component: "telemetry" });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l !== ""),
  };
}

/** An exporter failure as the OTLP exporter raises it. */
function exportError(): Error {
  const error = new Error("connect ECONNREFUSED 127.0.0.1:4318");
  error.name = "OTLPExporterError";
  Object.assign(error, { code: "ECONNREFUSED" });
  return error;
}

describe("OpenTelemetry diagnostics in the log", () => {
  it("an error from OpenTelemetry's global handler: one component key, the error as err", () => {
    const { logger, lines } = telemetryLogger();
    diag.setLogger(
      diagToPino(() => logger),
      { logLevel: DiagLogLevel.WARN },
    );
    // The path a failed export takes: the handler passes JSON.stringify(error) to diag.error.
    globalErrorHandler(exportError());
    const [raw, ...rest] = lines();
    expect(rest).toEqual([]);
    expect(raw!.match(/"component":/g)).toHaveLength(1);
    const line = JSON.parse(raw!) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "error",
      component: "telemetry",
      msg: "telemetry: connect ECONNREFUSED 127.0.0.1:4318",
      err: {
        type: "Error",
        message: "connect ECONNREFUSED 127.0.0.1:4318",
        code: "ECONNREFUSED",
      },
    });
    const err = line.err as { stack: string };
    expect(err.stack).toMatch(/^OTLPExporterError: connect ECONNREFUSED/);
    expect(err.stack).toContain("diag-logger.test.ts");
    expect(String(line.msg)).not.toContain("stack");
    expect(String(line.msg)).not.toContain("{");
  });

  it("a message with an Error argument logs it as err; plain messages stay as they are", () => {
    const { logger, lines } = telemetryLogger();
    const diagLogger = diagToPino(() => logger);
    diagLogger.warn("metrics export failed", exportError());
    diagLogger.warn("dropped 3 spans");
    diagLogger.error("{not json");
    const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.msg)).toEqual([
      "telemetry: metrics export failed",
      "telemetry: dropped 3 spans",
      "telemetry: {not json",
    ]);
    expect(parsed[0]!.err).toMatchObject({ message: "connect ECONNREFUSED 127.0.0.1:4318" });
    expect(parsed[1]).not.toHaveProperty("err");
    for (const raw of lines()) expect(raw.match(/"component":/g)).toHaveLength(1);
  });

  it("repeats a message at most once a minute", () => {
    const { logger, lines } = telemetryLogger();
    const diagLogger = diagToPino(() => logger);
    for (let i = 0; i < 5; i++) diagLogger.error(JSON.stringify({ message: "boom", name: "E" }));
    expect(lines()).toHaveLength(1);
  });
});

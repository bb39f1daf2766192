/**
 * OTEL_EXPORTER_OTLP_PROTOCOL=grpc, as Aspire's 4317 and most collectors speak it: `scaleset
 * demo` exports traces, metrics and logs to an OTLP/gRPC receiver on loopback, with the headers
 * as gRPC metadata, and a log record written inside a job's trace carries that trace's id.
 */
import { describe, expect, it } from "vitest";
import { startCli } from "../cli/cli-process.js";
import { startOtlpGrpcReceiver } from "./otlp-grpc-receiver.js";

describe("OTLP over gRPC", () => {
  it("sends traces, metrics and logs, logs in their job's trace", async () => {
    const receiver = await startOtlpGrpcReceiver();
    try {
      const run = startCli(
        ["demo", "--jobs", "1", "--duration", "100ms", "--port", "0", "--telemetry"],
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
          OTEL_EXPORTER_OTLP_HEADERS: "x-otlp-api-key=grpc-s3cr3t",
          OTEL_METRICS_EXPORTER: "otlp",
          SCALESET_LOG_LEVEL: "debug",
        },
      );
      const started = await run.logLine("telemetry started", 20_000);
      expect(started.traces).toBe(`${receiver.url} (grpc)`);
      expect(started.logs).toBe(`${receiver.url} (grpc)`);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).not.toContain("grpc-s3cr3t");

      const services = new Set(receiver.requests.map((r) => r.service));
      expect([...services].sort()).toEqual(["logs", "metrics", "trace"]);
      expect(receiver.requests[0]?.metadata.get("x-otlp-api-key")).toEqual(["grpc-s3cr3t"]);

      const jobs = receiver.spans().filter((s) => s.name === "scaleset.job");
      expect(jobs).toHaveLength(1);
      const logs = receiver.logs();
      expect(logs.some((r) => r.body === "telemetry started")).toBe(true);
      // Written while the message that acquired the job was handled: inside the job's trace.
      const acquired = logs.find((r) => r.body === "acquired jobs");
      expect(acquired?.traceId).toBe(jobs[0]?.traceId);
      expect(acquired?.severityNumber).toBe(5); // DEBUG
      expect(receiver.metrics().some((m) => m.name === "scaleset.jobs.completed")).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});

/**
 * In-process telemetry tests: the OpenTelemetry SDK and scaleset's runtime in this process, and
 * job messages to drive them (one job of run 7, and messages carrying jobs).
 */
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import type { MetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace";
import { emptyJobMessages } from "../../src/github/messages.js";
import { type JobAssigned, type ScaleSetMessage, ZERO_STATISTICS } from "../../src/github/types.js";
import { TelemetryRuntime } from "../../src/telemetry/runtime.js";
import { TraceBinder } from "../../src/telemetry/trace-binder.js";

/** Spans go through the TraceBinder to `spans`; `stop` shuts down and unregisters everything. */
export function startInProcess(spans: SpanExporter, metricReaders: MetricReader[] = []) {
  const binder = new TraceBinder();
  const sdk = new NodeSDK({
    spanProcessors: [binder.spanProcessor(new SimpleSpanProcessor({ exporter: spans }))],
    metricReaders,
    logRecordProcessors: [],
    autoDetectResources: false,
  });
  sdk.start();
  const runtime = new TelemetryRuntime(
    trace.getTracer("scaleset"),
    metrics.getMeter("scaleset"),
    binder,
  );
  return {
    runtime,
    async stop() {
      await sdk.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function job(id: string): JobAssigned {
  return {
    messageType: "JobAssigned",
    runnerRequestId: 1,
    jobId: id,
    repositoryName: "repo",
    ownerName: "org",
    jobWorkflowRef: "org/repo/.github/workflows/ci.yml@refs/heads/main",
    jobDisplayName: `build ${id}`,
    workflowRunId: 7,
    eventName: "push",
    requestLabels: ["linux"],
    queueTime: new Date(Date.now() - 1000),
  };
}

let nextId = 1;
export function message(parts: Partial<ScaleSetMessage>): ScaleSetMessage {
  return { ...emptyJobMessages(nextId++, { ...ZERO_STATISTICS }), ...parts };
}

export const started = (id: string, runnerName: string) => ({
  ...job(id),
  messageType: "JobStarted" as const,
  runnerId: 1,
  runnerName,
});

export const completed = (id: string, runnerName: string, result = "succeeded") => ({
  ...job(id),
  messageType: "JobCompleted" as const,
  runnerId: 1,
  runnerName,
  result,
});

/**
 * The collector configs of deploy/ (Cloud Run and GCE: the Google-built collector; ECS: ADOT)
 * are complete pipelines for what scaleset sends: OTLP on the loopback ports its variables name,
 * and one pipeline per signal whose every component is defined. No collector binary runs here,
 * so this checks their structure; docs/deploy/telemetry.md is what wires them in.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

interface CollectorConfig {
  receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
  processors?: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions?: Record<string, { endpoint?: string }>;
  service: {
    extensions?: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

const CONFIGS = {
  "deploy/cloud-run/otel-collector.yaml": {
    traces: ["googlecloud"],
    metrics: ["googlemanagedprometheus"],
    logs: ["googlecloud"],
  },
  "deploy/gce/otel-collector.yaml": {
    traces: ["googlecloud"],
    metrics: ["googlemanagedprometheus"],
    logs: ["googlecloud"],
  },
  "deploy/ecs/adot-collector.yaml": {
    traces: ["awsxray"],
    metrics: ["awsemf"],
    logs: ["awscloudwatchlogs"],
  },
} as const;

describe.each(Object.entries(CONFIGS))("%s", (path, exporters) => {
  const config = parse(read(path)) as CollectorConfig;

  it("receives OTLP over gRPC on localhost:4317 and HTTP on localhost:4318", () => {
    const protocols = config.receivers.otlp?.protocols ?? {};
    expect(protocols.grpc?.endpoint).toBe("localhost:4317");
    expect(protocols.http?.endpoint).toBe("localhost:4318");
  });

  it("has a pipeline per signal to the cloud's backend, with every component defined", () => {
    const pipelines = config.service.pipelines;
    expect(Object.keys(pipelines).sort()).toEqual(["logs", "metrics", "traces"]);
    for (const [signal, pipeline] of Object.entries(pipelines)) {
      expect(pipeline.exporters).toEqual(exporters[signal as keyof typeof exporters]);
      expect(pipeline.receivers).toEqual(["otlp"]);
      for (const name of pipeline.processors ?? []) expect(config.processors).toHaveProperty(name);
      for (const name of pipeline.exporters) expect(config.exporters).toHaveProperty(name);
      // Memory first, batching last: the collector's documented order.
      expect(pipeline.processors?.[0]).toBe("memory_limiter");
      expect(pipeline.processors?.at(-1)).toBe("batch");
    }
    for (const name of config.service.extensions ?? [])
      expect(config.extensions).toHaveProperty(name);
  });

  it("names the IAM roles or permissions it needs, and holds no credential", () => {
    const text = read(path);
    expect(text).toMatch(/roles\/cloudtrace\.agent|xray:PutTraceSegments/);
    expect(text).not.toMatch(/secret_access_key|private_key|api[_-]?key|token/i);
  });
});

describe("the collector units and guide", () => {
  it("runs the GCE collector with host networking from the config the guide writes", () => {
    const unit = read("deploy/gce/otel-collector.service");
    expect(unit).toContain("--network host");
    expect(unit).toContain("--config=/etc/otelcol/config.yaml");
    expect(unit).toContain("Before=scaleset.service");
  });

  it("documents each platform's collector with the variables scaleset needs", () => {
    const guide = read("docs/deploy/telemetry.md");
    for (const path of Object.keys(CONFIGS)) expect(guide).toContain(path);
    expect(guide).toContain("OTEL_EXPORTER_OTLP_PROTOCOL=grpc");
    expect(guide).toContain("OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317");
    for (const role of [
      "roles/cloudtrace.agent",
      "roles/monitoring.metricWriter",
      "roles/logging.logWriter",
    ])
      expect(guide).toContain(role);
  });
});

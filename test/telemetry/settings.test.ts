import { describe, expect, it } from "vitest";
import { ConfigError, redactConfig } from "../../src/config/index.js";
import { parseKeyValues, resolveTelemetrySettings } from "../../src/telemetry/settings.js";
import { load, MINIMAL_YAML } from "../config/helpers.js";

const withTelemetry = (yaml: string) => load(`${MINIMAL_YAML}telemetry:\n${yaml}`);

describe("telemetry settings", () => {
  it("is off by default: no section, no OTEL_* variables", async () => {
    const config = await load(MINIMAL_YAML);
    expect(resolveTelemetrySettings(config.telemetry, {}).enabled).toBe(false);
  });

  it("turns on when an OTEL endpoint or exporter variable is set, with protobuf by default", async () => {
    const config = await load(MINIMAL_YAML);
    const settings = resolveTelemetrySettings(config.telemetry, {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
    });
    expect(settings.enabled).toBe(true);
    expect(settings.traces).toMatchObject({
      url: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
    });
    expect(settings.metrics.otlp?.url).toBe("http://collector:4318/v1/metrics");
    expect(settings.metrics.prometheus).toMatchObject({ port: 9464, path: "/metrics" });
    expect(
      resolveTelemetrySettings(config.telemetry, { OTEL_METRICS_EXPORTER: "prometheus" }),
    ).toMatchObject({ enabled: true, metrics: { otlp: null } });
  });

  it("lets the standard OTEL_* variables win over the YAML", async () => {
    const config = await withTelemetry(`
  enabled: true
  service_name: from-yaml
  resource_attributes: { deployment.environment.name: prod, team: ci }
  metrics: [otlp]
  otlp:
    endpoint: http://yaml:4318
    protocol: http/json
    headers: { x-otlp-api-key: yaml-key, x-other: kept }
    timeout: 3s
`);
    const settings = resolveTelemetrySettings(config.telemetry, {
      OTEL_SERVICE_NAME: "from-env",
      OTEL_RESOURCE_ATTRIBUTES: "team=platform,region=eu%20west",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom/path",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_HEADERS: "x-otlp-api-key=env-key",
      OTEL_EXPORTER_OTLP_TIMEOUT: "1500",
      OTEL_METRICS_EXPORTER: "otlp,prometheus",
      OTEL_EXPORTER_PROMETHEUS_PORT: "9999",
      OTEL_METRIC_EXPORT_INTERVAL: "5000",
    });
    expect(settings.serviceName).toBe("from-env");
    expect(settings.resourceAttributes).toEqual({
      "deployment.environment.name": "prod",
      team: "platform",
      region: "eu west",
    });
    expect(settings.traces).toEqual({
      url: "http://traces:9999/custom/path",
      protocol: "http/protobuf",
      headers: { "x-otlp-api-key": "env-key", "x-other": "kept" },
      timeoutMs: 1500,
    });
    expect(settings.metrics.otlp?.url).toBe("http://yaml:4318/v1/metrics");
    expect(settings.metrics.prometheus?.port).toBe(9999);
    expect(settings.metrics.exportIntervalMs).toBe(5000);
  });

  it("OTEL_SDK_DISABLED=true turns everything off; false means the default, not on", async () => {
    const config = await withTelemetry("  enabled: true\n");
    expect(resolveTelemetrySettings(config.telemetry, {}).enabled).toBe(true);
    expect(resolveTelemetrySettings(config.telemetry, { OTEL_SDK_DISABLED: "true" }).enabled).toBe(
      false,
    );
    const unset = await load(MINIMAL_YAML);
    expect(resolveTelemetrySettings(unset.telemetry, { OTEL_SDK_DISABLED: "false" }).enabled).toBe(
      false,
    );
    expect(
      resolveTelemetrySettings(unset.telemetry, {
        OTEL_SDK_DISABLED: "false",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      }).enabled,
    ).toBe(true);
  });

  it("speaks gRPC: the base endpoint as is, 4317 by default, and logs like the other signals", async () => {
    const config = await withTelemetry("  enabled: true\n");
    const grpc = resolveTelemetrySettings(config.telemetry, {
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: "x-otlp-api-key=k",
    });
    expect(grpc.traces).toMatchObject({ url: "http://localhost:4317", protocol: "grpc" });
    expect(grpc.logs).toMatchObject({ url: "http://localhost:4317", protocol: "grpc" });
    expect(grpc.metrics.otlp?.url).toBe("http://localhost:4317");
    expect(grpc.logs?.headers).toEqual({ "x-otlp-api-key": "k" });
    expect(grpc.warnings).toEqual([]);
    const http = resolveTelemetrySettings(config.telemetry, {});
    expect(http.logs?.url).toBe("http://localhost:4318/v1/logs");
    const yaml = await withTelemetry(
      "  enabled: true\n  logs: none\n  otlp: { protocol: grpc, endpoint: http://aspire:18889 }\n",
    );
    const fromYaml = resolveTelemetrySettings(yaml.telemetry, {});
    expect(fromYaml.logs).toBeNull();
    expect(fromYaml.traces?.url).toBe("http://aspire:18889");
    expect(
      resolveTelemetrySettings(yaml.telemetry, { OTEL_LOGS_EXPORTER: "otlp" }).logs,
    ).toMatchObject({ protocol: "grpc" });
  });

  it("reads OTEL_NODE_RESOURCE_DETECTORS as a list, or null when unset", async () => {
    const config = await withTelemetry("  enabled: true\n");
    expect(resolveTelemetrySettings(config.telemetry, {}).resourceDetectors).toBeNull();
    expect(
      resolveTelemetrySettings(config.telemetry, { OTEL_NODE_RESOURCE_DETECTORS: "env, GCP,aws" })
        .resourceDetectors,
    ).toEqual(["env", "gcp", "aws"]);
  });

  it("exporters can be switched off one by one; unsupported values become warnings", async () => {
    const config = await withTelemetry("  enabled: true\n");
    const settings = resolveTelemetrySettings(config.telemetry, {
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "prometheus,console",
      OTEL_LOGS_EXPORTER: "none",
    });
    expect(settings.traces).toBeNull();
    expect(settings.logs).toBeNull();
    expect(settings.metrics.otlp).toBeNull();
    expect(settings.metrics.prometheus).not.toBeNull();
    expect(settings.warnings.join("\n")).toContain("OTEL_METRICS_EXPORTER=console");
    const thrift = resolveTelemetrySettings(config.telemetry, {
      OTEL_EXPORTER_OTLP_PROTOCOL: "thrift",
    });
    expect(thrift.traces?.protocol).toBe("http/protobuf");
    expect(thrift.warnings.join("\n")).toContain("thrift is not supported");
  });

  it("validates the YAML section and names the field", async () => {
    const error = await withTelemetry("  otlp: { protocol: thrift }\n  metrics: [statsd]\n").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain("telemetry.otlp.protocol");
    expect(text).toContain("telemetry.metrics");
    const none = await withTelemetry("  metrics: none\n  prometheus: { on_main_port: true }\n");
    expect(none.telemetry.metrics).toEqual([]);
    expect(none.telemetry.prometheus.onMainPort).toBe(true);
  });

  it("takes OTLP headers from env: references and never prints them", async () => {
    const config = await load(
      `${MINIMAL_YAML}telemetry:\n  otlp: { headers: { authorization: env:OTLP_KEY } }\n`,
      { env: { GITHUB_TOKEN: "ghp_x", OTLP_KEY: "Bearer s3cr3t-otlp" } },
    );
    expect(config.telemetry.otlp.headers.authorization).toBe("Bearer s3cr3t-otlp");
    expect(JSON.stringify(redactConfig(config))).not.toContain("s3cr3t-otlp");
  });

  it("parses W3C-style key=value lists", () => {
    expect(parseKeyValues("a=1, b = x%3Dy ,bad,=v")).toEqual({ a: "1", b: "x=y" });
    expect(parseKeyValues(undefined)).toEqual({});
  });
});

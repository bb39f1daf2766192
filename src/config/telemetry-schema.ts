/** The `telemetry:` section: OpenTelemetry traces, metrics and logs (OTLP and Prometheus). */
import * as z from "zod";
import { duration, flag, section, text, wholeNumber } from "./fields.js";
import type { MetricsExporterName, TelemetryConfig } from "./types.js";

const PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;
const TRACE_EXPORTERS = ["otlp", "none"] as const;
const LOG_EXPORTERS = ["otlp", "none"] as const;
const METRIC_EXPORTERS = ["otlp", "prometheus"] as const;

const stringMap = (what: string) =>
  z.record(z.string(), text(what), {
    error: "must be a mapping of names to values — write e.g. { name: value }",
  });

const endpoint = text("a URL").refine(
  (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
  { error: "must be an http:// or https:// URL — e.g. http://localhost:4318 (4317 for grpc)" },
);

const metricExporters = z.preprocess(
  (value) => (value === "none" ? [] : typeof value === "string" ? value.split(",") : value),
  z.array(
    z.preprocess(
      (v) => (typeof v === "string" ? v.trim() : v),
      z.enum(METRIC_EXPORTERS, {
        error: `is not a metrics exporter — use ${METRIC_EXPORTERS.join(" and/or ")}, or none`,
      }),
    ),
    { error: "must be a list — write e.g. [otlp, prometheus], or none" },
  ),
);

const otlpSchema = section({
  // Unset: the protocol's default port (4318 for HTTP, 4317 for gRPC), see telemetry/settings.ts.
  endpoint: endpoint.optional(),
  protocol: z
    .enum(PROTOCOLS, { error: `is not supported — use one of: ${PROTOCOLS.join(", ")}` })
    .prefault("http/protobuf"),
  headers: stringMap("a header value").prefault({}),
  timeout: duration({ positive: true }).prefault("10s"),
});

const prometheusSchema = section({
  host: text("a host name or IP address").prefault("0.0.0.0"),
  port: wholeNumber({ min: 0, max: 65_535, what: "a TCP port" }).prefault(9464),
  path: text("a URL path")
    .pipe(z.string().regex(/^\/\S*$/, { error: "must start with / — e.g. /metrics" }))
    .prefault("/metrics"),
  on_main_port: flag().prefault(false),
});

export const telemetrySchema = section({
  enabled: flag().optional(),
  service_name: text("a service name").prefault("scaleset"),
  resource_attributes: stringMap("an attribute value").prefault({}),
  traces: z
    .enum(TRACE_EXPORTERS, { error: `is not a traces exporter — use otlp or none` })
    .prefault("otlp"),
  logs: z
    .enum(LOG_EXPORTERS, { error: `is not a logs exporter — use otlp or none` })
    .prefault("otlp"),
  metrics: metricExporters.prefault(["otlp", "prometheus"]),
  metric_export_interval: duration({ positive: true }).prefault("60s"),
  otlp: otlpSchema.prefault({}),
  prometheus: prometheusSchema.prefault({}),
}).transform(
  (t): TelemetryConfig => ({
    ...(t.enabled === undefined ? {} : { enabled: t.enabled }),
    serviceName: t.service_name,
    resourceAttributes: t.resource_attributes,
    traces: t.traces,
    logs: t.logs,
    metrics: [...new Set(t.metrics as MetricsExporterName[])],
    metricExportInterval: t.metric_export_interval,
    otlp: {
      ...(t.otlp.endpoint === undefined ? {} : { endpoint: t.otlp.endpoint }),
      protocol: t.otlp.protocol,
      headers: t.otlp.headers,
      timeout: t.otlp.timeout,
    },
    prometheus: {
      host: t.prometheus.host,
      port: t.prometheus.port,
      path: t.prometheus.path,
      onMainPort: t.prometheus.on_main_port,
    },
  }),
);

/**
 * What telemetry will actually do: the `telemetry:` config section with the standard OTEL_*
 * environment variables applied on top (they win). Pure, no OpenTelemetry import, so the CLI can
 * decide before loading the SDK whether to load it at all.
 */
import type { OtlpProtocol, TelemetryConfig } from "../config/types.js";

export interface OtlpTarget {
  /** Full URL of the signal's endpoint (…/v1/traces, …/v1/metrics, …/v1/logs; gRPC: the base). */
  url: string;
  protocol: OtlpProtocol;
  /** Secret: never logged. */
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface PrometheusTarget {
  host: string;
  port: number;
  path: string;
  /** Served on the main status port instead of its own. */
  onMainPort: boolean;
}

export interface TelemetrySettings {
  enabled: boolean;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  /** null: no trace export (and no tracer provider). */
  traces: OtlpTarget | null;
  /** null: no log export (log lines still carry trace ids on stdout). */
  logs: OtlpTarget | null;
  metrics: {
    otlp: OtlpTarget | null;
    prometheus: PrometheusTarget | null;
    exportIntervalMs: number;
  };
  /** OTEL_NODE_RESOURCE_DETECTORS as a list; null when unset (see resource.ts for the default). */
  resourceDetectors: string[] | null;
  /** Environment values that were ignored, for one warning line at start. */
  warnings: string[];
}

const PROTOCOLS: readonly OtlpProtocol[] = ["http/protobuf", "http/json", "grpc"];
/** The OTLP specification's default endpoints: gRPC on 4317, HTTP on 4318. */
const DEFAULT_ENDPOINT = { grpc: "http://localhost:4317", http: "http://localhost:4318" };

/** Variables whose presence turns telemetry on when the YAML leaves `enabled` unset. */
const ENABLING_VARIABLES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
  "OTEL_TRACES_EXPORTER",
  "OTEL_METRICS_EXPORTER",
  "OTEL_LOGS_EXPORTER",
];

export function resolveTelemetrySettings(
  config: TelemetryConfig,
  env: NodeJS.ProcessEnv = process.env,
): TelemetrySettings {
  const warnings: string[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  // The specification's boolean: only "true" disables; "false" (or anything else) is the default.
  const enabled =
    get("OTEL_SDK_DISABLED")?.toLowerCase() === "true"
      ? false
      : (config.enabled ?? ENABLING_VARIABLES.some((name) => get(name) !== undefined));

  const resourceAttributes = {
    ...config.resourceAttributes,
    ...parseKeyValues(get("OTEL_RESOURCE_ATTRIBUTES")),
  };
  const serviceName =
    get("OTEL_SERVICE_NAME") ?? resourceAttributes["service.name"] ?? config.serviceName;
  delete resourceAttributes["service.name"];

  const tracesExporter = exporterList(get("OTEL_TRACES_EXPORTER"), "OTEL_TRACES_EXPORTER", [
    "otlp",
  ]);
  const traceExport = tracesExporter ? tracesExporter.includes("otlp") : config.traces === "otlp";
  const logsExporter = exporterList(get("OTEL_LOGS_EXPORTER"), "OTEL_LOGS_EXPORTER", ["otlp"]);
  const logExport = logsExporter ? logsExporter.includes("otlp") : config.logs === "otlp";
  const metricExporters = exporterList(get("OTEL_METRICS_EXPORTER"), "OTEL_METRICS_EXPORTER", [
    "otlp",
    "prometheus",
  ]) ?? [...config.metrics];

  function exporterList(raw: string | undefined, name: string, known: string[]) {
    if (raw === undefined) return undefined;
    const list = raw.split(",").map((item) => item.trim().toLowerCase());
    for (const item of list) {
      if (item !== "none" && !known.includes(item))
        warnings.push(`${name}=${item} is not supported (use ${known.join(", ")} or none)`);
    }
    return list.includes("none") ? [] : list.filter((item) => known.includes(item));
  }

  function otlpTarget(signal: "TRACES" | "METRICS" | "LOGS", path: string): OtlpTarget {
    const protocolText =
      get(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? get("OTEL_EXPORTER_OTLP_PROTOCOL");
    let protocol = config.otlp.protocol;
    if (protocolText !== undefined) {
      if ((PROTOCOLS as readonly string[]).includes(protocolText))
        protocol = protocolText as OtlpProtocol;
      else
        warnings.push(
          `OTLP protocol ${protocolText} is not supported (use ${PROTOCOLS.join(", ")}); using ${protocol}`,
        );
    }
    const grpc = protocol === "grpc";
    const base =
      get("OTEL_EXPORTER_OTLP_ENDPOINT") ??
      config.otlp.endpoint ??
      DEFAULT_ENDPOINT[grpc ? "grpc" : "http"];
    // gRPC has no per-signal path: the service name says the signal.
    const url =
      get(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) ?? (grpc ? base : appendPath(base, path));
    const timeout = Number(
      get(`OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`) ?? get("OTEL_EXPORTER_OTLP_TIMEOUT"),
    );
    return {
      url,
      protocol,
      headers: {
        ...config.otlp.headers,
        ...parseKeyValues(get("OTEL_EXPORTER_OTLP_HEADERS")),
        ...parseKeyValues(get(`OTEL_EXPORTER_OTLP_${signal}_HEADERS`)),
      },
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : config.otlp.timeout,
    };
  }

  const promPort = Number(get("OTEL_EXPORTER_PROMETHEUS_PORT"));
  const interval = Number(get("OTEL_METRIC_EXPORT_INTERVAL"));
  return {
    enabled,
    serviceName,
    resourceAttributes,
    traces: traceExport ? otlpTarget("TRACES", "v1/traces") : null,
    logs: logExport ? otlpTarget("LOGS", "v1/logs") : null,
    metrics: {
      otlp: metricExporters.includes("otlp") ? otlpTarget("METRICS", "v1/metrics") : null,
      prometheus: metricExporters.includes("prometheus")
        ? {
            host: get("OTEL_EXPORTER_PROMETHEUS_HOST") ?? config.prometheus.host,
            port:
              Number.isInteger(promPort) && promPort >= 0 && promPort <= 65_535
                ? promPort
                : config.prometheus.port,
            path: config.prometheus.path,
            onMainPort: config.prometheus.onMainPort,
          }
        : null,
      exportIntervalMs:
        Number.isFinite(interval) && interval > 0 ? interval : config.metricExportInterval,
    },
    resourceDetectors:
      get("OTEL_NODE_RESOURCE_DETECTORS")
        ?.split(",")
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== "") ?? null,
    warnings,
  };
}

/** `a=1,b=x%20y` (W3C baggage-like, as OTEL_RESOURCE_ATTRIBUTES and OTEL_*_HEADERS use). */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = decode(pair.slice(0, at).trim());
    if (key) out[key] = decode(pair.slice(at + 1).trim());
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function appendPath(base: string, path: string): string {
  return `${base.endsWith("/") ? base : `${base}/`}${path}`;
}

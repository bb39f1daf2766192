/**
 * The OTLP exporters, one per signal and protocol: http/protobuf (the default), http/json and
 * grpc (Aspire's 4317 and most collectors). Each package is imported only for the protocol in
 * use. Headers go as HTTP headers, or as gRPC metadata.
 */
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { OtlpProtocol } from "../config/types.js";
import type { OtlpTarget } from "./settings.js";

function httpConfig(target: OtlpTarget) {
  return { url: target.url, headers: target.headers, timeoutMillis: target.timeoutMs };
}

async function grpcConfig(target: OtlpTarget) {
  const { Metadata } = await import("@grpc/grpc-js");
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(target.headers)) metadata.set(name, value);
  // An http:// URL means a plaintext channel (the exporter reads the scheme).
  return { url: target.url, metadata, timeoutMillis: target.timeoutMs };
}

/** The exporter class of each protocol, imported only when asked for. */
type Loaders<T> = Record<OtlpProtocol, () => Promise<new (config: never) => T>>;

async function build<T>(target: OtlpTarget, loaders: Loaders<T>): Promise<T> {
  const Exporter = await loaders[target.protocol]();
  const config = target.protocol === "grpc" ? await grpcConfig(target) : httpConfig(target);
  // Each class takes the config of its own protocol, which `config` is: `never` only erases
  // the union the table cannot express.
  return new Exporter(config as never);
}

export const traceExporter = (target: OtlpTarget) =>
  build<SpanExporter>(target, {
    grpc: async () => (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter,
    "http/json": async () =>
      (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter,
    "http/protobuf": async () =>
      (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter,
  });

export const metricExporter = (target: OtlpTarget) =>
  build<PushMetricExporter>(target, {
    grpc: async () =>
      (await import("@opentelemetry/exporter-metrics-otlp-grpc")).OTLPMetricExporter,
    "http/json": async () =>
      (await import("@opentelemetry/exporter-metrics-otlp-http")).OTLPMetricExporter,
    "http/protobuf": async () =>
      (await import("@opentelemetry/exporter-metrics-otlp-proto")).OTLPMetricExporter,
  });

export const logExporter = (target: OtlpTarget) =>
  build<LogRecordExporter>(target, {
    grpc: async () => (await import("@opentelemetry/exporter-logs-otlp-grpc")).OTLPLogExporter,
    "http/json": async () =>
      (await import("@opentelemetry/exporter-logs-otlp-http")).OTLPLogExporter,
    "http/protobuf": async () =>
      (await import("@opentelemetry/exporter-logs-otlp-proto")).OTLPLogExporter,
  });

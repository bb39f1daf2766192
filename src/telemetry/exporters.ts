/**
 * The OTLP exporters, one per signal and protocol: http/protobuf (the default), http/json and
 * grpc (Aspire's 4317 and most collectors). Each package is imported only for the protocol in
 * use. Headers go as HTTP headers, or as gRPC metadata.
 */
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
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

export async function traceExporter(target: OtlpTarget): Promise<SpanExporter> {
  switch (target.protocol) {
    case "grpc": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-grpc");
      return new OTLPTraceExporter(await grpcConfig(target));
    }
    case "http/json": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
      return new OTLPTraceExporter(httpConfig(target));
    }
    default: {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
      return new OTLPTraceExporter(httpConfig(target));
    }
  }
}

export async function metricExporter(target: OtlpTarget): Promise<PushMetricExporter> {
  switch (target.protocol) {
    case "grpc": {
      const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-grpc");
      return new OTLPMetricExporter(await grpcConfig(target));
    }
    case "http/json": {
      const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-http");
      return new OTLPMetricExporter(httpConfig(target));
    }
    default: {
      const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-proto");
      return new OTLPMetricExporter(httpConfig(target));
    }
  }
}

export async function logExporter(target: OtlpTarget): Promise<LogRecordExporter> {
  switch (target.protocol) {
    case "grpc": {
      const { OTLPLogExporter } = await import("@opentelemetry/exporter-logs-otlp-grpc");
      return new OTLPLogExporter(await grpcConfig(target));
    }
    case "http/json": {
      const { OTLPLogExporter } = await import("@opentelemetry/exporter-logs-otlp-http");
      return new OTLPLogExporter(httpConfig(target));
    }
    default: {
      const { OTLPLogExporter } = await import("@opentelemetry/exporter-logs-otlp-proto");
      return new OTLPLogExporter(httpConfig(target));
    }
  }
}

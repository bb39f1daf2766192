/**
 * Starts `@opentelemetry/sdk-node` with exactly the exporters the settings ask for (passing them
 * explicitly stops NodeSDK from adding its env defaults, e.g. an OTLP log exporter), and returns
 * the Telemetry the app wires in. Loaded by index.ts only when telemetry is enabled.
 */
import { context, DiagLogLevel, diag, metrics, propagation, trace } from "@opentelemetry/api";
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from "@opentelemetry/resources";
import {
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { Logger } from "pino";
import { diagToPino } from "./diag-logger.js";
import type { StartTelemetryOptions, Telemetry } from "./index.js";
import { traceLogFields } from "./log-fields.js";
import { PrometheusEndpoint } from "./prometheus-endpoint.js";
import { TelemetryRuntime } from "./runtime.js";
import type { OtlpTarget, TelemetrySettings } from "./settings.js";

const SCOPE = "scaleset";

/** The SDK providers behind the API's globals have forceFlush; the API types do not say so. */
interface Flushable {
  forceFlush?: () => Promise<void>;
}

export async function startSdkTelemetry(
  settings: TelemetrySettings,
  options: StartTelemetryOptions,
): Promise<Telemetry> {
  let logger: Logger | null = null;
  const spanProcessors: SpanProcessor[] = [];
  if (settings.traces) spanProcessors.push(batchProcessor(await traceExporter(settings.traces)));
  const readers: IMetricReader[] = [];
  if (settings.metrics.otlp) {
    const target = settings.metrics.otlp;
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: await metricExporter(target),
        exportIntervalMillis: settings.metrics.exportIntervalMs,
        exportTimeoutMillis: Math.min(target.timeoutMs, settings.metrics.exportIntervalMs),
      }),
    );
  }
  const prometheus = settings.metrics.prometheus ? new PrometheusEndpoint() : null;
  if (prometheus) readers.push(prometheus);

  // Detected up front and settled (host.id is read asynchronously), so no exporter ever sees a
  // half-resolved resource. Not the process detector: it records the command line.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [serviceInstanceIdDetector, hostDetector, osDetector] }))
    .merge(
      resourceFromAttributes({
        ...settings.resourceAttributes,
        "service.name": settings.serviceName,
        "service.version": options.serviceVersion,
      }),
    );
  await resource.waitForAsyncAttributes?.();
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    metricReaders: readers,
    // One storage per instrument shared by all readers: without a view, sdk-metrics keeps one
    // per reader and hashes the attributes of every measurement once per reader (OTLP +
    // Prometheus = twice). Default aggregation, so the output is the same.
    views: readers.length > 1 ? [{ meterName: SCOPE }] : [],
    logRecordProcessors: [],
    instrumentations: [],
    textMapPropagator: null,
  });
  if (!process.env.OTEL_LOG_LEVEL)
    diag.setLogger(
      diagToPino(() => logger),
      { logLevel: DiagLogLevel.WARN },
    );
  sdk.start();

  const runtime = new TelemetryRuntime(trace.getTracer(SCOPE), metrics.getMeter(SCOPE));
  const target = settings.metrics.prometheus;
  let prometheusUrl: string | null = null;
  const routes: Telemetry["routes"] = {};
  if (prometheus && target) {
    if (target.onMainPort) routes[target.path] = prometheus.handler;
    else {
      try {
        prometheusUrl = await prometheus.listen(target.host, target.port, target.path);
      } catch (error) {
        // Started exporters and registered providers must not outlive a failed start; there is
        // nothing worth waiting to flush yet.
        await shutdown(sdk, runtime, 500, () => logger);
        const code = (error as NodeJS.ErrnoException).code ?? "error";
        throw new Error(
          `telemetry: the Prometheus endpoint cannot listen on ${target.host}:${target.port} ` +
            `(${code}); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (0 = any), or stop what uses it`,
          { cause: error },
        );
      }
    }
  }

  let stopped: Promise<void> | null = null;
  return {
    enabled: true,
    routes,
    logMixin: traceLogFields,
    githubObserver: runtime.githubObserver,
    prometheusUrl,
    instrumentUnit: (identity) => runtime.instrumentUnit(identity),
    instrumentEngine: (engine, scaleSet) => runtime.instrumentEngine(engine, scaleSet),
    useLogger(next) {
      logger = next.child({ component: "telemetry" });
      logger.info(
        {
          service: settings.serviceName,
          traces: settings.traces ? describe(settings.traces) : "off",
          metrics: [
            settings.metrics.otlp ? `otlp ${describe(settings.metrics.otlp)}` : null,
            target ? `prometheus ${prometheusUrl ?? `${target.path} on the main port`}` : null,
          ].filter((x) => x !== null),
        },
        "telemetry started",
      );
      for (const warning of settings.warnings) logger.warn({}, `telemetry: ${warning}`);
    },
    async flush() {
      const tracerProvider = trace.getTracerProvider() as unknown as Flushable & {
        getDelegate?: () => unknown;
      };
      const providers = [
        (tracerProvider.getDelegate?.() ?? tracerProvider) as Flushable,
        metrics.getMeterProvider() as unknown as Flushable,
      ];
      await Promise.all(providers.map((p) => p.forceFlush?.().catch(() => undefined)));
    },
    shutdown(timeoutMs) {
      stopped ??= shutdown(sdk, runtime, timeoutMs, () => logger);
      return stopped;
    },
  };
}

async function shutdown(
  sdk: NodeSDK,
  runtime: TelemetryRuntime,
  timeoutMs: number,
  logger: () => Logger | null,
): Promise<void> {
  runtime.endOpenSpans();
  let timer: NodeJS.Timeout | undefined;
  const flushed = sdk.shutdown().then(
    () => "ok" as const,
    (error: unknown) => {
      logger()?.warn({ error: String(error) }, "telemetry flush failed");
      return "failed" as const;
    },
  );
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, timeoutMs));
    timer.unref();
  });
  const outcome = await Promise.race([flushed, deadline]);
  clearTimeout(timer);
  if (outcome === "timeout")
    logger()?.warn({ timeoutMs }, "telemetry flush did not finish in time; some data is lost");
  // Unregister so a later start in the same process (tests) gets fresh providers.
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  diag.disable();
}

/** The endpoint and protocol, never the headers (they usually hold an API key). */
function describe(target: OtlpTarget): string {
  return `${target.url} (${target.protocol})`;
}

function envNumber(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function batchProcessor(exporter: SpanExporter): SpanProcessor {
  // Larger than the defaults (2048 / 512 / 5 s): a burst of a thousand jobs makes ~12k spans.
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: envNumber("OTEL_BSP_MAX_QUEUE_SIZE") ?? 16_384,
    maxExportBatchSize: envNumber("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") ?? 1_024,
    scheduledDelayMillis: envNumber("OTEL_BSP_SCHEDULE_DELAY") ?? 2_000,
  });
}

async function traceExporter(target: OtlpTarget): Promise<SpanExporter> {
  const config = { url: target.url, headers: target.headers, timeoutMillis: target.timeoutMs };
  if (target.protocol === "http/json") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter(config);
  }
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
  return new OTLPTraceExporter(config);
}

async function metricExporter(target: OtlpTarget): Promise<PushMetricExporter> {
  const config = { url: target.url, headers: target.headers, timeoutMillis: target.timeoutMs };
  if (target.protocol === "http/json") {
    const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-http");
    return new OTLPMetricExporter(config);
  }
  const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-proto");
  return new OTLPMetricExporter(config);
}

/**
 * Starts `@opentelemetry/sdk-node` with exactly the exporters the settings ask for (passing them
 * explicitly stops NodeSDK from adding its env defaults), and returns the Telemetry the app wires
 * in. Loaded by index.ts only when telemetry is enabled. Two instrumentations from the
 * OpenTelemetry project: pino's (trace ids on every log line, and the lines as OTLP log
 * records) and the Node runtime's (event-loop delay, heap, GC).
 */
import { context, DiagLogLevel, diag, logs, metrics, propagation, trace } from "@opentelemetry/api";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { RuntimeNodeInstrumentation } from "@opentelemetry/instrumentation-runtime-node";
import { BatchLogRecordProcessor, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import { type IMetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { Logger } from "pino";
import { diagToPino } from "./diag-logger.js";
import { logExporter, metricExporter, traceExporter } from "./exporters.js";
import type { StartTelemetryOptions, Telemetry } from "./index.js";
import { PrometheusEndpoint } from "./prometheus-endpoint.js";
import { buildResource } from "./resource.js";
import { TelemetryRuntime } from "./runtime.js";
import type { OtlpTarget, TelemetrySettings } from "./settings.js";
import { TraceBinder } from "./trace-binder.js";

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
  // Runner traces join their job's trace on the way to the exporters (trace-binder.ts).
  const binder = new TraceBinder();
  const spanProcessors: SpanProcessor[] = [];
  if (settings.traces)
    spanProcessors.push(binder.spanProcessor(batchProcessor(await traceExporter(settings.traces))));
  const logRecordProcessors: LogRecordProcessor[] = [];
  if (settings.logs)
    logRecordProcessors.push(
      binder.logProcessor(
        new BatchLogRecordProcessor({ exporter: await logExporter(settings.logs) }),
      ),
    );
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

  const resource = await buildResource(settings, options.serviceVersion);
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    metricReaders: readers,
    // One storage per instrument shared by all readers: without a view, sdk-metrics keeps one
    // per reader and hashes the attributes of every measurement once per reader (OTLP +
    // Prometheus = twice). Default aggregation, so the output is the same.
    views: readers.length > 1 ? [{ meterName: SCOPE }] : [],
    logRecordProcessors,
    instrumentations: [
      // Log correlation always; the records go to the Logs SDK only when logs are exported.
      // It patches pino when the logger requires it (after this start: src/logging/logger.ts).
      new PinoInstrumentation({ disableLogSending: settings.logs === null }),
      ...(readers.length > 0 ? [new RuntimeNodeInstrumentation()] : []),
    ],
    textMapPropagator: null,
  });
  if (!process.env.OTEL_LOG_LEVEL)
    diag.setLogger(
      diagToPino(() => logger),
      { logLevel: DiagLogLevel.WARN },
    );
  sdk.start();

  const scopeVersion = options.serviceVersion;
  const runtime = new TelemetryRuntime(
    trace.getTracer(SCOPE, scopeVersion),
    metrics.getMeter(SCOPE, scopeVersion),
    binder,
  );
  const target = settings.metrics.prometheus;
  let prometheusUrl: string | null = null;
  const routes: Telemetry["routes"] = {};
  if (prometheus && target) {
    if (target.onMainPort) routes[target.path] = prometheus.handler;
    else {
      try {
        // The logger is given later (useLogger): refused scrapes are reported once it is.
        prometheusUrl = await prometheus.listen(target.host, target.port, target.path, undefined, {
          warn: (fields, message) => logger?.warn(fields, `prometheus port: ${message}`),
        });
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
          logs: settings.logs ? describe(settings.logs) : "off",
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
      // Held runner traces stay held: a flush must not split a trace that may still be bound.
      const providers = [
        (tracerProvider.getDelegate?.() ?? tracerProvider) as Flushable,
        metrics.getMeterProvider() as unknown as Flushable,
        logs.getLoggerProvider() as unknown as Flushable,
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
  logs.disable();
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

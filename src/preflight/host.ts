import { createServer } from "node:net";
import type { ScalesetConfig } from "../config/types.js";
import { type OtlpTarget, resolveTelemetrySettings } from "../telemetry/settings.js";
import { callSignal } from "./deadline.js";
import {
  type CheckGroup,
  type CheckResult,
  errorText,
  fail,
  ok,
  type PreflightContext,
  skip,
  warn,
} from "./types.js";

/**
 * This host: the telemetry endpoints answer, and the ports scaleset will listen on are free.
 * An OTLP endpoint is sent an empty export (a valid, empty protobuf or JSON request: it records
 * nothing), with the configured headers, so a refused API key shows up too.
 */

const ENDPOINT_FIX =
  "start the collector, or fix telemetry.otlp.endpoint / OTEL_EXPORTER_OTLP_ENDPOINT (or the per-signal _ENDPOINT variable)";

async function checkOtlp(name: string, target: OtlpTarget, ctx: PreflightContext) {
  const json = target.protocol === "http/json";
  let status: number;
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        ...target.headers,
        "content-type": json ? "application/json" : "application/x-protobuf",
      },
      body: json ? "{}" : new Uint8Array(0),
      signal: callSignal(ctx),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return fail(name, `${target.url}: ${errorText(cause ?? error)}`, ENDPOINT_FIX);
  }
  if (status >= 200 && status < 300) return ok(name, `${target.url} accepted an empty export`);
  if (status === 401 || status === 403) {
    return fail(
      name,
      `${target.url} refused the export (HTTP ${status})`,
      "the collector wants other credentials: check telemetry.otlp.headers / OTEL_EXPORTER_OTLP_HEADERS",
    );
  }
  if (status === 404 || status === 405) {
    return fail(
      name,
      `${target.url} has no OTLP receiver (HTTP ${status})`,
      "point telemetry.otlp.endpoint at the collector's OTLP/HTTP port (4318) without a path; scaleset appends /v1/traces and /v1/metrics",
    );
  }
  return warn(
    name,
    `${target.url} is reachable but answered HTTP ${status} to an empty export`,
    status === 415
      ? `the collector does not take ${target.protocol}: set telemetry.otlp.protocol to the other one`
      : undefined,
  );
}

/** Whether a running scaleset answers on that port (then the port is busy for a known reason). */
async function scalesetListening(host: string, port: number, ctx: PreflightContext) {
  try {
    const res = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${port}/status`, {
      signal: callSignal(ctx),
    });
    const body = (await res.json()) as unknown;
    return typeof body === "object" && body !== null && "scalesets" in body;
  } catch {
    return false;
  }
}

async function checkPort(
  name: string,
  host: string,
  port: number,
  field: string,
  ctx: PreflightContext,
): Promise<CheckResult> {
  if (port === 0) return ok(name, `${host}:0 (the system picks a free port)`);
  const code = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "ERROR"));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (code === undefined) return ok(name, `${host}:${port} is free`);
  if (code === "EADDRINUSE") {
    if (await scalesetListening(host, port, ctx)) {
      return warn(
        name,
        `${host}:${port} is in use by a running scaleset`,
        `expected if this config replaces it on this host; otherwise set ${field} to a free port`,
      );
    }
    return fail(
      name,
      `${host}:${port} is in use`,
      `stop what listens there or set ${field} to a free port`,
    );
  }
  if (code === "EACCES") {
    return fail(
      name,
      `not allowed to listen on ${host}:${port}`,
      `use a port above 1023 in ${field}`,
    );
  }
  return fail(name, `cannot listen on ${host}:${port} (${code})`, `check ${field} and server.host`);
}

export function hostChecks(config: ScalesetConfig, section: number): CheckGroup {
  return {
    section,
    label: "telemetry and ports",
    async run(ctx) {
      const settings = resolveTelemetrySettings(config.telemetry, ctx.env);
      const checks: Promise<CheckResult>[] = [
        checkPort(
          "status port",
          config.server.host,
          config.server.port,
          "server.port (or PORT)",
          ctx,
        ),
      ];
      if (!settings.enabled) {
        checks.push(
          Promise.resolve(skip("telemetry", "disabled (telemetry.enabled, OTEL_SDK_DISABLED)")),
        );
        return await Promise.all(checks);
      }
      if (settings.traces) checks.push(checkOtlp("traces endpoint", settings.traces, ctx));
      if (settings.metrics.otlp)
        checks.push(checkOtlp("metrics endpoint", settings.metrics.otlp, ctx));
      const prom = settings.metrics.prometheus;
      if (prom && !prom.onMainPort) {
        const field = "telemetry.prometheus.port (or OTEL_EXPORTER_PROMETHEUS_PORT)";
        checks.push(checkPort("prometheus port", prom.host, prom.port, field, ctx));
      }
      return await Promise.all(checks);
    },
  };
}

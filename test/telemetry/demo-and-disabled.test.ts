import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startCli } from "../cli/cli-process.js";
import { startOtlpReceiver } from "./otlp-receiver.js";

const DIST = new URL("../../dist/", import.meta.url).href;

/** Starts telemetry from a fresh process and lists every @opentelemetry module it resolved. */
function otelModulesLoaded(telemetryYaml: string, env: Record<string, string> = {}) {
  const script = `
import { registerHooks } from "node:module";
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
const { loadConfig } = await import("${DIST}config/index.js");
const { startTelemetry, resolveTelemetrySettings } = await import("${DIST}telemetry/index.js");
const config = await loadConfig({ env: { GITHUB_TOKEN: "x" }, yamlText: ${JSON.stringify(
    `github: { url: https://github.com/o, token: env:GITHUB_TOKEN }\nscalesets: [{ name: a, engine: { type: sim } }]\n${telemetryYaml}`,
  )} });
const telemetry = await startTelemetry(resolveTelemetrySettings(config.telemetry), { serviceVersion: "t" });
const enabled = telemetry.enabled;
await telemetry.shutdown(1000);
console.log(JSON.stringify({ enabled, otel: seen.filter((u) => u.includes("@opentelemetry")).length }));
`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as { enabled: boolean; otel: number };
}

describe("telemetry disabled", () => {
  it("loads no OpenTelemetry module at all", () => {
    expect(otelModulesLoaded("")).toEqual({ enabled: false, otel: 0 });
    expect(
      otelModulesLoaded("telemetry: { enabled: true }", {
        OTEL_SDK_DISABLED: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      }),
    ).toEqual({ enabled: false, otel: 0 });
    // Control: enabled, the SDK is loaded.
    const on = otelModulesLoaded("telemetry: { enabled: true, traces: none, metrics: none }");
    expect(on.enabled).toBe(true);
    expect(on.otel).toBeGreaterThan(10);
  });

  it("starts no exporter: nothing reaches a receiver and /metrics does not exist", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const run = startCli(
        ["demo", "--jobs", "1", "--duration", "100ms", "--port", "0", "--quiet", "--telemetry"],
        {
          OTEL_SDK_DISABLED: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        },
      );
      const url = String((await run.logLine("scaleset started", 20_000)).url);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).not.toContain("telemetry started");
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  }, 30_000);
});

describe("scaleset demo --telemetry", () => {
  it("exports OTLP/JSON when asked, and serves Prometheus on a port of its own", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const run = startCli(
        ["demo", "--jobs", "2", "--rate", "10", "--duration", "100ms-200ms", "--port", "0"],
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
          OTEL_EXPORTER_PROMETHEUS_PORT: "0",
          OTEL_SERVICE_NAME: "scaleset-demo-test",
        },
      );
      // No --telemetry flag: the OTEL_* variables alone turn it on.
      const started = await run.logLine("telemetry started", 20_000);
      const metricsUrl = String(started.metrics).match(/prometheus (\S+)/)?.[1] ?? "";
      const firstScrape = await (await fetch(metricsUrl.replace(/,.*$/, ""))).text();
      expect(firstScrape).toContain("# TYPE scaleset_listener_polling gauge");
      expect(await run.exited).toBe(0);
      const json = (path: string) =>
        receiver.requests
          .filter((r) => r.path === path)
          .map((r) => {
            expect(r.contentType).toContain("application/json");
            return r.body.toString("utf8");
          })
          .join("\n");
      const traces = json("/v1/traces");
      expect(traces).toContain('"name":"scaleset.job"');
      expect(traces).toContain("scaleset-demo-test");
      expect(json("/v1/metrics")).toContain('"name":"scaleset.jobs.completed"');
    } finally {
      await receiver.close();
    }
  }, 30_000);
});

/**
 * `scaleset demo --telemetry` exports metrics every 5 s (the SDK default, 60 s, sends a 35 s demo
 * to the Aspire dashboard in one batch), unless OTEL_METRIC_EXPORT_INTERVAL says otherwise.
 */
import { describe, expect, it } from "vitest";
import { demoYaml } from "../../src/cli/demo.js";
import { loadConfig } from "../../src/config/index.js";
import { resolveTelemetrySettings } from "../../src/telemetry/settings.js";
import { startOtlpReceiver } from "../telemetry/otlp-receiver.js";
import { startCli } from "./cli-process.js";

async function demoTelemetry(env: NodeJS.ProcessEnv) {
  const config = await loadConfig({
    yamlText: demoYaml({
      configUrl: "http://127.0.0.1:1/my-org",
      maxRunners: 5,
      port: 0,
      engineYaml: "{ type: sim }",
      telemetry: true,
      logFormat: "json",
    }),
    env: { GITHUB_TOKEN: "ghp_demo" },
  });
  return resolveTelemetrySettings(config.telemetry, env);
}

describe("scaleset demo --telemetry", () => {
  it("exports metrics every 5 s, unless OTEL_METRIC_EXPORT_INTERVAL is set", async () => {
    const settings = await demoTelemetry({});
    expect(settings.enabled).toBe(true);
    expect(settings.metrics.exportIntervalMs).toBe(5_000);
    const overridden = await demoTelemetry({ OTEL_METRIC_EXPORT_INTERVAL: "1500" });
    expect(overridden.metrics.exportIntervalMs).toBe(1_500);
  });

  it("sends metric batches while it runs, not only the last one at exit", async () => {
    const receiver = await startOtlpReceiver();
    try {
      // About 12 s of jobs: periodic exports at 5 s and 10 s, then the final flush.
      const run = startCli(
        ["demo", "--telemetry", "--jobs", "12", "--rate", "1", "--duration", "100ms-300ms"],
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
          OTEL_EXPORTER_PROMETHEUS_PORT: "0",
          PORT: "0",
        },
      );
      await run.logLine("telemetry started", 20_000);
      expect(await run.exited).toBe(0);
      const batches = receiver.requests.filter((r) => r.path === "/v1/metrics");
      expect(batches.length).toBeGreaterThanOrEqual(3);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});

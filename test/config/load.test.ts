import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { deploymentScope } from "../../src/engines/deployment-scope.js";
import { load, loadError, MINIMAL_YAML, PEM, TOKEN, writeTemp } from "./helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../config.example.yaml", import.meta.url));

describe("loadConfig", () => {
  it("fills every default for a minimal config", async () => {
    const config = await load(MINIMAL_YAML);
    expect(config).toEqual({
      github: {
        url: "https://github.com/my-org",
        credentials: { type: "pat", token: TOKEN },
        allowInsecureHttp: false,
      },
      scalesets: [
        {
          name: "linux-x64",
          labels: ["linux-x64"],
          runnerGroup: "default",
          minRunners: 0,
          maxRunners: 10,
          idleTimeout: 300_000,
          maxRunnerLifetime: 21_600_000,
          bootTimeout: 600_000,
          engine: { type: "sim", sim: { bootDelay: 2_000, createDelay: 100 } },
          schedules: [],
          spot: {
            rerunPreempted: false,
            rerunWait: 21_600_000,
            standardAfterRerun: 1_800_000,
            breaker: { preemptions: 3, window: 900_000, coolDown: 1_800_000 },
          },
          deployment: deploymentScope("https://github.com/my-org", "linux-x64"),
        },
      ],
      scaler: {
        createConcurrency: 50,
        deleteConcurrency: 50,
        reconcileInterval: 120_000,
        shutdownGrace: 25_000,
        sessionConflictWait: 30_000,
        pollTimeout: 65_000,
      },
      server: { port: 8080, host: "127.0.0.1", maxConnections: 256, idleTimeout: 10_000 },
      logging: { level: "info", format: "json" },
      telemetry: {
        serviceName: "scaleset",
        resourceAttributes: {},
        traces: "otlp",
        logs: "otlp",
        metrics: ["otlp", "prometheus"],
        metricExportInterval: 60_000,
        otlp: {
          protocol: "http/protobuf",
          headers: {},
          timeout: 10_000,
        },
        prometheus: { host: "0.0.0.0", port: 9464, path: "/metrics", onMainPort: false },
      },
    });
  });

  it("defaults the log format to pretty on a terminal and json otherwise", async () => {
    expect((await load(MINIMAL_YAML, { stdoutIsTTY: true })).logging.format).toBe("pretty");
    expect((await load(MINIMAL_YAML, { stdoutIsTTY: false })).logging.format).toBe("json");
    const explicit = await load(`${MINIMAL_YAML}logging: { format: json }\n`, {
      stdoutIsTTY: true,
    });
    expect(explicit.logging.format).toBe("json");
  });

  it("converts every snake_case field to camelCase", async () => {
    const config = await load(`
github: { url: https://ghes.example.com/org/repo, token: env:GITHUB_TOKEN }
scalesets:
  - { name: a.b_c-1, labels: [x, "2"], runner_group: gpu, min_runners: 1, max_runners: 1, engine: { type: sim } }
  - { name: 123, engine: { type: sim } }
scaler: { create_concurrency: 5, delete_concurrency: 7 }
server: { port: 0, host: 127.0.0.1 }
logging: { level: debug }
`);
    expect(config.github.url).toBe("https://ghes.example.com/org/repo");
    expect(config.scalesets[0]).toMatchObject({
      name: "a.b_c-1",
      labels: ["x", "2"],
      runnerGroup: "gpu",
      minRunners: 1,
      maxRunners: 1,
    });
    expect(config.scalesets[1]!.name).toBe("123");
    expect(config.scaler).toMatchObject({ createConcurrency: 5, deleteConcurrency: 7 });
    expect(config.server).toEqual({
      port: 0,
      host: "127.0.0.1",
      maxConnections: 256,
      idleTimeout: 10_000,
    });
    expect(config.logging.level).toBe("debug");
  });

  it("reads the YAML from path", async () => {
    const path = writeTemp("scaleset.yaml", MINIMAL_YAML);
    const config = await loadConfig({ path, env: { GITHUB_TOKEN: TOKEN } });
    expect(config.scalesets.map((s) => s.name)).toEqual(["linux-x64"]);
  });

  it("names a missing config file", async () => {
    const error = await loadError(undefined, { path: "/nonexistent/scaleset.yaml" });
    expect(error.message).toContain(
      "/nonexistent/scaleset.yaml: cannot read the config file (ENOENT) — check",
    );
  });

  it("accepts GitHub App credentials with a numeric app id", async () => {
    const keyPath = writeTemp("app.pem", PEM);
    const config = await loadConfig({
      yamlText: `
github:
  url: https://github.com/my-org/my-repo
  app: { client_id: 12345, installation_id: "678", private_key_path: ${keyPath} }
scalesets: [{ name: a, engine: { type: sim } }]
`,
      env: {},
    });
    expect(config.github.credentials).toEqual({
      type: "app",
      clientId: "12345",
      installationId: 678,
      privateKey: PEM,
    });
  });

  it("loads config.example.yaml with GITHUB_TOKEN set", async () => {
    const config = await loadConfig({ path: EXAMPLE, env: { GITHUB_TOKEN: TOKEN } });
    expect(config.github).toEqual({
      url: "https://github.com/my-org",
      credentials: { type: "pat", token: TOKEN },
      allowInsecureHttp: false,
    });
    expect(config.scalesets[0]).toMatchObject({
      name: "linux-x64",
      maxRunners: 20,
      idleTimeout: 300_000,
    });
    expect(config.logging).toEqual({ level: "info", format: "json" });
  });

  it("refuses config.example.yaml without GITHUB_TOKEN, naming the variable", async () => {
    const error = await loadError(undefined, { path: EXAMPLE, env: {} });
    expect(error.message).toContain(
      "github.token: environment variable GITHUB_TOKEN is not set — set GITHUB_TOKEN",
    );
  });
});

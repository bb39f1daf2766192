import pino from "pino";
import { describe, expect, it } from "vitest";
import { ScalesetApp } from "../../src/app/app.js";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { LogCapture } from "./harness.js";

describe("the sim engine against a real GitHub", () => {
  it("is refused as a default: a scale set without an engine is a config error there", async () => {
    const error = await loadConfig({
      yamlText: `
github: { url: "https://github.com/my-org", token: env:GITHUB_TOKEN }
scalesets: [{ name: ok, engine: { type: ec2, ec2: { region: us-east-1, image_id: ami-0123456789abcdef0, instance_types: [m7i.large], subnet_ids: [subnet-0123456789abcdef0] } } }, { name: forgot-engine }]
`,
      env: { GITHUB_TOKEN: "ghp_not_used" },
      stdoutIsTTY: false,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "scalesets[1].engine" });
    expect(problems[0]?.problem).toContain("forgot-engine");
    expect(problems[0]?.fix).toContain("engine.type to gcp or ec2");
    expect(String(error)).not.toContain("ghp_not_used");
  });

  it("stays the default against a local simulator", async () => {
    const config = await loadConfig({
      yamlText: `
github: { url: "http://127.0.0.1:9/my-org", token: env:GITHUB_TOKEN }
scalesets: [{ name: dry-run }]
`,
      env: { GITHUB_TOKEN: "ghp_not_used" },
      stdoutIsTTY: false,
    });
    expect(config.scalesets[0]?.engine.type).toBe("sim");
  });

  it("warns at start when chosen explicitly: only simulated machines, no job will run", async () => {
    const config = await loadConfig({
      yamlText: `
github: { url: "https://github.com/my-org", token: env:GITHUB_TOKEN }
scalesets: [{ name: forgot-engine, engine: { type: sim } }]
server: { port: 0, host: 127.0.0.1 }
`,
      env: { GITHUB_TOKEN: "ghp_not_used" },
      stdoutIsTTY: false,
    });
    expect(config.scalesets[0]?.engine.type).toBe("sim");
    const logs = new LogCapture();
    const app = new ScalesetApp({
      config,
      logger: pino({ level: "warn" }, logs),
      // No network here: the client's first call fails fast and the listener keeps retrying.
      retry: { maxRetries: 0, minDelayMs: 1, maxDelayMs: 1 },
      env: { HTTPS_PROXY: "http://127.0.0.1:9" },
    });
    await app.start();
    await app.stop(1000);
    const warning = logs.lines
      .map((l) => JSON.parse(l) as { msg: string; scaleSet?: string })
      .find((l) => l.msg.includes("uses the sim engine"));
    expect(warning?.scaleSet).toBe("forgot-engine");
    expect(logs.text()).not.toContain("ghp_not_used");
  });
});

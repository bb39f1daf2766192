import pino from "pino";
import { describe, expect, it } from "vitest";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import { LogCapture } from "./harness.js";

describe("the default sim engine", () => {
  it("warns at start when a scale set pointed at real GitHub would only get simulated machines", async () => {
    const config = await loadConfig({
      yamlText: `
github: { url: "https://github.com/my-org", token: env:GITHUB_TOKEN }
scalesets: [{ name: forgot-engine }]
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

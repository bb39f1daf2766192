import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { check, type Fakes, preflight, printed, startFakes } from "./fixture.js";

/**
 * validate's checks of this host (OTLP endpoints, the ports scaleset listens on) and its limits:
 * a hung API becomes a failed line after the per-call deadline, a hung group after the budget.
 */

let f: Fakes | undefined;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await f?.stop();
  f = undefined;
});

const SIM_ONLY = { only: ["sim" as const] };

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const telemetry = (endpoint: string, extra = "") =>
  `telemetry: { enabled: true, traces: otlp, metrics: [otlp], otlp: { endpoint: "${endpoint}"${extra} } }\n`;

describe("validate: this host", () => {
  it("a collector that accepts an empty export: ✓ traces and metrics endpoints", async () => {
    f = await startFakes();
    const bodies: string[] = [];
    const port = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        bodies.push(`${req.url} ${req.headers["content-type"]} ${body.length}`);
        res.writeHead(200).end();
      });
    });
    const report = await preflight(f, { ...SIM_ONLY, top: telemetry(`http://127.0.0.1:${port}`) });
    expect(check(report, "this host", "traces endpoint").detail).toBe(
      `http://127.0.0.1:${port}/v1/traces accepted an empty export`,
    );
    expect(check(report, "this host", "metrics endpoint").status).toBe("ok");
    expect(bodies.sort()).toEqual([
      "/v1/metrics application/x-protobuf 0",
      "/v1/traces application/x-protobuf 0",
    ]);
  });

  it("an OTLP endpoint nothing listens on: ✗ with the setting to fix", async () => {
    f = await startFakes();
    const port = await closedPort();
    const report = await preflight(f, { ...SIM_ONLY, top: telemetry(`http://127.0.0.1:${port}`) });
    expect(printed(report, "traces endpoint", "ECONNREFUSED")).toMatch(
      /✗ traces endpoint .*\/v1\/traces: connect ECONNREFUSED.*\n.*→ fix: start the collector, or fix telemetry.otlp.endpoint \/ OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it("a collector that refuses the API key: ✗, and the key is never printed", async () => {
    f = await startFakes();
    const port = await serve((_req, res) => res.writeHead(401).end());
    const report = await preflight(
      f,
      {
        ...SIM_ONLY,
        top: telemetry(`http://127.0.0.1:${port}`, ", headers: { x-api-key: env:OTLP_KEY }"),
      },
      { env: { OTLP_KEY: "otlp-secret-key-value" } },
    );
    expect(printed(report, "metrics endpoint", "refused")).toMatch(
      /✗ metrics endpoint .*refused the export \(HTTP 401\)\n.*→ fix: the collector wants other credentials: check telemetry.otlp.headers/,
    );
    expect(JSON.stringify(report)).not.toContain("otlp-secret-key-value");
  });

  it("a status port in use: ✗; in use by a running scaleset: !", async () => {
    f = await startFakes();
    const other = await serve((_req, res) => res.writeHead(404).end());
    const busy = await preflight(f, {
      ...SIM_ONLY,
      server: `{ port: ${other}, host: 127.0.0.1 }`,
    });
    expect(printed(busy, "status port", "in use")).toMatch(
      new RegExp(
        `✗ status port .*127.0.0.1:${other} is in use\\n.*→ fix: stop what listens there or set server.port \\(or PORT\\) to a free port`,
      ),
    );
    const scaleset = await serve((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"scalesets":[]}'),
    );
    const running = await preflight(f, {
      ...SIM_ONLY,
      server: `{ port: ${scaleset}, host: 127.0.0.1 }`,
    });
    expect(printed(running, "status port", "running scaleset")).toMatch(
      /! status port .*is in use by a running scaleset\n.*→ fix: expected if this config replaces it on this host/,
    );
  });
});

describe("validate: deadlines", () => {
  it("a Compute API that never answers: ✗ after the per-call deadline; the run still ends", async () => {
    f = await startFakes();
    f.gce.faults.hangRequests = 1_000;
    const started = Date.now();
    const report = await preflight(
      f,
      { only: ["gcp"] },
      { callTimeoutMs: 1_000, budgetMs: 60_000 },
    );
    const elapsed = Date.now() - started;
    const permissions = check(report, "gcp-linux", "permissions");
    expect(permissions.status).toBe("fail");
    expect(permissions.detail).toMatch(/did not answer within 1 s|timeout|aborted/i);
    expect(check(report, "gcp-linux", "image").status).toBe("fail");
    // The per-call deadline ended it, never the (60 s) budget of the run.
    expect(elapsed).toBeLessThan(60_000);
  });

  it("an EC2 API that never answers: ✗ TIMEOUT lines", async () => {
    f = await startFakes();
    f.ec2.faults.hangRequests = 1_000;
    const report = await preflight(f, { only: ["ec2"] }, { callTimeoutMs: 1_000, budgetMs: 8_000 });
    expect(check(report, "ec2-linux", "image").detail).toMatch(
      /TIMEOUT: EC2 did not answer within the call deadline/,
    );
    expect(check(report, "ec2-linux", "launch (dry run)").status).toBe("fail");
  });

  it("a call held past the run's budget: the group ends as one failed line, the run on time", async () => {
    f = await startFakes();
    f.github.faults.hold(["registrationToken"], 10);
    const started = Date.now();
    // The budget (1.5 s) runs out long before the call's own deadline (60 s).
    const report = await preflight(f, SIM_ONLY, { callTimeoutMs: 60_000, budgetMs: 1_500 });
    // The budget ended it, never the (60 s) call deadline.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(printed(report, "GitHub credentials", "budget")).toMatch(
      /✗ GitHub credentials .*not finished within the 2 s budget of validate\n.*→ fix: a cloud or GitHub API is answering slowly: run validate again, or raise --timeout/,
    );
  });
});

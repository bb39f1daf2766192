/**
 * The Prometheus endpoint on a port of its own (default 9464, every interface) has the status
 * port's connection limits: idle sockets held open there cannot take every descriptor.
 */
import { connect, type Socket } from "node:net";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusEndpoint } from "../../src/telemetry/prometheus-endpoint.js";

const sockets: Socket[] = [];
const providers: MeterProvider[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const provider of providers.splice(0)) await provider.shutdown();
});

async function start(maxConnections: number, idleTimeout: number) {
  const endpoint = new PrometheusEndpoint();
  const provider = new MeterProvider({ readers: [endpoint] });
  providers.push(provider);
  provider.getMeter("scaleset").createCounter("scaleset.test.things").add(3);
  const warnings: Array<Record<string, unknown>> = [];
  const url = await endpoint.listen(
    "127.0.0.1",
    0,
    "/metrics",
    { maxConnections, idleTimeout },
    {
      warn: (fields) => warnings.push(fields),
    },
  );
  return { url, port: Number(new URL(url).port), warnings };
}

/** An idle client connection; resolves once connected, with a promise of its close. */
function hold(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => undefined); // a reset also counts as closed
    socket.resume();
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Prometheus port limits", () => {
  it("refuses connections beyond the cap, warns once, and serves again once they go", async () => {
    const { url, port, warnings } = await start(5, 60_000);
    const held = await Promise.all(Array.from({ length: 12 }, () => hold(port)));
    let closed = 0;
    for (const h of held) void h.closed.then(() => closed++);
    await eventually(() => closed === 7);
    expect(warnings).toEqual([{ maxConnections: 5, dropped: 1 }]);
    for (const h of held) h.socket.destroy();
    let body = "";
    await eventually(async () => {
      const res = await fetch(url).catch(() => null);
      if (res?.status !== 200) return false;
      body = await res.text();
      return true;
    });
    expect(body).toContain("scaleset_test_things_total 3");
  });

  it("closes a connection that sends nothing after the idle timeout", async () => {
    const { port } = await start(256, 400);
    const started = Date.now();
    const held = await Promise.all(Array.from({ length: 3 }, () => hold(port)));
    await Promise.all(held.map((h) => h.closed));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });
});

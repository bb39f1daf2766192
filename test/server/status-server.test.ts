import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StatusServer, type StatusServerOptions } from "../../src/server/status-server.js";

const servers: StatusServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Partial<StatusServerOptions> = {}) {
  const server = new StatusServer({
    host: "127.0.0.1",
    port: 0,
    ready: () => ({ ready: true, reasons: [] }),
    status: () => ({ ok: true }),
    ...options,
  });
  servers.push(server);
  await server.listen();
  return server;
}

interface Held {
  socket: Socket;
  /** Resolves with the ms from connect until the server closed the connection. */
  closed: Promise<number>;
}

/** A client connection that sends nothing (or what `send` writes) and waits to be closed. */
function hold(port: number, send?: (socket: Socket) => void): Promise<Held> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => undefined); // a reset also counts as closed
    socket.resume(); // read whatever the server answers (a 408)
    const closed = new Promise<number>((done) =>
      socket.on("close", () => done(Date.now() - started)),
    );
    socket.once("connect", () => {
      send?.(socket);
      resolve({ socket, closed });
    });
    socket.once("error", reject);
  });
}

async function healthz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
}

/** Polls until `check` holds; fails the test after `timeoutMs`. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens `count` idle connections and expects exactly `refused` of them to be closed. */
async function expectRefused(port: number, count: number, refused: number): Promise<Held[]> {
  const held = await Promise.all(Array.from({ length: count }, () => hold(port)));
  let closed = 0;
  for (const h of held) void h.closed.then(() => closed++);
  await eventually(() => closed === refused);
  await new Promise((r) => setTimeout(r, 200)); // and no more than that
  expect(closed).toBe(refused);
  return held;
}

describe("status server limits", () => {
  it("closes connections beyond max_connections as soon as they are accepted, and warns once", async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const server = await start({
      maxConnections: 10,
      idleTimeout: 60_000,
      logger: { warn: (fields) => warnings.push(fields) },
    });
    // 20 are refused; the 10 accepted ones stay open (their idle timeout is a minute away).
    const held = await expectRefused(server.port, 30, 20);
    expect(warnings).toEqual([{ maxConnections: 10, dropped: 1 }]);
    // Once the idle holders go, the port answers again.
    for (const h of held) h.socket.destroy();
    await eventually(async () => (await healthz(server.port).catch(() => 0)) === 200);
  });

  it("closes a connection that sends nothing after idle_timeout", async () => {
    const server = await start({ idleTimeout: 400 });
    const held = await Promise.all(Array.from({ length: 5 }, () => hold(server.port)));
    const after = await Promise.all(held.map((h) => h.closed));
    for (const ms of after) {
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(5_000);
    }
  });

  it("closes a connection that trickles its headers (slowloris) after idle_timeout", async () => {
    const server = await start({ idleTimeout: 500 });
    let timer: NodeJS.Timeout | undefined;
    const held = await hold(server.port, (socket) => {
      socket.write("GET /status HTTP/1.1\r\nHost: x\r\n");
      // One header byte every 100 ms keeps the socket from ever being idle.
      timer = setInterval(() => socket.writable && socket.write("X"), 100);
    });
    const ms = await held.closed;
    clearInterval(timer);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(5_000);
  });

  it("closes a kept-alive connection that stays idle after its response", async () => {
    const server = await start({ idleTimeout: 400 });
    let answered = "";
    const held = await hold(server.port, (socket) => {
      socket.on("data", (chunk: Buffer) => {
        answered += chunk.toString();
      });
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    });
    const ms = await held.closed;
    expect(answered).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(5_000);
  });

  it("defaults to 256 connections", async () => {
    const server = await start();
    await expectRefused(server.port, 260, 4);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { NetworkError } from "../../src/github/errors.js";
import { createDispatcher, HttpClient, parseRetryAfter } from "../../src/github/http.js";
import { type Reply, rejection, startServer, TEST_RETRY, type TestServer } from "./helpers.js";

let server: TestServer | undefined;
let http: HttpClient | undefined;
afterEach(async () => {
  await http?.close();
  await server?.close();
  server = http = undefined;
});

async function scripted(replies: Reply[], fallback: Reply = { status: 200, body: "ok" }) {
  server = await startServer(() => replies.shift() ?? fallback);
  return server;
}

function client(options: ConstructorParameters<typeof HttpClient>[0] = {}) {
  http = new HttpClient({ retry: TEST_RETRY, env: {}, ...options });
  return http;
}

const get = (url: string, signal?: AbortSignal) =>
  http!.send({ method: "GET", url, headers: {}, signal });

describe("HttpClient retry layer", () => {
  it("retries 503 and 500 and returns the success with the retry count", async () => {
    const s = await scripted([{ status: 503 }, { status: 500 }]);
    client();
    const res = await get(`${s.url}/x`);
    expect(res.status).toBe(200);
    expect(res.retries).toBe(2);
    expect(s.requests).toHaveLength(3);
  });

  it("honours Retry-After on 429 (uncapped by maxDelayMs)", async () => {
    const s = await scripted([{ status: 429, headers: { "retry-after": "1" } }]);
    client();
    const started = Date.now();
    const res = await get(`${s.url}/x`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("retries 429 with Retry-After: 0 immediately", async () => {
    const s = await scripted([{ status: 429, headers: { "retry-after": "0" } }]);
    client({ retry: { maxRetries: 1, minDelayMs: 5_000, maxDelayMs: 5_000 } });
    const started = Date.now();
    expect((await get(`${s.url}/x`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([400, 401, 403, 404, 409, 501])("does not retry %i", async (status) => {
    const s = await scripted([{ status, body: { message: "no" } }]);
    client();
    const res = await get(`${s.url}/x`);
    expect(res.status).toBe(status);
    expect(res.retries).toBe(0);
    expect(s.requests).toHaveLength(1);
  });

  it("retries extra statuses when asked (runner-registration 401/403)", async () => {
    const s = await scripted([{ status: 401 }, { status: 403 }]);
    client();
    const res = await http!.send({
      method: "POST",
      url: `${s.url}/r`,
      headers: {},
      body: "{}",
      extraRetryStatuses: [401, 403],
    });
    expect(res.status).toBe(200);
    expect(s.requests.map((r) => r.body)).toEqual(["{}", "{}", "{}"]);
  });

  it("returns the last response after exhausting retries, keeping status and body", async () => {
    const s = await scripted([], { status: 502, body: "bad gateway" });
    client();
    const res = await get(`${s.url}/x`);
    expect(res).toMatchObject({ status: 502, body: "bad gateway", retries: 2 });
    expect(s.requests).toHaveLength(3);
  });

  it("backs off 1,2,4… capped at maxDelayMs", async () => {
    const s = await scripted([{ status: 500 }, { status: 500 }, { status: 500 }]);
    client({ retry: { maxRetries: 3, minDelayMs: 40, maxDelayMs: 60 } });
    const started = Date.now();
    await get(`${s.url}/x`);
    // 40 + 60 (capped from 80) + 60 (capped from 160)
    expect(Date.now() - started).toBeGreaterThanOrEqual(155);
  });

  it("retries network errors and reports NetworkError with the retry count", async () => {
    const s = await scripted([]);
    const deadUrl = s.url;
    await s.close();
    server = undefined;
    client();
    const err = await rejection(get(`${deadUrl}/x`));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).status).toBe(0);
    expect((err as NetworkError).retryCount).toBe(2);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("per-attempt timeout really aborts the request and is retried", async () => {
    const s = await scripted([
      { status: 200, hang: true },
      { status: 200, hang: true },
    ]);
    client({ requestTimeoutMs: 100, retry: { maxRetries: 1, minDelayMs: 1, maxDelayMs: 1 } });
    const started = Date.now();
    const err = await rejection(get(`${s.url}/x`));
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).retryCount).toBe(1);
    expect(s.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a caller abort stops the attempt in flight without retrying", async () => {
    const s = await scripted([{ status: 200, hang: true }]);
    client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutdown")), 50);
    const err = await rejection(get(`${s.url}/x`, controller.signal));
    expect(err.message).toBe("shutdown");
    expect(s.requests).toHaveLength(1);
  });

  it("a caller abort during backoff stops further retries", async () => {
    const s = await scripted([], { status: 503 });
    client({ retry: { maxRetries: 4, minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    const started = Date.now();
    const err = await rejection(get(`${s.url}/x`, controller.signal));
    expect(err.message).toBe("stop");
    expect(s.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("strips a UTF-8 BOM from every body and lower-cases headers", async () => {
    const s = await scripted([
      { status: 200, body: { a: 1 }, bom: true, headers: { "X-GitHub-Request-Id": "R1" } },
      { status: 404, body: { message: "x" }, bom: true },
    ]);
    client();
    const ok = await get(`${s.url}/x`);
    expect(ok.body).toBe('{"a":1}');
    expect(ok.headers["x-github-request-id"]).toBe("R1");
    expect((await get(`${s.url}/x`)).body).toBe('{"message":"x"}');
  });
});

describe("HttpClient deadlines per call class", () => {
  it("a hung call fails at its class deadline, whatever the per-attempt timeout", async () => {
    const s = await scripted([], { status: 200, hang: true });
    client({ deadlines: { api: 300 }, retry: { maxRetries: 4, minDelayMs: 1, maxDelayMs: 1 } });
    const started = Date.now();
    const err = await rejection(get(`${s.url}/x`));
    const tookMs = Date.now() - started;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/300 ms deadline/);
    expect(s.requests).toHaveLength(1); // no retry once the deadline is spent
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(3_000);
  });

  it("stops retrying when the next backoff would pass the deadline and returns the last answer", async () => {
    const s = await scripted([], { status: 503, body: "busy" });
    client({
      deadlines: { api: 500 },
      retry: { maxRetries: 4, minDelayMs: 200, maxDelayMs: 10_000 },
    });
    const res = await get(`${s.url}/x`);
    // attempt 0, wait 200 ms, attempt 1, next wait 400 ms would end past 500 ms: give up.
    expect(res).toMatchObject({ status: 503, body: "busy", retries: 1 });
    expect(s.requests).toHaveLength(2);
  });

  it("a Retry-After longer than the deadline is not waited for", async () => {
    const s = await scripted([], { status: 429, headers: { "retry-after": "120" } });
    client({ deadlines: { api: 1_000 } });
    const started = Date.now();
    expect((await get(`${s.url}/x`)).status).toBe(429);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("each class has its own deadline: the long poll is not cut by the API deadline", async () => {
    server = await startServer(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { status: 202 };
    });
    client({ deadlines: { api: 100, poll: 5_000 } });
    const url = `${server.url}/message`;
    const poll = await http!.send({ method: "GET", url, headers: {}, callClass: "poll" });
    expect(poll.status).toBe(202);
    const ack = await rejection(
      http!.send({ method: "DELETE", url, headers: {}, callClass: "api" }),
    );
    expect(ack.message).toMatch(/100 ms deadline/);
  });
});

describe("HttpClient.abortAll", () => {
  it("ends a call in flight at once and fails every later call without sending it", async () => {
    const s = await scripted([], { status: 200, hang: true });
    client();
    const started = Date.now();
    const pending = rejection(get(`${s.url}/x`));
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    http!.abortAll("shutdown grace ended");
    const err = await pending;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/shutdown grace ended/);
    expect(Date.now() - started).toBeLessThan(2_000);
    const later = await rejection(get(`${s.url}/y`));
    expect(later.message).toMatch(/shutdown grace ended/);
    expect(s.requests).toHaveLength(1);
  });

  it("interrupts a retry backoff", async () => {
    const s = await scripted([], { status: 503 });
    client({ retry: { maxRetries: 4, minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const started = Date.now();
    const pending = rejection(get(`${s.url}/x`));
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    http!.abortAll("stop");
    expect((await pending).message).toMatch(/stop/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(s.requests).toHaveLength(1);
  });
});

describe("parseRetryAfter", () => {
  it("parses seconds and HTTP dates; past dates are 0", () => {
    const now = Date.parse("2026-05-01T10:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Fri, 01 May 2026 10:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Fri, 01 May 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("createDispatcher", () => {
  it("uses a proxy-aware dispatcher only when proxy variables are set", () => {
    expect(createDispatcher({}).constructor.name).toBe("Agent");
    const proxied = createDispatcher({
      HTTPS_PROXY: "http://127.0.0.1:3128",
      NO_PROXY: "localhost",
    });
    expect(proxied.constructor.name).toBe("EnvHttpProxyAgent");
  });
});

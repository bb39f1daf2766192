import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACT_CENSOR } from "../../src/logging/logger.js";

const SECRET = "s3cr3t-value-that-must-not-leak";

/** A stream that collects everything written to it. */
function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  return { stream, text: () => chunks.join("") };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("createLogger (json)", () => {
  it("writes JSON lines with level names, message and fields", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.stream });
    log.info({ scaleSet: "linux-x64", runners: 3 }, "scaled up");
    log.debug("hidden at info level");
    const [line, ...rest] = jsonLines(out.text());
    expect(rest).toHaveLength(0);
    expect(line).toMatchObject({
      level: "info",
      msg: "scaled up",
      scaleSet: "linux-x64",
      runners: 3,
    });
    expect(typeof line!.time).toBe("string");
  });

  it("honours the level", () => {
    const out = capture();
    const log = createLogger({ level: "warn", format: "json", destination: out.stream });
    log.info("no");
    log.warn("yes");
    expect(jsonLines(out.text()).map((l) => l.msg)).toEqual(["yes"]);
  });

  // Each object puts the secret at one of the redacted paths.
  const secretShapes: Array<[string, Record<string, unknown>]> = [
    ["token", { token: SECRET }],
    ["*.token", { github: { token: SECRET } }],
    ["*.*.token", { config: { credentials: { token: SECRET } } }],
    ["privateKey", { privateKey: SECRET }],
    ["*.privateKey", { credentials: { privateKey: SECRET } }],
    ["jitConfig", { jitConfig: SECRET }],
    ["*.jitConfig", { request: { jitConfig: SECRET } }],
    ["encodedJITConfig", { encodedJITConfig: SECRET }],
    ["*.encodedJITConfig", { response: { encodedJITConfig: SECRET } }],
    ["authorization", { authorization: `Bearer ${SECRET}` }],
    ["*.authorization", { request: { authorization: `Bearer ${SECRET}` } }],
    ["headers.authorization", { headers: { authorization: `Bearer ${SECRET}` } }],
    ["headers.Authorization", { headers: { Authorization: `Bearer ${SECRET}` } }],
    ["*.headers.authorization", { req: { headers: { authorization: `Bearer ${SECRET}` } } }],
    ["messageQueueAccessToken", { messageQueueAccessToken: SECRET }],
    ["*.messageQueueAccessToken", { session: { messageQueueAccessToken: SECRET } }],
  ];

  it.each(secretShapes)("redacts %s", (_path, fields) => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.stream });
    log.info({ ...fields, keep: "visible" }, "event");
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text).toContain(REDACT_CENSOR);
    expect(jsonLines(text)[0]).toMatchObject({ keep: "visible", msg: "event" });
  });

  it("redacts in child logger bindings too", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.stream });
    log.child({ session: { messageQueueAccessToken: SECRET, id: "abc" } }).info("session created");
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(jsonLines(text)[0]).toMatchObject({
      session: { messageQueueAccessToken: REDACT_CENSOR, id: "abc" },
    });
  });
});

describe("createLogger (pretty)", () => {
  it("writes human-readable lines without colours to a non-terminal stream", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "pretty", destination: out.stream });
    log.info({ scaleSet: "linux-x64" }, "scaled up");
    const text = out.text();
    expect(text).toMatch(/INFO.*scaled up/);
    expect(text).toContain("scaleSet");
    expect(text).not.toContain("\u001b["); // no ANSI colour codes
    expect(() => JSON.parse(text)).toThrow();
  });

  it("redacts secrets in pretty output", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "pretty", destination: out.stream });
    log.info({ token: SECRET, response: { encodedJITConfig: SECRET } }, "runner created");
    const text = out.text();
    expect(text).toContain("runner created");
    expect(text).not.toContain(SECRET);
    expect(text).toContain(REDACT_CENSOR);
  });
});

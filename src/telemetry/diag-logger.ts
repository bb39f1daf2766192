/**
 * Routes OpenTelemetry's own diagnostics (exporter failures, dropped spans) to the process
 * logger at warn level, at most once a minute per message so a dead collector does not flood it.
 * The logger given is already the telemetry component's, so no `component` key is added here (a
 * second one would repeat the key in the JSON line).
 */
import type { DiagLogger } from "@opentelemetry/api";
import type { Logger } from "pino";

const REPEAT_MS = 60_000;

/** OpenTelemetry's global error handler passes an error as JSON text (`stringifyException`). */
function errorFromJson(message: string): Error | undefined {
  if (!message.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const fields = parsed as Record<string, unknown>;
  if (typeof fields.message !== "string" && typeof fields.stack !== "string") return undefined;
  const error = new Error(typeof fields.message === "string" ? fields.message : "");
  if (typeof fields.name === "string") error.name = fields.name;
  error.stack = typeof fields.stack === "string" ? fields.stack : undefined;
  if (typeof fields.code === "string") Object.assign(error, { code: fields.code });
  return error;
}

/** The line's text and its error (logged as `err`, with its stack, by pino's serializer). */
function describe(message: string, args: unknown[]): { text: string; err?: Error } {
  const fromJson = errorFromJson(message);
  if (fromJson) return { text: fromJson.message || fromJson.name, err: fromJson };
  return { text: message, err: args.find((a): a is Error => a instanceof Error) };
}

export function diagToPino(getLogger: () => Logger | null): DiagLogger {
  const lastSeen = new Map<string, number>();
  const log =
    (level: "warn" | "error") =>
    (message: string, ...args: unknown[]) => {
      const logger = getLogger();
      if (!logger) return;
      const { text, err } = describe(message, args);
      const now = Date.now();
      const key = text.slice(0, 120);
      if (now - (lastSeen.get(key) ?? 0) < REPEAT_MS) return;
      if (lastSeen.size > 500) lastSeen.clear();
      lastSeen.set(key, now);
      logger[level](err ? { err } : {}, `telemetry: ${text}`);
    };
  const ignore = () => undefined;
  return { error: log("error"), warn: log("warn"), info: ignore, debug: ignore, verbose: ignore };
}

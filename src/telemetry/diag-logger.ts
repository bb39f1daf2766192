/**
 * Routes OpenTelemetry's own diagnostics (exporter failures, dropped spans) to the process
 * logger at warn level, at most once a minute per message so a dead collector does not flood it.
 */
import type { DiagLogger } from "@opentelemetry/api";
import type { Logger } from "pino";

const REPEAT_MS = 60_000;

export function diagToPino(getLogger: () => Logger | null): DiagLogger {
  const lastSeen = new Map<string, number>();
  const log =
    (level: "warn" | "error") =>
    (message: string, ...args: unknown[]) => {
      const logger = getLogger();
      if (!logger) return;
      const now = Date.now();
      const key = message.slice(0, 120);
      if (now - (lastSeen.get(key) ?? 0) < REPEAT_MS) return;
      if (lastSeen.size > 500) lastSeen.clear();
      lastSeen.set(key, now);
      const detail = args.find((a) => a instanceof Error) as Error | undefined;
      logger[level](
        { component: "otel", error: detail ? `${detail.name}: ${detail.message}` : undefined },
        `telemetry: ${message}`,
      );
    };
  const ignore = () => undefined;
  return { error: log("error"), warn: log("warn"), info: ignore, debug: ignore, verbose: ignore };
}

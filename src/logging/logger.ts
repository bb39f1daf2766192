/**
 * The process logger: pino, JSON lines for machines or pino-pretty for people. pino-pretty runs
 * in-process as a plain stream (a worker-thread transport would slow start-up). Secret fields are
 * removed by path wherever scaleset code is likely to log them.
 *
 * With telemetry on, OpenTelemetry's pino instrumentation adds `trace_id`/`span_id` to every line
 * written inside a span and sends the lines (already redacted) as OTLP log records. It patches
 * pino's factory when pino is `require`d after telemetry started, which an ESM `import` binding
 * never is: so createLogger requires pino each time it is called (telemetry starts first, see
 * src/cli/bootstrap.ts). With telemetry off this is the same pino, from the module cache.
 */
import { createRequire } from "node:module";
import type { pino } from "pino";
import pretty from "pino-pretty";

const requirePino = (): typeof pino => createRequire(import.meta.url)("pino") as typeof pino;

export type Logger = pino.Logger;
export type LogFormat = "json" | "pretty";

export interface CreateLoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  format: LogFormat;
  /** Where lines go. Default: stdout. */
  destination?: NodeJS.WritableStream;
}

export const REDACT_CENSOR = "[redacted]";

/**
 * Secret field paths. `*.x` covers one level of nesting (`{ runner: { jitConfig } }`); a few
 * deeper shapes that scaleset logs (request headers, the resolved config) are listed explicitly.
 */
export const REDACT_PATHS: readonly string[] = [
  "token",
  "*.token",
  "*.*.token",
  "privateKey",
  "*.privateKey",
  "*.*.privateKey",
  "jitConfig",
  "*.jitConfig",
  "encodedJITConfig",
  "*.encodedJITConfig",
  "authorization",
  "*.authorization",
  "Authorization",
  "*.Authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "messageQueueAccessToken",
  "*.messageQueueAccessToken",
];

function prettyStream(destination: NodeJS.WritableStream | undefined): NodeJS.WritableStream {
  const options: pretty.PrettyOptions = {
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  };
  if (destination !== undefined) {
    options.destination = destination;
    // Colours only for a terminal; pino-pretty's own default looks at stdout instead.
    options.colorize = (destination as { isTTY?: boolean }).isTTY === true;
  }
  return pretty(options);
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const pino = requirePino();
  const options: pino.LoggerOptions = {
    level: opts.level,
    redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
    // Level names instead of numbers: log search in cloud consoles filters on them.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.format === "pretty") return pino(options, prettyStream(opts.destination));
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

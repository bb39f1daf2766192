import type { Logger } from "pino";
import type { ScalesetApp } from "../app/app.js";
import type { Telemetry } from "../telemetry/index.js";

export interface RunOptions {
  logger: Logger;
  graceMs: number;
  /** Exporters flush within what is left of the grace period, and always before returning. */
  telemetry: Telemetry;
  /** Stop when this settles, as if signalled (the demo's --jobs). */
  until?: Promise<unknown>;
}

/** After the grace, this long is left for the exit itself before the backstop forces it. */
const EXIT_BACKSTOP_MS = 1_000;

/**
 * Runs the app until SIGINT/SIGTERM (or `until` resolves), then stops it gracefully: polling
 * stops, sessions are deleted, in-flight cloud calls get the grace period, and whatever still
 * hangs when it is over is aborted. A second signal exits at once, and so does a shutdown that
 * overruns the grace by EXIT_BACKSTOP_MS. Telemetry flushes in what is left of the grace period
 * (a fifth of the grace, at most 2 s, is kept back for it).
 */
export async function runUntilStopped(app: ScalesetApp, options: RunOptions): Promise<number> {
  const { logger, graceMs, telemetry, until } = options;
  let signalled: (name: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count > 1) {
      logger.warn({ signal: name }, "second signal: exiting without waiting");
      process.exit(130);
    }
    signalled(name);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let backstop: NodeJS.Timeout | undefined;
  try {
    // A signal during start (an engine that hangs while loading) must not wait for it.
    const starting = app.start().then(() => null);
    starting.catch(() => undefined); // once stopping, a start failing late is no error of its own
    const early = await Promise.race([starting, stopRequested]);
    const reason =
      early ??
      (await Promise.race([
        stopRequested,
        until?.then(() => "done") ?? new Promise<string>(() => {}),
      ]));
    logger.info({ reason, graceMs }, "shutting down");
    const stopStarted = Date.now();
    backstop = setTimeout(() => {
      logger.error({ graceMs }, "shutdown overran its grace; exiting now");
      process.exit(1);
    }, graceMs + EXIT_BACKSTOP_MS);
    backstop.unref();
    const reserve = telemetry.enabled ? Math.min(2_000, Math.floor(graceMs / 5)) : 0;
    const clean = await app.stop(graceMs - reserve);
    if (!clean)
      logger.warn(
        "grace period ended with cloud calls still in flight; reconciliation will finish them",
      );
    await telemetry.shutdown(Math.max(0, graceMs - (Date.now() - stopStarted)));
    logger.info("stopped");
    return 0;
  } finally {
    clearTimeout(backstop);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await telemetry.shutdown(2_000); // a no-op once flushed; covers a failed start
  }
}

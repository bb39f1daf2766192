/**
 * Limits for an HTTP server that anyone on the network may reach (the status port, a scrape
 * port). Without them, clients holding idle connections take one file descriptor each until the
 * process hits its limit, and then scaleset's own calls to GitHub and the cloud fail with EMFILE.
 */
import type { Server, ServerOptions } from "node:http";

export interface ConnectionLimits {
  /** Concurrent connections; beyond it a new connection is closed as soon as it is accepted. */
  maxConnections: number;
  /**
   * Ms a connection may take to send its request headers, or sit idle (before its first request
   * or between keep-alive requests), before it is closed.
   */
  idleTimeout: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 256,
  idleTimeout: 10_000,
};

/** Keep-alive between requests needs no more than this: probes and scrapers reconnect cheaply. */
const MAX_KEEP_ALIVE_MS = 5_000;
/** How often connections are checked against the timeouts (node's default is every 30 s). */
const MAX_CHECK_INTERVAL_MS = 1_000;
/** A warning about refused connections at most this often. */
const DROP_WARNING_MS = 60_000;

/** Timeouts that must be given when the server is created. */
export function limitedServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    // Slow senders: all headers (and, for these GET-only servers, the whole request) in time.
    headersTimeout: limits.idleTimeout,
    requestTimeout: limits.idleTimeout,
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(limits.idleTimeout / 2)),
    ),
  };
}

export interface DropLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Applies the connection cap and the idle timeouts to `server` (created with
 * `limitedServerOptions`). Refused connections are reported to `logger`, once a minute at most.
 */
export function applyConnectionLimits(
  server: Server,
  limits: ConnectionLimits,
  logger?: DropLogger,
): void {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = Math.min(MAX_KEEP_ALIVE_MS, limits.idleTimeout);
  // Inactivity on an open socket (a client that connects and sends nothing): node destroys it.
  server.setTimeout(limits.idleTimeout);
  let dropped = 0;
  let warnedAt = Number.NEGATIVE_INFINITY;
  server.on("drop", () => {
    dropped++;
    const now = Date.now();
    if (!logger || now - warnedAt < DROP_WARNING_MS) return;
    warnedAt = now;
    logger.warn(
      { maxConnections: limits.maxConnections, dropped },
      "connection limit reached: new connections are closed until others end",
    );
  });
}

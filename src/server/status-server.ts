import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  applyConnectionLimits,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  type DropLogger,
  limitedServerOptions,
} from "./connection-limits.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface StatusServerOptions extends Partial<ConnectionLimits> {
  host: string;
  port: number;
  /** Told when connections are refused at `maxConnections`. */
  logger?: DropLogger;
  /** Liveness: the process is up and its event loop turns. */
  ready: () => { ready: boolean; reasons: string[] };
  status: () => unknown;
  /** Extra routes mounted on the same port (e.g. /metrics for Cloud Run, which exposes one port). */
  routes?: Record<string, RouteHandler>;
}

/** Serves /healthz, /readyz and /status (and any extra route) on the main port. */
export class StatusServer {
  readonly #server: Server;
  readonly #options: StatusServerOptions;

  constructor(options: StatusServerOptions) {
    this.#options = options;
    const limits: ConnectionLimits = {
      maxConnections: options.maxConnections ?? DEFAULT_CONNECTION_LIMITS.maxConnections,
      idleTimeout: options.idleTimeout ?? DEFAULT_CONNECTION_LIMITS.idleTimeout,
    };
    this.#server = createServer(limitedServerOptions(limits), (req, res) => {
      void this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    applyConnectionLimits(this.#server, limits, options.logger);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port, this.#options.host, () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD")
      return json(res, 405, { error: "method not allowed" });
    switch (path) {
      case "/healthz":
        return json(res, 200, { status: "ok" });
      case "/readyz": {
        const { ready, reasons } = this.#options.ready();
        return json(res, ready ? 200 : 503, { ready, reasons });
      }
      case "/status":
        return json(res, 200, this.#options.status());
    }
    const route = path ? this.#options.routes?.[path] : undefined;
    if (route) return await route(req, res);
    json(res, 404, { error: "not found" });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(text);
}

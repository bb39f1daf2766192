/**
 * The Prometheus scrape endpoint: a pull MetricReader serialised by exporter-prometheus's
 * PrometheusSerializer, with unit suffixes added first (see prometheus-names.ts). It serves on
 * its own port (default 9464) or only through `handler`, mounted on the main status server. Its
 * own port has the status port's connection limits (src/server/connection-limits.ts): it binds
 * every interface by default, so that a Prometheus in a container can reach it, and idle sockets
 * held open there must not use up the descriptors scaleset needs for GitHub and the cloud.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { MetricReader } from "@opentelemetry/sdk-metrics";
import {
  applyConnectionLimits,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  type DropLogger,
  limitedServerOptions,
} from "../server/connection-limits.js";
import { withPrometheusUnits } from "./prometheus-names.js";

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export class PrometheusEndpoint extends MetricReader {
  // No otel_scope_* labels: every series comes from the one "scaleset" scope.
  readonly #serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  #server: Server | null = null;

  /** Serves the current metrics (GET/HEAD; any path, the caller routes). */
  readonly handler = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const { resourceMetrics } = await this.collect();
      const body = this.#serializer.serialize(withPrometheusUnits(resourceMetrics));
      res.writeHead(200, { "content-type": CONTENT_TYPE, "cache-control": "no-store" });
      res.end(body);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`# metrics collection failed: ${error instanceof Error ? error.name : "error"}\n`);
    }
  };

  /**
   * Starts a server of its own; resolves with its URL (port 0 picks a free one). Connections
   * beyond `limits` are refused and reported to `logger`, once a minute at most.
   */
  async listen(
    host: string,
    port: number,
    path: string,
    limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
    logger?: DropLogger,
  ): Promise<string> {
    const server = createServer(limitedServerOptions(limits), (req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      if (url !== path) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found\n");
        return;
      }
      void this.handler(req, res);
    });
    applyConnectionLimits(server, limits, logger);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    server.unref(); // never keeps the process alive on its own
    this.#server = server;
    const address = server.address() as AddressInfo;
    const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${shown}:${address.port}${path}`;
  }

  protected override async onForceFlush(): Promise<void> {
    // Pull exporter: nothing buffered.
  }

  protected override async onShutdown(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

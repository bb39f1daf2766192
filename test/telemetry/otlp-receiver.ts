/** An OTLP/HTTP receiver on loopback: records every export request (protobuf or JSON). */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type DecodedLogRecord,
  type DecodedMetric,
  type DecodedSpan,
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
} from "./otlp-proto.js";

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What any OTLP receiver of these tests gives, whatever the transport. */
export interface OtlpSink {
  url: string;
  /** Every span received as protobuf. */
  spans(): DecodedSpan[];
  /** Every log record received as protobuf. */
  logs(): DecodedLogRecord[];
  close(): Promise<void>;
}

export interface OtlpReceiver extends OtlpSink {
  requests: ReceivedRequest[];
  /** The metrics of the last protobuf metrics export (cumulative, so the latest is complete). */
  lastMetrics(): DecodedMetric[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        path: req.url ?? "",
        contentType: String(req.headers["content-type"] ?? ""),
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const json = String(req.headers["content-type"]).includes("json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const protobuf = (path: string) =>
    requests.filter((r) => r.path === path && r.contentType.includes("protobuf"));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () => protobuf("/v1/traces").flatMap((r) => decodeTraceRequest(r.body)),
    lastMetrics: () => {
      const last = protobuf("/v1/metrics").at(-1);
      return last ? decodeMetricsRequest(last.body) : [];
    },
    logs: () => protobuf("/v1/logs").flatMap((r) => decodeLogsRequest(r.body)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

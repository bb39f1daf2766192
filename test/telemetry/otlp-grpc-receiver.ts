/**
 * An OTLP/gRPC receiver on loopback (plaintext): the three collector services' Export methods,
 * taking the request bytes as they come and decoding them with otlp-proto.ts.
 */
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  type DecodedMetric,
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
} from "./otlp-proto.js";
import type { OtlpSink } from "./otlp-receiver.js";

export interface GrpcRequest {
  service: "trace" | "metrics" | "logs";
  metadata: Metadata;
  body: Buffer;
}

export interface OtlpGrpcReceiver extends OtlpSink {
  requests: GrpcRequest[];
  /** Every metric of every export. */
  metrics(): DecodedMetric[];
}

const SERVICES = {
  trace: "opentelemetry.proto.collector.trace.v1.TraceService",
  metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
  logs: "opentelemetry.proto.collector.logs.v1.LogsService",
} as const;

const raw = (b: Buffer) => b;

export async function startOtlpGrpcReceiver(): Promise<OtlpGrpcReceiver> {
  const requests: GrpcRequest[] = [];
  const server = new Server();
  for (const [service, name] of Object.entries(SERVICES) as [GrpcRequest["service"], string][]) {
    const definition: ServiceDefinition = {
      Export: {
        path: `/${name}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    };
    const implementation: UntypedServiceImplementation = {
      Export: (
        call: { request: Buffer; metadata: Metadata },
        callback: (error: null, response: Buffer) => void,
      ) => {
        requests.push({ service, metadata: call.metadata, body: call.request });
        callback(null, Buffer.alloc(0)); // an empty Export…ServiceResponse: all accepted
      },
    };
    server.addService(definition, implementation);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const bodies = (service: GrpcRequest["service"]) =>
    requests.filter((r) => r.service === service).map((r) => r.body);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () => bodies("trace").flatMap((b) => decodeTraceRequest(b)),
    metrics: () => bodies("metrics").flatMap((b) => decodeMetricsRequest(b)),
    logs: () => bodies("logs").flatMap((b) => decodeLogsRequest(b)),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

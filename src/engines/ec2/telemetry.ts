import { type Attributes, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

/**
 * Client spans around EC2 calls. A no-op unless the process started an OpenTelemetry SDK.
 * Attributes name the call, region, zone and instance — never user data or request bodies.
 */
const tracer = trace.getTracer("scaleset");

export function ec2Attributes(region: string, operation: string): Attributes {
  return {
    "cloud.provider": "aws",
    "cloud.region": region,
    "rpc.system": "aws-api",
    "rpc.service": "EC2",
    "rpc.method": operation,
  };
}

export interface SpanResult {
  /** Set on failure: the EC2 error code, recorded as `error.type`. */
  errorCode?: string;
  attributes?: Attributes;
}

/** Runs `fn` inside a client span; `fn` reports the outcome so the span never sees raw errors. */
export async function inSpan<T extends SpanResult>(
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  return await tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await fn();
      if (result.attributes) span.setAttributes(result.attributes);
      if (result.errorCode !== undefined) {
        span.setAttribute("error.type", result.errorCode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorCode });
      }
      return result;
    } finally {
      span.end();
    }
  });
}

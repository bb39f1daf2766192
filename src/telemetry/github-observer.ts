/**
 * Spans and metrics for GitHub API calls, hooked into the client's HttpClient. One CLIENT span
 * per logical call (its retries are events and `http.request.resend_count`), child of whatever
 * span is active: a runner's provisioning, a message, a reconciliation. The long poll gets no
 * span (the message span covers a poll that returned something); it is measured as metrics.
 */
import { type Attributes, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { HttpObserver, HttpRequest, HttpRequestObservation } from "../github/http.js";
import { ATTR } from "./attributes.js";
import { classifyGitHubRequest, type GitHubOperation } from "./github-operations.js";
import type { Instruments } from "./instruments.js";

const TOKEN_KINDS: Record<string, string> = {
  runner_registration: "admin",
  refresh_session: "message_queue",
  installation_token: "installation",
};

/** More distinct span attribute sets than this (operations × hosts) and the cache starts over. */
const MAX_SPAN_ATTRIBUTE_SETS = 256;

export function createGitHubObserver(tracer: Tracer, m: Instruments): HttpObserver {
  // The SDK copies a span's start attributes, so one object per distinct set serves every span.
  const spanAttributes = new Map<string, Attributes>();
  const spanAttributesFor = (method: string, call: GitHubOperation): Attributes => {
    const key = `${method} ${call.template} ${call.host ?? ""} ${call.port ?? ""}`;
    let attributes = spanAttributes.get(key);
    if (!attributes) {
      attributes = { [ATTR.httpMethod]: method, [ATTR.urlTemplate]: call.template };
      if (call.host !== undefined) {
        attributes[ATTR.serverAddress] = call.host;
        attributes[ATTR.serverPort] = call.port;
      }
      if (spanAttributes.size >= MAX_SPAN_ATTRIBUTE_SETS) spanAttributes.clear();
      spanAttributes.set(key, attributes);
    }
    return attributes;
  };
  const byOperation = new Map<string, Attributes>();
  const attributesFor = (operation: string): Attributes => {
    let attributes = byOperation.get(operation);
    if (!attributes) {
      attributes = { [ATTR.githubOperation]: operation };
      byOperation.set(operation, attributes);
    }
    return attributes;
  };
  return {
    start(req: HttpRequest): HttpRequestObservation {
      const call = classifyGitHubRequest(req.method, req.url, req.operation);
      const operation = call.operation;
      const started = performance.now();
      const longPoll = operation === "get_message";
      const span = longPoll
        ? undefined
        : tracer.startSpan(`${req.method} ${call.template}`, {
            kind: SpanKind.CLIENT,
            attributes: spanAttributesFor(req.method, call),
          });
      const attributes = attributesFor(operation);
      return {
        retry(attempt, reason) {
          span?.addEvent("retry", {
            "scaleset.retry.attempt": attempt + 1,
            "scaleset.retry.reason": reason,
          });
        },
        end(outcome) {
          m.githubRequests.add(1, attributes);
          if (!longPoll) m.githubDuration.record((performance.now() - started) / 1000, attributes);
          if (outcome.retries > 0) {
            m.githubRetries.add(outcome.retries, attributes);
            span?.setAttribute(ATTR.httpResendCount, outcome.retries);
          }
          let errorType: string | undefined;
          if ("status" in outcome) {
            span?.setAttribute(ATTR.httpStatus, outcome.status);
            // A DELETE answered 404 is the idempotent "already gone".
            if (outcome.status >= 400 && !(req.method === "DELETE" && outcome.status === 404))
              errorType = String(outcome.status);
          } else if (!outcome.aborted) {
            errorType = errorClass(outcome.error);
          }
          if (errorType !== undefined) {
            m.githubErrors.add(1, { ...attributes, [ATTR.errorType]: errorType });
            span?.setAttribute(ATTR.errorType, errorType);
            span?.setStatus({ code: SpanStatusCode.ERROR });
          } else {
            const kind = TOKEN_KINDS[operation];
            if (kind && "status" in outcome) m.tokenRefreshes.add(1, { [ATTR.tokenKind]: kind });
          }
          span?.end();
        },
      };
    },
  };
}

/** A bounded error class: the error's code (ECONNREFUSED, UND_ERR_…) or its class name. */
export function errorClass(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    current = current.cause;
  }
  return error instanceof Error ? error.name : "Error";
}

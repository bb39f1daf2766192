/**
 * Decoding of a long-poll message (protocol reference §5): an outer object whose `body` is a
 * JSON string holding an array of job messages.
 */
import {
  decodeStatistics,
  field,
  isObject,
  type JsonObject,
  num,
  parseJsonText,
  str,
} from "./decode.js";
import { ProtocolError, redactSecrets } from "./errors.js";
import type { HttpResponse } from "./http.js";
import type {
  JobAssigned,
  JobAvailable,
  JobCompleted,
  JobMessageBase,
  JobMessageType,
  JobStarted,
  RunnerScaleSetStatistics,
  ScaleSetMessage,
} from "./types.js";
import { redactUrl } from "./url.js";

export const JOB_MESSAGES_TYPE = "RunnerScaleSetJobMessages";

/** A job-messages message with no job message in it yet. */
export function emptyJobMessages(
  messageId: number,
  statistics: RunnerScaleSetStatistics,
): ScaleSetMessage {
  return {
    messageId,
    messageType: JOB_MESSAGES_TYPE,
    statistics,
    jobAvailable: [],
    jobAssigned: [],
    jobStarted: [],
    jobCompleted: [],
  };
}

type ErrorContext = { method?: string; url?: string; status?: number };

/**
 * A message whose id is known but whose content cannot be decoded (a corrupt inner `body`, no
 * statistics, an unknown type). Redelivered until acked: the listener drops it after a few
 * attempts. `snippet` is a short, secret-masked excerpt for the log.
 */
export class MessageDecodeError extends ProtocolError {
  override name = "MessageDecodeError";
  constructor(
    message: string,
    readonly messageId: number,
    readonly messageType: string,
    readonly snippet: string,
    context?: ErrorContext,
  ) {
    super(message, context);
  }
}

const SNIPPET_CHARS = 120;

/** A log-safe excerpt: credentials masked, control characters replaced, cut short. */
export function messageSnippet(text: string): string {
  let flat = "";
  // Redact before cutting, so a token on the cut is still recognised as one.
  for (const char of redactSecrets(text.slice(0, 1_000))) {
    const code = char.charCodeAt(0);
    flat += code < 0x20 || code === 0x7f ? "?" : char;
  }
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}

/** Decodes a 200 GET-message response; errors carry the request as context. */
export function decodeMessageResponse(response: HttpResponse): ScaleSetMessage {
  const context = {
    method: response.method,
    url: redactUrl(response.url),
    status: response.status,
  };
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new ProtocolError("scale set message: response body is not valid JSON", context);
  }
  return parseScaleSetMessage(json, context);
}

/** `json` is the parsed outer message of a 200 GET-message response. */
export function parseScaleSetMessage(json: unknown, context?: ErrorContext): ScaleSetMessage {
  if (!isObject(json))
    throw new ProtocolError("scale set message: expected a JSON object", context);
  const outer = json;
  const messageId = num(outer, "messageId");
  if (messageId <= 0) throw new ProtocolError("scale set message: missing messageId", context);
  const messageType = str(outer, "messageType");
  try {
    return decodeContent(outer, messageId, messageType);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const body = field(outer, "body");
    const raw = typeof body === "string" ? body : JSON.stringify(body ?? null);
    throw new MessageDecodeError(
      `${error.message} (message ${messageId})`,
      messageId,
      messageType,
      messageSnippet(raw),
      context,
    );
  }
}

function decodeContent(outer: JsonObject, messageId: number, messageType: string) {
  if (messageType !== JOB_MESSAGES_TYPE) {
    throw new ProtocolError(`scale set message: unsupported messageType "${messageType}"`);
  }
  const statistics = decodeStatistics(field(outer, "statistics"), "scale set message");

  const message = emptyJobMessages(messageId, statistics);
  for (const item of jobItems(field(outer, "body"))) {
    if (!isObject(item)) continue;
    const type = str(item, "messageType");
    switch (type) {
      case "JobAvailable":
        message.jobAvailable.push({
          ...base(item, type),
          acquireJobUrl: str(item, "acquireJobUrl"),
        } satisfies JobAvailable);
        break;
      case "JobAssigned":
        message.jobAssigned.push(base(item, type) satisfies JobAssigned);
        break;
      case "JobStarted":
        message.jobStarted.push({
          ...base(item, type),
          runnerId: num(item, "runnerId"),
          runnerName: str(item, "runnerName"),
        } satisfies JobStarted);
        break;
      case "JobCompleted":
        message.jobCompleted.push({
          ...base(item, type),
          result: str(item, "result"),
          runnerId: num(item, "runnerId"),
          runnerName: str(item, "runnerName"),
        } satisfies JobCompleted);
        break;
      default:
        // Unknown inner types are ignored, as in the SDK (§5).
        break;
    }
  }
  return message;
}

/** `body` is normally a JSON string of an array; empty/absent → none. An array is tolerated. */
function jobItems(body: unknown): unknown[] {
  if (body === undefined || body === null) return [];
  if (Array.isArray(body)) return body;
  if (typeof body !== "string") throw new ProtocolError("scale set message: body is not a string");
  if (body.trim() === "") return [];
  const parsed = parseJsonText(body.replace(/^\uFEFF/, ""), "scale set message body");
  if (!Array.isArray(parsed)) {
    throw new ProtocolError("scale set message: body is not a JSON array");
  }
  return parsed;
}

function base<T extends JobMessageType>(item: JsonObject, messageType: T) {
  const labels = field(item, "requestLabels");
  const out: JobMessageBase & { messageType: T } = {
    messageType,
    runnerRequestId: num(item, "runnerRequestId"),
    jobId: str(item, "jobId"),
    repositoryName: str(item, "repositoryName"),
    ownerName: str(item, "ownerName"),
    jobWorkflowRef: str(item, "jobWorkflowRef"),
    jobDisplayName: str(item, "jobDisplayName"),
    workflowRunId: num(item, "workflowRunId"),
    eventName: str(item, "eventName"),
    requestLabels: Array.isArray(labels)
      ? labels.filter((l): l is string => typeof l === "string")
      : [],
  };
  for (const key of [
    "queueTime",
    "scaleSetAssignTime",
    "runnerAssignTime",
    "finishTime",
  ] as const) {
    const time = parseTime(field(item, key));
    if (time) out[key] = time;
  }
  return out;
}

/** RFC 3339 → Date; absent, unparsable and Go's zero time (year 1) → undefined. */
export function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() <= 1) return undefined;
  return date;
}

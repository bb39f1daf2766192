/**
 * Decoding of a long-poll message (protocol reference §5): an outer object whose `body` is a
 * JSON string holding an array of job messages.
 */
import {
  asObject,
  decodeStatistics,
  field,
  isObject,
  type JsonObject,
  num,
  parseJsonText,
  str,
} from "./decode.js";
import { ProtocolError } from "./errors.js";
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

/** `json` is the parsed outer message of a 200 GET-message response. */
export function parseScaleSetMessage(json: unknown): ScaleSetMessage {
  const outer = asObject(json, "scale set message");
  const messageId = num(outer, "messageId");
  if (messageId <= 0) throw new ProtocolError("scale set message: missing messageId");
  const messageType = str(outer, "messageType");
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

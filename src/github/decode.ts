/**
 * Tolerant decoding of Actions-service responses into the wire types. Keys are matched
 * case-insensitively (Go decodes that way, so the server's casing is unverified, §4) and
 * unknown keys are ignored. Throws ProtocolError (without context) on unusable shapes.
 */
import { ProtocolError } from "./errors.js";
import type { HttpResponse } from "./http.js";
import type {
  JitRunnerConfig,
  MessageSession,
  RunnerGroup,
  RunnerReference,
  RunnerScaleSet,
  RunnerScaleSetStatistics,
  ScaleSetLabel,
} from "./types.js";
import { redactUrl } from "./url.js";

export type JsonObject = Record<string, unknown>;

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`${what}: response body is not valid JSON`);
  }
}

/** Parses and decodes a response body; ProtocolErrors get the request as context. */
export function decodeResponse<T>(
  response: HttpResponse,
  what: string,
  decoder: (json: unknown) => T,
): T {
  try {
    return decoder(parseJsonText(response.body, what));
  } catch (err) {
    if (err instanceof ProtocolError && err.url === undefined) {
      throw new ProtocolError(err.message, {
        method: response.method,
        url: redactUrl(response.url),
        status: response.status,
      });
    }
    throw err;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new ProtocolError(`${what}: expected a JSON object`);
  return value;
}

/** Exact key first, then a case-insensitive match. */
export function field(obj: JsonObject, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) {
    if (key.toLowerCase() === lower) return obj[key];
  }
  return undefined;
}

export function str(obj: JsonObject, name: string): string {
  const v = field(obj, name);
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

export function num(obj: JsonObject, name: string): number {
  const v = field(obj, name);
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return 0;
}

export function optBool(obj: JsonObject, name: string): boolean | undefined {
  const v = field(obj, name);
  return typeof v === "boolean" ? v : undefined;
}

/** `{count, value:[…]}` list wrapper → its items. */
export function listValues(value: unknown, what: string): unknown[] {
  const obj = asObject(value, what);
  const items = field(obj, "value");
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new ProtocolError(`${what}: "value" is not an array`);
  return items;
}

const STATISTICS_KEYS = [
  "totalAvailableJobs",
  "totalAcquiredJobs",
  "totalAssignedJobs",
  "totalRunningJobs",
  "totalRegisteredRunners",
  "totalBusyRunners",
  "totalIdleRunners",
] as const;

export function decodeStatistics(value: unknown, what: string): RunnerScaleSetStatistics {
  if (!isObject(value)) throw new ProtocolError(`${what}: statistics missing`);
  const out = {} as RunnerScaleSetStatistics;
  for (const key of STATISTICS_KEYS) out[key] = num(value, key);
  return out;
}

export function decodeRunnerGroup(value: unknown): RunnerGroup {
  const obj = asObject(value, "runner group");
  return {
    id: num(obj, "id"),
    name: str(obj, "name"),
    isDefaultGroup: !!optBool(obj, "isDefaultGroup"),
  };
}

export function decodeScaleSet(value: unknown): RunnerScaleSet {
  const obj = asObject(value, "runner scale set");
  const id = num(obj, "id");
  if (id <= 0) throw new ProtocolError("runner scale set: missing id");
  const labelsRaw = field(obj, "labels");
  const labels: ScaleSetLabel[] = Array.isArray(labelsRaw)
    ? labelsRaw.filter(isObject).map((l) => ({ type: str(l, "type"), name: str(l, "name") }))
    : [];
  const settingRaw = field(obj, "runnerSetting");
  const runnerSetting: RunnerScaleSet["runnerSetting"] = {};
  if (isObject(settingRaw)) {
    for (const key of ["disableUpdate", "ephemeral", "isElastic"] as const) {
      const v = optBool(settingRaw, key);
      if (v !== undefined) runnerSetting[key] = v;
    }
  }
  const scaleSet: RunnerScaleSet = {
    id,
    name: str(obj, "name"),
    runnerGroupId: num(obj, "runnerGroupId"),
    runnerGroupName: str(obj, "runnerGroupName"),
    labels,
    runnerSetting,
  };
  const jitUrl = str(obj, "runnerJitConfigUrl");
  if (jitUrl) scaleSet.runnerJitConfigUrl = jitUrl;
  const stats = field(obj, "statistics");
  if (isObject(stats)) scaleSet.statistics = decodeStatistics(stats, "runner scale set");
  return scaleSet;
}

/** Validates every field the listener depends on (pitfall 10: empty messageQueueUrl). */
export function decodeSession(value: unknown): MessageSession {
  const obj = asObject(value, "message session");
  const sessionId = str(obj, "sessionId");
  const messageQueueUrl = str(obj, "messageQueueUrl");
  const messageQueueAccessToken = str(obj, "messageQueueAccessToken");
  if (!sessionId) throw new ProtocolError("message session: empty sessionId");
  if (!messageQueueUrl) throw new ProtocolError("message session: empty messageQueueUrl");
  if (!URL.canParse(messageQueueUrl)) {
    throw new ProtocolError("message session: messageQueueUrl is not an absolute URL");
  }
  if (!messageQueueAccessToken) {
    throw new ProtocolError("message session: empty messageQueueAccessToken");
  }
  const session: MessageSession = {
    sessionId,
    ownerName: str(obj, "ownerName"),
    messageQueueUrl,
    messageQueueAccessToken,
    statistics: decodeStatistics(field(obj, "statistics"), "message session"),
  };
  const set = field(obj, "runnerScaleSet");
  if (isObject(set)) session.runnerScaleSet = { id: num(set, "id"), name: str(set, "name") };
  return session;
}

export function decodeRunnerReference(value: unknown): RunnerReference {
  const obj = asObject(value, "runner");
  const runner: RunnerReference = {
    id: num(obj, "id"),
    name: str(obj, "name"),
    runnerScaleSetId: num(obj, "runnerScaleSetId"),
  };
  // Not in GitHub's SDK types: only a string counts, anything else is "not reported".
  const status = field(obj, "status");
  if (typeof status === "string" && status) runner.status = status;
  const busy = optBool(obj, "busy");
  if (busy !== undefined) runner.busy = busy;
  return runner;
}

export function decodeJitConfig(value: unknown): JitRunnerConfig {
  const obj = asObject(value, "JIT config");
  const encodedJITConfig = str(obj, "encodedJITConfig");
  if (!encodedJITConfig) throw new ProtocolError("JIT config: empty encodedJITConfig");
  const runner = decodeRunnerReference(field(obj, "runner"));
  if (runner.id <= 0) throw new ProtocolError("JIT config: missing runner id");
  return { runner, encodedJITConfig };
}

/** One item of GET acquirablejobs (§4.13); only the request id matters to the listener. */
export interface AcquirableJob {
  runnerRequestId: number;
  repositoryName: string;
  jobWorkflowRef: string;
}

/** Items without a positive runnerRequestId cannot be acquired and are skipped ([] for them). */
export function decodeAcquirableJob(value: unknown): AcquirableJob[] {
  if (!isObject(value)) return [];
  const runnerRequestId = num(value, "runnerRequestId");
  if (runnerRequestId <= 0) return [];
  return [
    {
      runnerRequestId,
      repositoryName: str(value, "repositoryName"),
      jobWorkflowRef: str(value, "jobWorkflowRef"),
    },
  ];
}

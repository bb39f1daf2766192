/**
 * Typed errors of the GitHub / Actions-service client (protocol reference §6.1, §6.2).
 * Error text never contains a credential: URLs are redacted and known secrets are masked.
 */
import type { HttpResponse } from "./http.js";
import { redactUrl } from "./url.js";

export interface ApiErrorDetails {
  /** HTTP status; 0 when no response was received (network error, timeout). */
  status: number;
  method: string;
  /** Request URL, already redacted (see redactUrl). */
  url: string;
  activityId?: string;
  githubRequestId?: string;
  /** .NET exception type name from the Actions service, e.g. `…AgentExistsException, …`. */
  typeName?: string;
  /** The server's message (or a short raw body excerpt); `Error.message` is the full summary. */
  serverMessage?: string;
  /** How many retries the retry layer performed before giving up. */
  retryCount: number;
}

/** Any failed call to GitHub, the Actions service or the message queue. */
export class GitHubApiError extends Error implements ApiErrorDetails {
  override name = "GitHubApiError";
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly activityId?: string;
  readonly githubRequestId?: string;
  readonly typeName?: string;
  readonly serverMessage?: string;
  readonly retryCount: number;

  constructor(details: ApiErrorDetails, options?: { cause?: unknown }) {
    super(formatApiError(details), options);
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.activityId = details.activityId;
    this.githubRequestId = details.githubRequestId;
    this.typeName = details.typeName;
    this.serverMessage = details.serverMessage;
    this.retryCount = details.retryCount;
  }
}

/** 401 on GET/DELETE message or POST acquirejobs: refresh the session and retry (§7.3). */
export class MessageQueueTokenExpiredError extends GitHubApiError {
  override name = "MessageQueueTokenExpiredError";
}
/** 409 RunnerScaleSetSessionConflictException: another session is active (§7.4). */
export class SessionConflictError extends GitHubApiError {
  override name = "SessionConflictError";
}
/** 404 RunnerScaleSetNotFoundException: the scale set was deleted server-side (pitfall 9). */
export class ScaleSetNotFoundError extends GitHubApiError {
  override name = "ScaleSetNotFoundError";
}
/** 409 AgentExistsException on generatejitconfig: the runner name is taken. */
export class RunnerExistsError extends GitHubApiError {
  override name = "RunnerExistsError";
}
/** 404 AgentNotFoundException: the runner is no longer registered. */
export class RunnerNotFoundError extends GitHubApiError {
  override name = "RunnerNotFoundError";
}
/** 400 JobStillRunningException on remove runner: the runner is busy. */
export class JobStillRunningError extends GitHubApiError {
  override name = "JobStillRunningError";
}
/** No response at all (connection refused/reset, DNS, TLS, per-attempt timeout). */
export class NetworkError extends GitHubApiError {
  override name = "NetworkError";
}

/** The server answered with a shape we cannot use (bad JSON, missing fields, …). */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;

  constructor(message: string, context?: { method?: string; url?: string; status?: number }) {
    const where = context?.method && context.url ? ` (${context.method} ${context.url})` : "";
    super(`${message}${where}`);
    this.method = context?.method;
    this.url = context?.url;
    this.status = context?.status;
  }
}

/** The configured runner group does not exist (count 0 on runnergroups lookup, §4.1). */
export class RunnerGroupNotFoundError extends Error {
  override name = "RunnerGroupNotFoundError";
  constructor(readonly groupName: string) {
    super(`no runner group found with name "${groupName}"`);
  }
}

export type ApiErrorClass = new (details: ApiErrorDetails) => GitHubApiError;

/** typeName substrings → error class (§6.2). Matched by substring, first hit wins. */
const TYPE_NAME_CLASSES: [string, ApiErrorClass][] = [
  ["RunnerScaleSetSessionConflictException", SessionConflictError],
  ["RunnerScaleSetNotFoundException", ScaleSetNotFoundError],
  ["AgentExistsException", RunnerExistsError],
  ["AgentNotFoundException", RunnerNotFoundError],
  ["JobStillRunningException", JobStillRunningError],
];

const MAX_BODY_EXCERPT = 500;

/** Extracts the error details of an unexpected response following the [SDK] rules (§6.1). */
export function apiErrorDetails(response: HttpResponse, secrets: string[] = []): ApiErrorDetails {
  const details: ApiErrorDetails = {
    status: response.status,
    method: response.method,
    url: redactUrl(response.url),
    activityId: response.headers.activityid,
    githubRequestId: response.headers["x-github-request-id"],
    retryCount: response.retries,
  };
  const body = response.body.trim();
  if (response.status >= 200 && response.status < 300) {
    // An unexpected success status: its body may well carry a credential, so leave it out.
    details.serverMessage = "unexpected success status";
  } else if (body === "") {
    details.serverMessage = "unknown error";
  } else if ((response.headers["content-type"] ?? "").includes("text/plain")) {
    details.serverMessage = excerpt(body, secrets);
  } else {
    const parsed = tryParseErrorBody(body);
    if (parsed) {
      details.typeName = parsed.typeName;
      details.serverMessage =
        parsed.message === undefined ? undefined : excerpt(parsed.message, secrets);
    } else {
      details.serverMessage = excerpt(redactJsonSecrets(body), secrets);
    }
  }
  return details;
}

/**
 * Builds the error for an unexpected response. `statusClass` (route-specific knowledge such as
 * "401 on a queue call = token expired") wins; otherwise the subclass is chosen from typeName.
 */
export function errorFromResponse(
  response: HttpResponse,
  options: { secrets?: string[]; statusClass?: ApiErrorClass } = {},
): GitHubApiError {
  const details = apiErrorDetails(response, options.secrets);
  const typeName = details.typeName ?? "";
  const mapped = TYPE_NAME_CLASSES.find(([needle]) => typeName.includes(needle));
  const ErrorClass = options.statusClass ?? mapped?.[1] ?? GitHubApiError;
  return new ErrorClass(details);
}

function tryParseErrorBody(body: string): { typeName?: string; message?: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const out: { typeName?: string; message?: string } = {};
  // Case-insensitive: the server's casing is unverified (§4).
  for (const [key, v] of Object.entries(value)) {
    const k = key.toLowerCase();
    if (k === "typename" && typeof v === "string") out.typeName = v;
    if (k === "message" && typeof v === "string") out.message = v;
  }
  return out.typeName === undefined && out.message === undefined ? undefined : out;
}

const SECRET_KEY = /token|secret|password|jitconfig|privatekey|key$/i;

/** For JSON bodies: masks values of credential-looking keys at any depth. */
function redactJsonSecrets(body: string): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body;
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== "object" || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, inner]) => [k, SECRET_KEY.test(k) ? "***" : walk(inner)]),
    );
  };
  return JSON.stringify(walk(value));
}

function excerpt(text: string, secrets: string[]): string {
  const cut = text.length > MAX_BODY_EXCERPT ? `${text.slice(0, MAX_BODY_EXCERPT)}…` : text;
  return redactSecrets(cut, secrets);
}

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const GITHUB_TOKEN_PATTERN = /\b(gh[opsur]_|github_pat_)[A-Za-z0-9_]{10,}/g;

/** Masks known secrets and anything that looks like a JWT or GitHub token. */
export function redactSecrets(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out.replace(JWT_PATTERN, "<jwt>").replace(GITHUB_TOKEN_PATTERN, "<token>");
}

function formatApiError(d: ApiErrorDetails): string {
  const parts = [
    d.status === 0 ? `${d.method} ${d.url} failed` : `${d.method} ${d.url} returned ${d.status}`,
  ];
  if (d.typeName) parts.push(`${shortTypeName(d.typeName)}:`);
  if (d.serverMessage) parts.push(d.serverMessage);
  const ids: string[] = [];
  if (d.activityId) ids.push(`ActivityId ${d.activityId}`);
  if (d.githubRequestId) ids.push(`X-GitHub-Request-Id ${d.githubRequestId}`);
  if (d.retryCount > 0) ids.push(`after ${d.retryCount} retries`);
  if (ids.length > 0) parts.push(`(${ids.join(", ")})`);
  return parts.join(" ");
}

/** `GitHub.Actions.Runtime.WebApi.AgentExistsException, GitHub…` → `AgentExistsException`. */
function shortTypeName(typeName: string): string {
  const first = typeName.split(",")[0]!.trim();
  return first.slice(first.lastIndexOf(".") + 1) || typeName;
}

/** Public API of the GitHub runner scale set protocol client. */
export type { AdminConnection, GitHubCredentials } from "./auth.js";
export { AdminTokenProvider } from "./auth.js";
export type { ActionsClientOptions, QueueRequest, UserAgentInfo } from "./client.js";
export { ActionsClient } from "./client.js";
export type { ConfigScope, GitHubConfigUrl } from "./config-url.js";
export { FORCE_GHES_ENV, InvalidConfigUrlError, parseConfigUrl } from "./config-url.js";
export type { ApiErrorClass, ApiErrorDetails } from "./errors.js";
export {
  GitHubApiError,
  JobStillRunningError,
  MessageQueueTokenExpiredError,
  NetworkError,
  ProtocolError,
  RunnerExistsError,
  RunnerGroupNotFoundError,
  RunnerNotFoundError,
  ScaleSetNotFoundError,
  SessionConflictError,
} from "./errors.js";
export type {
  HttpObserver,
  HttpRequest,
  HttpRequestObservation,
  HttpResponse,
  RetryOptions,
} from "./http.js";
export { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY } from "./http.js";
export { createAppJwt, decodeJwtExpiry, JwtError } from "./jwt.js";
export type { GitHubLogger } from "./logger.js";
export type { MessageQueueClientOptions } from "./message-queue.js";
export { MessageQueueClient } from "./message-queue.js";
export { JOB_MESSAGES_TYPE, parseScaleSetMessage } from "./messages.js";
export type * from "./types.js";

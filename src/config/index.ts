/** Public API of the config module. */
export { parseDuration } from "./duration.js";
export { ConfigError, type ConfigProblem } from "./errors.js";
export {
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  loadConfigWithNotices,
} from "./load.js";
export type { ConfigNotice } from "./notices.js";
export { applyOverrides, CONFIG_SECTIONS, pickConfigOverrides } from "./overrides.js";
export { REDACTED, redactConfig } from "./redact.js";
export type {
  EngineConfig,
  GitHubConfig,
  GitHubCredentials,
  LogFormat,
  LoggingConfig,
  LogLevel,
  MetricsExporterName,
  OtlpProtocol,
  ScalerConfig,
  ScaleSetConfig,
  ScalesetConfig,
  ServerConfig,
  SimEngineConfig,
  TelemetryConfig,
} from "./types.js";

/**
 * The validated, camelCase configuration the rest of scaleset consumes. Durations are
 * milliseconds; secrets are already resolved from `env:`/`file:` references and env vars.
 */
import type { CostConfig } from "../cost/prices.js";
import type { ScheduleWindow } from "../scaler/schedule.js";
import type { EngineConfig } from "./engines/index.js";
import type { SpotConfig } from "./spot-schema.js";

export type { CostConfig } from "../cost/prices.js";
export type {
  Ec2EngineConfig,
  EngineConfig,
  GcpEngineConfig,
  SimEngineConfig,
} from "./engines/index.js";
export type { SpotConfig } from "./spot-schema.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type LogFormat = "json" | "pretty";

export type GitHubCredentials =
  | { type: "pat"; token: string }
  | {
      type: "app";
      /** The App's client ID (`Iv1.…`) or its numeric app ID, as text. */
      clientId: string;
      installationId: number;
      /** PEM text (PKCS#1 or PKCS#8), read from `private_key` or `private_key_path`. */
      privateKey: string;
    };

export interface GitHubConfig {
  /** Org, repo or enterprise URL on github.com, GHE.com or GHES (whitespace-trimmed). */
  url: string;
  credentials: GitHubCredentials;
  /**
   * `url` may use plain http to a non-loopback GHES (github.com and GHE.com never may; loopback
   * simulators always may). Warned about at start.
   */
  allowInsecureHttp: boolean;
}

export interface ScaleSetConfig {
  /** Scale set name, also its `runs-on` label. */
  name: string;
  labels: string[];
  runnerGroup: string;
  minRunners: number;
  maxRunners: number;
  /** Ms an idle runner above `minRunners` may live before it is removed. */
  idleTimeout: number;
  /** Ms after which reconciliation deletes a machine regardless of state. */
  maxRunnerLifetime: number;
  /** Ms a runner may take to come online before it is replaced. */
  bootTimeout: number;
  engine: EngineConfig;
  /** Windows of the week with a higher `min_runners` (warm pools); empty for none. */
  schedules: ScheduleWindow[];
  /** List prices for the cost per job; absent: costs are unknown. */
  cost?: CostConfig;
  /** Spot preemptions: the circuit breaker and re-runs. */
  spot: SpotConfig;
  /**
   * Deployment scope of this scale set's machines (label/tag `scaleset-deployment`): the
   * `deployment` field, or derived from `github.url` and the name.
   */
  deployment: string;
}

export interface ScalerConfig {
  createConcurrency: number;
  deleteConcurrency: number;
  /** Ms between reconciliation passes. */
  reconcileInterval: number;
  /** Ms allowed for a graceful shutdown. */
  shutdownGrace: number;
  /**
   * Ms to wait before retrying while another process holds the scale set's session (the actual
   * wait is drawn between this and 1.5 times this).
   */
  sessionConflictWait: number;
  /** Ms a long poll may stay unanswered before it is abandoned and sent again. */
  pollTimeout: number;
}

export interface ServerConfig {
  port: number;
  host: string;
  /** Concurrent connections to the status port; more are closed on accept. */
  maxConnections: number;
  /** Ms a connection may sit without sending a request (or between requests) before it is closed. */
  idleTimeout: number;
}

export interface LoggingConfig {
  level: LogLevel;
  format: LogFormat;
}

export type OtlpProtocol = "http/protobuf" | "http/json" | "grpc";
export type MetricsExporterName = "otlp" | "prometheus";

/**
 * The `telemetry:` section as written in the YAML. The standard OTEL_* environment variables
 * override it when telemetry starts (see src/telemetry/settings.ts).
 */
export interface TelemetryConfig {
  /** Unset: on when an OTEL_* exporter or endpoint variable is set. */
  enabled?: boolean;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  traces: "otlp" | "none";
  /** Log records over OTLP (pino's lines, through the pino instrumentation). */
  logs: "otlp" | "none";
  metrics: MetricsExporterName[];
  /** Ms between OTLP metric exports. */
  metricExportInterval: number;
  otlp: {
    /** Base URL; `/v1/traces`, `/v1/metrics`, `/v1/logs` are appended (not for gRPC). Unset: the protocol's default. */
    endpoint?: string;
    protocol: OtlpProtocol;
    /** Sent with every export, e.g. an API key. Secret: never logged. */
    headers: Record<string, string>;
    /** Ms per export request. */
    timeout: number;
  };
  prometheus: {
    host: string;
    port: number;
    path: string;
    /** Serve the scrape endpoint on `server.port` instead of its own port (Cloud Run). */
    onMainPort: boolean;
  };
}

export interface ScalesetConfig {
  github: GitHubConfig;
  scalesets: ScaleSetConfig[];
  scaler: ScalerConfig;
  server: ServerConfig;
  logging: LoggingConfig;
  telemetry: TelemetryConfig;
}

/** Options of the GitHub fake and their defaults. */

/** Subset of a pino logger the fake uses; a pino `Logger` satisfies it. */
export interface SimLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface GitHubSimAppOptions {
  /** Expected `iss` of the App JWT (client ID or numeric app ID as a string). */
  clientId: string;
  installationId: number;
  /** Public key of the App's RSA key pair; App JWT signatures are verified with it. */
  publicKeyPem: string;
}

/**
 * `available`: GHES style — JobAvailable with runnerRequestId > 0, must be acquired via acquirejobs
 * before the job is assigned. `assigned`: github.com style — JobAssigned with runnerRequestId 0.
 */
export type JobMode = "assigned" | "available";

export interface GitHubSimOptions {
  port?: number;
  /** Accepted personal access token (default "ghp_simtoken"). */
  pat?: string;
  app?: GitHubSimAppOptions;
  jobMode?: JobMode;
  /** How long GET message holds the request before answering 202 (default 50 s). */
  longPollMs?: number;
  adminTokenTtlSeconds?: number;
  queueTokenTtlSeconds?: number;
  defaultJobDurationMs?: number;
  /** Prefix every response body with a UTF-8 BOM, like the Actions service sometimes does. */
  bom?: boolean;
  /** Extra delay before every API response. */
  latencyMs?: number;
  /**
   * A session whose owner has not polled for this long (and holds no poll) is considered dead and
   * may be replaced by a new session create (default 5 min).
   */
  sessionIdleTimeoutMs?: number;
  /** Extra runner groups besides "Default" (id 1); they get ids 2, 3, … */
  runnerGroups?: string[];
  /** Owner (org) and repository named in job messages. */
  ownerName?: string;
  repositoryName?: string;
  logger?: SimLogger;
}

export interface ResolvedSimOptions {
  port: number;
  pat: string;
  app: GitHubSimAppOptions | undefined;
  jobMode: JobMode;
  longPollMs: number;
  adminTokenTtlSeconds: number;
  queueTokenTtlSeconds: number;
  defaultJobDurationMs: number;
  bom: boolean;
  latencyMs: number;
  sessionIdleTimeoutMs: number;
  runnerGroups: string[];
  ownerName: string;
  repositoryName: string;
  logger: SimLogger | undefined;
}

export function resolveSimOptions(options: GitHubSimOptions = {}): ResolvedSimOptions {
  return {
    port: options.port ?? 0,
    pat: options.pat ?? "ghp_simtoken",
    app: options.app,
    jobMode: options.jobMode ?? "available",
    longPollMs: options.longPollMs ?? 50_000,
    adminTokenTtlSeconds: options.adminTokenTtlSeconds ?? 3600,
    queueTokenTtlSeconds: options.queueTokenTtlSeconds ?? 3600,
    defaultJobDurationMs: options.defaultJobDurationMs ?? 1000,
    bom: options.bom ?? false,
    latencyMs: options.latencyMs ?? 0,
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs ?? 300_000,
    runnerGroups: options.runnerGroups ?? [],
    ownerName: options.ownerName ?? "my-org",
    repositoryName: options.repositoryName ?? "sim-repo",
    logger: options.logger,
  };
}

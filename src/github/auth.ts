/**
 * Authentication chain (protocol reference §2): GitHub credential → registration token →
 * runner-registration → admin connection (Actions-service base URL + admin JWT), and the
 * admin-token cache with expiry-driven, single-flight refresh.
 */

import { fetchApiToken } from "./api-token.js";
import { type GitHubConfigUrl, registrationTokenPath } from "./config-url.js";
import { asObject, decodeResponse, str } from "./decode.js";
import { errorFromResponse, ProtocolError } from "./errors.js";
import type { HttpClient, HttpResponse } from "./http.js";
import { decodeJwtExpiry, JwtError, parseAppPrivateKey } from "./jwt.js";
import { type GitHubLogger, silentLogger } from "./logger.js";
import { redactUrl } from "./url.js";

export type GitHubCredentials =
  | { type: "pat"; token: string }
  | {
      type: "app";
      /** Client ID (preferred) or, for older GHES, the numeric app ID — set one of the two. */
      clientId?: string;
      appId?: string | number;
      installationId: number;
      /** RSA private key PEM (PKCS#1 or PKCS#8). */
      privateKey: string;
    };

/** The Actions-service base URL ("A") and the admin token valid for it. */
export interface AdminConnection {
  actionsUrl: string;
  token: string;
  expiresAt: Date;
}

export interface AdminTokenProviderOptions {
  config: GitHubConfigUrl;
  credentials: GitHubCredentials;
  http: HttpClient;
  userAgent: () => string;
  logger?: GitHubLogger;
  now?: () => number;
}

/** Refresh when less than this much lifetime is left (§2.5). */
const REFRESH_MARGIN_MS = 60_000;
/** Runner-registration 401/403 are transient (§2.4, pitfall 14). */
const REGISTRATION_RETRY_STATUSES = [401, 403] as const;

export class AdminTokenProvider {
  private current?: AdminConnection;
  private inflight?: Promise<AdminConnection>;
  private readonly logger: GitHubLogger;
  private readonly now: () => number;

  constructor(private readonly options: AdminTokenProviderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    validateCredentials(options.credentials);
  }

  /**
   * The cached connection, refreshed first when missing or expiring within 60 s. If the refresh
   * fails the previous connection is kept; it is still used while its token has not expired,
   * otherwise the refresh error is thrown.
   */
  async get(): Promise<AdminConnection> {
    const previous = this.current;
    if (previous && this.now() + REFRESH_MARGIN_MS <= previous.expiresAt.getTime()) {
      return previous;
    }
    try {
      return await this.refresh();
    } catch (err) {
      if (previous && this.now() < previous.expiresAt.getTime()) {
        this.logger.warn(
          { err: errorSummary(err), expiresAt: previous.expiresAt.toISOString() },
          "admin token refresh failed; using the previous token until it expires",
        );
        return previous;
      }
      throw err;
    }
  }

  /**
   * Forgets `token` if it is still the cached one: the service rejected it before its `exp`
   * (revoked, or the service rotated keys), so the next get() runs the chain again.
   */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  /** Runs the whole chain now; concurrent callers share one run. Failure keeps the cache. */
  refresh(): Promise<AdminConnection> {
    if (!this.inflight) {
      this.inflight = this.fetchConnection()
        .then((connection) => {
          this.current = connection;
          return connection;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  private async fetchConnection(): Promise<AdminConnection> {
    const githubToken = await this.githubToken();
    const registrationToken = await this.registrationToken(githubToken);
    const { config, http } = this.options;
    const url = `${config.apiBase}/actions/runner-registration`;
    const response = await http.send({
      method: "POST",
      url,
      headers: {
        Authorization: `RemoteAuth ${registrationToken}`,
        "Content-Type": "application/json",
        "User-Agent": this.options.userAgent(),
      },
      body: JSON.stringify({ url: config.configUrl, runner_event: "register" }),
      extraRetryStatuses: REGISTRATION_RETRY_STATUSES,
      secrets: [registrationToken, githubToken],
    });
    if (response.status < 200 || response.status > 299) {
      throw errorFromResponse(response, { secrets: [registrationToken, githubToken] });
    }
    const { actionsUrl, token } = decodeResponse(response, "runner-registration", (json) => {
      const obj = asObject(json, "runner-registration");
      const decoded = { actionsUrl: str(obj, "url"), token: str(obj, "token") };
      if (!decoded.actionsUrl || !decoded.token) {
        throw new ProtocolError("runner-registration: response lacks url or token");
      }
      if (!URL.canParse(decoded.actionsUrl)) {
        throw new ProtocolError("runner-registration: url is not an absolute URL");
      }
      return decoded;
    });
    let expiresAt: Date;
    try {
      expiresAt = decodeJwtExpiry(token);
    } catch (err) {
      const reason = err instanceof JwtError ? err.message : "unreadable";
      throw protocolError(`runner-registration: admin token unusable (${reason})`, response);
    }
    this.logger.info(
      { actionsUrl: redactUrl(actionsUrl), expiresAt: expiresAt.toISOString() },
      "obtained Actions service admin token",
    );
    return { actionsUrl, token, expiresAt };
  }

  /** PAT as is, or a fresh installation token for an App (never cached, as in the SDK). */
  private async githubToken(): Promise<string> {
    const { credentials, config, http, userAgent } = this.options;
    return (await fetchApiToken({ credentials, config, http, userAgent, now: this.now })).token;
  }

  private async registrationToken(githubToken: string): Promise<string> {
    const { config, http } = this.options;
    const response = await http.send({
      method: "POST",
      url: `${config.apiBase}${registrationTokenPath(config)}`,
      headers: {
        Authorization: `Bearer ${githubToken}`,
        Accept: "application/vnd.github+json",
        "Content-Type": "application/vnd.github.v3+json",
        "User-Agent": this.options.userAgent(),
      },
      secrets: [githubToken],
    });
    return this.tokenFrom(response, 201, "registration token", [githubToken]);
  }

  private tokenFrom(response: HttpResponse, expected: number, what: string, secrets: string[]) {
    if (response.status !== expected) throw errorFromResponse(response, { secrets });
    return decodeResponse(response, what, (json) => {
      const token = str(asObject(json, what), "token");
      if (!token) throw new ProtocolError(`${what}: response has no token`);
      return token;
    });
  }
}

function validateCredentials(credentials: GitHubCredentials): void {
  if (credentials.type === "pat") {
    if (!credentials.token) throw new Error("GitHub credentials: empty token");
    return;
  }
  if (!credentials.clientId && (credentials.appId === undefined || credentials.appId === "")) {
    throw new Error("GitHub App credentials: clientId or appId is required");
  }
  if (!Number.isInteger(credentials.installationId) || credentials.installationId <= 0) {
    throw new Error("GitHub App credentials: installationId must be a positive integer");
  }
  if (!credentials.privateKey) throw new Error("GitHub App credentials: empty privateKey");
  // Fail at construction, not on every token refresh of a long-running listener.
  parseAppPrivateKey(credentials.privateKey);
}

function protocolError(message: string, response: HttpResponse): ProtocolError {
  return new ProtocolError(message, {
    method: response.method,
    url: redactUrl(response.url),
    status: response.status,
  });
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

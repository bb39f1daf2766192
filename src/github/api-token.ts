/**
 * The credential for GitHub's REST API itself (not the Actions service): the PAT as it is, or a
 * GitHub App installation access token made with an App JWT (protocol reference §2.2).
 */
import type { GitHubCredentials } from "./auth.js";
import type { GitHubConfigUrl } from "./config-url.js";
import { asObject, decodeResponse, str } from "./decode.js";
import { errorFromResponse, ProtocolError } from "./errors.js";
import type { HttpClient } from "./http.js";
import { createAppJwt } from "./jwt.js";

export interface ApiToken {
  token: string;
  /** When an installation token expires; undefined for a PAT. */
  expiresAt?: Date;
}

export interface ApiTokenDeps {
  config: GitHubConfigUrl;
  credentials: GitHubCredentials;
  http: HttpClient;
  userAgent: () => string;
  now: () => number;
}

/** The PAT, or a fresh installation token for the App (POST …/access_tokens, 201). */
export async function fetchApiToken(deps: ApiTokenDeps, signal?: AbortSignal): Promise<ApiToken> {
  const { credentials, config, http } = deps;
  if (credentials.type === "pat") return { token: credentials.token };
  const issuer = String(credentials.clientId ?? credentials.appId);
  const appJwt = createAppJwt(issuer, credentials.privateKey, deps.now());
  const response = await http.send({
    method: "POST",
    url: `${config.apiBase}/app/installations/${credentials.installationId}/access_tokens`,
    headers: {
      Authorization: `Bearer ${appJwt}`,
      Accept: "application/vnd.github+json",
      "Content-Type": "application/vnd.github+json",
      "User-Agent": deps.userAgent(),
    },
    secrets: [appJwt],
    signal,
  });
  const what = "installation access token";
  if (response.status !== 201) throw errorFromResponse(response, { secrets: [appJwt] });
  return decodeResponse(response, what, (json) => {
    const body = asObject(json, what);
    const token = str(body, "token");
    if (!token) throw new ProtocolError(`${what}: response has no token`);
    const expiresAt = new Date(str(body, "expires_at"));
    return Number.isNaN(expiresAt.getTime()) ? { token } : { token, expiresAt };
  });
}

/** Installation tokens are reused until this long before they expire (they last an hour). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** A cached API token: one installation token per hour or so, not one per REST call. */
export class ApiTokenCache {
  #current: ApiToken | undefined;
  #inflight: Promise<ApiToken> | undefined;

  constructor(private readonly deps: ApiTokenDeps) {}

  async get(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    const fresh =
      current &&
      (!current.expiresAt || this.deps.now() + REFRESH_MARGIN_MS < current.expiresAt.getTime());
    if (current && fresh) return current.token;
    this.#inflight ??= fetchApiToken(this.deps, signal).finally(() => {
      this.#inflight = undefined;
    });
    this.#current = await this.#inflight;
    return this.#current.token;
  }

  /** The API refused the token (revoked): the next get makes a new one. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }
}

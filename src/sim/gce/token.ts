import { randomBytes } from "node:crypto";
import { GceHttpError } from "./http-io.js";

/**
 * The fake's OAuth token endpoint. It accepts the two grants an ADC credential file leads to:
 * the STS token exchange of an `external_account` (Workload Identity Federation) credential,
 * and the JWT-bearer grant of a service-account key. Issued tokens are what the compute routes
 * then require as `Authorization: Bearer …`.
 */

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_LIFETIME_S = 3600;

export class TokenIssuer {
  readonly #tokens = new Set<string>();
  readonly grants: string[] = [];

  /** Answers a token request (form-encoded body); throws a 400 for anything malformed. */
  issue(form: URLSearchParams): Record<string, unknown> {
    const grant = form.get("grant_type") ?? "";
    if (grant === TOKEN_EXCHANGE) {
      for (const required of ["subject_token", "subject_token_type", "audience"]) {
        if (!form.get(required)) throw tokenError(`missing ${required}`);
      }
    } else if (grant === JWT_BEARER) {
      const parts = (form.get("assertion") ?? "").split(".");
      if (parts.length !== 3 || parts.some((p) => p === ""))
        throw tokenError("malformed assertion");
    } else {
      throw tokenError(`unsupported grant_type ${grant || "(none)"}`);
    }
    this.grants.push(grant);
    const token = `ya29.fake-${randomBytes(16).toString("hex")}`;
    this.#tokens.add(token);
    return {
      access_token: token,
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_S,
      ...(grant === TOKEN_EXCHANGE
        ? { issued_token_type: "urn:ietf:params:oauth:token-type:access_token" }
        : {}),
    };
  }

  /** Whether an `Authorization` header carries a token this issuer handed out. */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    return match !== null && this.#tokens.has(match[1] as string);
  }
}

function tokenError(description: string): GceHttpError {
  return new GceHttpError(400, "invalid_request", description);
}

export const unauthenticated = () =>
  new GceHttpError(
    401,
    "required",
    "Request is missing required authentication credential. Expected OAuth 2 access token.",
  );

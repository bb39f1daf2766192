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

/** A JWT's claim, unverified (the fake checks shape, not signatures). */
function claim(jwt: string, name: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    const value = (payload as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export class TokenIssuer {
  /** Issued access token → the principal it stands for. */
  readonly #tokens = new Map<string, string>();
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
    const principal =
      grant === TOKEN_EXCHANGE
        ? claim(form.get("subject_token") ?? "", "sub")
        : claim(form.get("assertion") ?? "", "iss");
    this.#tokens.set(token, principal ?? "unknown");
    return {
      access_token: token,
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_S,
      ...(grant === TOKEN_EXCHANGE
        ? { issued_token_type: "urn:ietf:params:oauth:token-type:access_token" }
        : {}),
    };
  }

  /** The principal of a token this issuer handed out, from an `Authorization` header. */
  principal(authorization: string | undefined): string | undefined {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    return match ? this.#tokens.get(match[1] as string) : undefined;
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

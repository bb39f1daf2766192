/**
 * GitHub App JWTs (RS256, signed with node:crypto) and unverified `exp` decoding of the
 * admin / message-queue tokens (protocol reference §2.2, §2.5).
 */
import { createPrivateKey, type KeyObject, sign } from "node:crypto";

/** Backdating guards against clock skew; total lifetime stays under GitHub's 10 min max. */
const IAT_BACKDATE_S = 60;
const LIFETIME_S = 9 * 60;

export class JwtError extends Error {
  override name = "JwtError";

  constructor(
    message: string,
    /** Set when the App private key is the cause. */
    readonly problem?: AppKeyProblem,
  ) {
    super(message);
  }
}

/**
 * Creates the App JWT. `issuer` is the App's client ID or numeric app ID (older GHES accept
 * only the app ID). The key may be PKCS#1 or PKCS#8 PEM.
 */
export function createAppJwt(issuer: string, privateKeyPem: string, now: number = Date.now()) {
  const key = parseAppPrivateKey(privateKeyPem);
  const iat = Math.floor(now / 1000) - IAT_BACKDATE_S;
  const header = { alg: "RS256", typ: "JWT" };
  const payload = { iat, exp: iat + LIFETIME_S, iss: issuer };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign("RSA-SHA256", Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString("base64url")}`;
}

/** Why a PEM cannot sign App JWTs: unreadable (not PEM, encrypted, a public key) or not RSA. */
export type AppKeyProblem = "unreadable" | "not-rsa";

/** Checks the App key once at start, so a bad key is a config error instead of a retry loop. */
export function appPrivateKeyProblem(pem: string): AppKeyProblem | undefined {
  try {
    parseAppPrivateKey(pem);
    return undefined;
  } catch (error) {
    return (error as JwtError).problem;
  }
}

/** The App's signing key; throws a JwtError (without key material) when it cannot sign. */
export function parseAppPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The key material must never reach error text.
    throw new JwtError("GitHub App private key is not a valid PEM private key", "unreadable");
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new JwtError("GitHub App private key must be an RSA key", "not-rsa");
  }
  return key;
}

/** Reads `exp` of a JWT without verifying it. Throws JwtError (without the token) on failure. */
export function decodeJwtExpiry(token: string): Date {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) throw new JwtError("token is not a JWT");
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    throw new JwtError("JWT payload is not valid JSON");
  }
  const exp = (payload as { exp?: unknown } | null)?.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    throw new JwtError("JWT has no numeric exp claim");
  }
  return new Date(exp * 1000);
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

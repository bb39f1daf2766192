import { type KeyObject, sign, verify } from "node:crypto";

/** Minimal RS256 JWT (RFC 7519) signing and verification with node:crypto. */

export type JwtClaims = Record<string, unknown>;

const HEADER = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");

export function signJwt(claims: JwtClaims, privateKey: KeyObject): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signingInput = `${HEADER}.${payload}`;
  const signature = sign("sha256", Buffer.from(signingInput), privateKey).toString("base64url");
  return `${signingInput}.${signature}`;
}

/**
 * Returns the claims when the token is a well-formed RS256 JWT whose signature verifies with
 * `publicKey`; null otherwise. Time claims are checked by callers (they differ per token kind).
 */
export function verifyJwt(token: string, publicKey: KeyObject): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  try {
    const header: unknown = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
    if (!isRecord(header) || header.alg !== "RS256") return null;
    const ok = verify(
      "sha256",
      Buffer.from(`${headerPart}.${payloadPart}`),
      publicKey,
      Buffer.from(signaturePart, "base64url"),
    );
    if (!ok) return null;
    const claims: unknown = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
    return isRecord(claims) ? claims : null;
  } catch {
    return null;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

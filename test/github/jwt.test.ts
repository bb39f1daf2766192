import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAppJwt, decodeJwtExpiry, JwtError } from "../../src/github/jwt.js";
import { fakeJwt, rsaKeys, verifyJwt } from "./helpers.js";

describe("createAppJwt", () => {
  it("signs RS256 with iat = now-60s, exp = iat+9min, iss = client id", () => {
    const { privateKey, publicKey } = rsaKeys();
    const now = Date.UTC(2026, 4, 1, 10, 0, 0);
    const token = createAppJwt("Iv1.abc123", privateKey, now);
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    const claims = verifyJwt(token, publicKey);
    expect(claims).toEqual({ iat: now / 1000 - 60, exp: now / 1000 - 60 + 540, iss: "Iv1.abc123" });
  });

  it("accepts PKCS#8 keys and a numeric app id as issuer", () => {
    const pair = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const claims = verifyJwt(createAppJwt("12345", pair.privateKey), pair.publicKey);
    expect(claims.iss).toBe("12345");
  });

  it("a signature does not verify with another key", () => {
    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    expect(() => verifyJwt(createAppJwt("1", rsaKeys().privateKey), other.publicKey)).toThrow(
      "bad signature",
    );
  });

  it("rejects an invalid key without echoing it", () => {
    const badKey =
      "-----BEGIN RSA PRIVATE KEY-----\nNOTAKEYsecretmaterial\n-----END RSA PRIVATE KEY-----";
    try {
      createAppJwt("1", badKey);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JwtError);
      expect((err as Error).message).not.toContain("secretmaterial");
    }
  });
});

describe("decodeJwtExpiry", () => {
  it("reads exp without verification", () => {
    expect(decodeJwtExpiry(fakeJwt({ exp: 1_800_000_000 })).toISOString()).toBe(
      new Date(1_800_000_000_000).toISOString(),
    );
  });

  it.each([
    ["not a jwt", "abc"],
    ["bad payload", "a.!!!.c"],
    ["no exp", fakeJwt({ sub: "x" })],
    ["string exp", fakeJwt({ exp: "soon" })],
  ])("throws JwtError for %s, without the token in the message", (_label, token) => {
    try {
      decodeJwtExpiry(token);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JwtError);
      if (token.length > 5) expect((err as Error).message).not.toContain(token);
    }
  });
});

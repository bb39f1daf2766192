import {
  createHash,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";
import { promisify } from "node:util";
import { type JwtClaims, nowSeconds, signJwt, verifyJwt } from "./jwt.js";
import type { ResolvedSimOptions } from "./options.js";

/**
 * Every credential of the protocol: PAT / App JWT / installation token (REST), registration tokens
 * (RemoteAuth), admin tokens and message-queue tokens (RS256 JWTs signed with one key per fake).
 */

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * One RSA key per process (keygen costs ~50 ms and tests start many fakes); each fake still only
 * accepts its own tokens thanks to the per-instance `sim` claim.
 */
let signingKeys: Promise<{ privateKey: KeyObject; publicKey: KeyObject }> | undefined;
const REGISTRATION_TOKEN_TTL_MS = 3600_000;
const INSTALLATION_TOKEN_TTL_MS = 3600_000;
/** GitHub rejects App JWTs whose exp is more than 10 minutes in the future. */
const MAX_APP_JWT_LIFETIME_S = 600;
const CLOCK_SKEW_S = 60;

export interface AdminTokenClaims {
  /** The config URL sent to runner-registration. */
  configUrl: string;
}

export interface QueueTokenClaims {
  sessionId: string;
  scaleSetId: number;
  generation: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export class TokenService {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #appPublicKey: KeyObject | undefined;
  readonly #options: ResolvedSimOptions;
  readonly #instance = randomUUID();
  #adminEpoch = 1;
  readonly #installationTokens = new Map<string, number>();
  readonly #registrationTokens = new Map<string, { scope: string; expiresAt: number }>();
  /** Claims of tokens whose signature was already verified (RSA verify dominates hot paths). */
  readonly #verified = new Map<string, JwtClaims>();

  private constructor(options: ResolvedSimOptions, privateKey: KeyObject, publicKey: KeyObject) {
    this.#options = options;
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.#appPublicKey = options.app ? createPublicKey(options.app.publicKeyPem) : undefined;
  }

  static async create(options: ResolvedSimOptions): Promise<TokenService> {
    signingKeys ??= generateKeyPairAsync("rsa", { modulusLength: 2048 });
    const { privateKey, publicKey } = await signingKeys;
    return new TokenService(options, privateKey, publicKey);
  }

  // --- REST credentials ---

  /** PAT or a live installation token. */
  isValidRestToken(token: string): boolean {
    if (safeEqual(token, this.#options.pat)) return true;
    const expiresAt = this.#installationTokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Verifies an App JWT: RS256 signature with the App key, iss, iat/exp window. */
  verifyAppJwt(token: string): boolean {
    const app = this.#options.app;
    if (!app || !this.#appPublicKey) return false;
    const claims = verifyJwt(token, this.#appPublicKey);
    if (!claims) return false;
    const { iss, iat, exp } = claims;
    const now = nowSeconds();
    if (String(iss) !== app.clientId) return false;
    if (typeof iat !== "number" || typeof exp !== "number") return false;
    if (iat > now + CLOCK_SKEW_S || exp <= now || exp > now + MAX_APP_JWT_LIFETIME_S) return false;
    return exp > iat;
  }

  issueInstallationToken(): IssuedToken {
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    const expiresAt = Date.now() + INSTALLATION_TOKEN_TTL_MS;
    this.#installationTokens.set(token, expiresAt);
    return { token, expiresAt: new Date(expiresAt) };
  }

  issueRegistrationToken(scope: string): IssuedToken {
    const token = randomBytes(20).toString("base64url").replace(/[-_]/g, "X").toUpperCase();
    const expiresAt = Date.now() + REGISTRATION_TOKEN_TTL_MS;
    this.#registrationTokens.set(token, { scope, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** Scope ("org", "org/repo" or "enterprises/e") of a live registration token. */
  registrationScope(token: string): string | undefined {
    const entry = this.#registrationTokens.get(token);
    return entry && entry.expiresAt > Date.now() ? entry.scope : undefined;
  }

  // --- Actions service credentials ---

  issueAdminToken(configUrl: string): string {
    const iat = nowSeconds();
    return signJwt(
      {
        typ: "admin",
        sim: this.#instance,
        iss: "scaleset-sim",
        aud: "actions",
        jti: randomUUID(),
        epoch: this.#adminEpoch,
        url: configUrl,
        iat,
        nbf: iat,
        exp: iat + this.#options.adminTokenTtlSeconds,
      },
      this.#privateKey,
    );
  }

  verifyAdminToken(token: string): AdminTokenClaims | undefined {
    const claims = this.#verifyOwn(token);
    if (claims?.typ !== "admin" || claims.sim !== this.#instance) return undefined;
    if (claims.epoch !== this.#adminEpoch) return undefined;
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds()) return undefined;
    return { configUrl: typeof claims.url === "string" ? claims.url : "" };
  }

  /** Invalidates every admin token issued so far. */
  expireAdminTokens(): void {
    this.#adminEpoch++;
  }

  issueQueueToken(claims: QueueTokenClaims): string {
    const iat = nowSeconds();
    return signJwt(
      {
        typ: "mq",
        sim: this.#instance,
        sid: claims.sessionId,
        ssid: claims.scaleSetId,
        gen: claims.generation,
        jti: randomUUID(),
        iat,
        nbf: iat,
        exp: iat + this.#options.queueTokenTtlSeconds,
      },
      this.#privateKey,
    );
  }

  /** Signature and expiry only; the caller checks the session and its generation. */
  verifyQueueToken(token: string): QueueTokenClaims | undefined {
    const claims = this.#verifyOwn(token);
    if (claims?.typ !== "mq" || claims.sim !== this.#instance) return undefined;
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds()) return undefined;
    const { sid, ssid, gen } = claims;
    if (typeof sid !== "string" || typeof ssid !== "number" || typeof gen !== "number") {
      return undefined;
    }
    return { sessionId: sid, scaleSetId: ssid, generation: gen };
  }

  #verifyOwn(token: string): JwtClaims | undefined {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    const claims = verifyJwt(token, this.#publicKey);
    if (!claims) return undefined;
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(token, claims);
    return claims;
  }
}

const VERIFIED_CACHE_SIZE = 4096;

function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

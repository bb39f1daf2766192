/**
 * Minimal loopback servers for the GitHub client tests: a raw scripted HTTP server and a small
 * fake of the REST API + runner-registration + Actions service (under /tenant/123/).
 */
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ActionsClient, type ActionsClientOptions } from "../../src/github/client.js";
import { ZERO_STATISTICS } from "../../src/github/types.js";

export interface RecordedRequest {
  method: string;
  /** Path + query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Reply {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Prefix the body with a UTF-8 BOM. */
  bom?: boolean;
  /** Never answer (for timeout tests). */
  hang?: boolean;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const parsed = new URL(req.url ?? "/", "http://127.0.0.1");
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(recorded);
    let reply: Reply;
    try {
      reply = await handler(recorded);
    } catch (err) {
      reply = { status: 599, body: String(err) };
    }
    if (reply.hang) return;
    writeReply(res, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let text = "";
  if (typeof reply.body === "string") text = reply.body;
  else if (reply.body !== undefined) {
    text = JSON.stringify(reply.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  const bytes = Buffer.concat([
    reply.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
    Buffer.from(text, "utf8"),
  ]);
  res.writeHead(reply.status, { ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
}

export const TEST_RETRY = { maxRetries: 2, minDelayMs: 1, maxDelayMs: 5 };
export const PAT = "ghp_testPatSecret0123456789abcdef";

let keys: { privateKey: string; publicKey: string } | undefined;
/** One RSA key pair per test file (generation is slow-ish). */
export function rsaKeys(): { privateKey: string; publicKey: string } {
  keys ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return keys;
}

/** An unsigned-looking JWT with the given exp (the client never verifies admin tokens). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}.c2lnbmF0dXJl`;
}

/** Verifies an RS256 JWT with the public key and returns its claims (throws if invalid). */
export function verifyJwt(token: string, publicKeyPem: string): Record<string, unknown> {
  const [h, p, s] = token.split(".");
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${h}.${p}`),
    createPublicKey(publicKeyPem),
    Buffer.from(s!, "base64url"),
  );
  if (!ok) throw new Error("bad signature");
  return JSON.parse(Buffer.from(p!, "base64url").toString("utf8"));
}

export function bearer(req: RecordedRequest): string {
  return String(req.headers.authorization ?? "").replace(/^Bearer /, "");
}

/**
 * Fake GitHub: REST (registration token, App installation token), runner-registration and an
 * Actions service whose routes tests add with `actions`. Admin tokens live `adminLifetimeS`.
 */
export class FakeGitHub {
  server!: TestServer;
  adminLifetimeS = 3600;
  adminTokens: string[] = [];
  /** Statuses answered by runner-registration before succeeding. */
  registrationFailures: number[] = [];
  /** When set, the registration-token endpoint answers this instead of a token. */
  registrationTokenReply?: Reply;
  /** For App auth: verifies the App JWT with this key. */
  appPublicKey?: string;
  appJwtClaims: Record<string, unknown>[] = [];
  actions: Handler = () => ({ status: 404, body: { message: "no route" } });

  static async start(): Promise<FakeGitHub> {
    const fake = new FakeGitHub();
    fake.server = await startServer((req) => fake.handle(req));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  count(path: string | RegExp): number {
    return this.requests.filter((r) =>
      typeof path === "string" ? r.path === path : path.test(r.path),
    ).length;
  }

  actionsRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith("/tenant/123/"));
  }

  client(overrides: Partial<ActionsClientOptions> = {}): ActionsClient {
    return new ActionsClient({
      configUrl: `${this.url}/my-org`,
      credentials: { type: "pat", token: PAT },
      retry: TEST_RETRY,
      env: {},
      ...overrides,
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: RecordedRequest): Promise<Reply> {
    if (
      req.method === "POST" &&
      /^\/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(req.path)
    ) {
      if (!this.appPublicKey) return { status: 401, body: { message: "no app" } };
      try {
        this.appJwtClaims.push(verifyJwt(bearer(req), this.appPublicKey));
      } catch {
        return { status: 401, body: { message: "A JSON web token could not be decoded" } };
      }
      return {
        status: 201,
        body: { token: `ghs_installationToken${this.appJwtClaims.length}xyz` },
      };
    }
    if (req.method === "POST" && req.path.endsWith("/actions/runners/registration-token")) {
      if (this.registrationTokenReply) return this.registrationTokenReply;
      const auth = bearer(req);
      if (auth !== PAT && !auth.startsWith("ghs_installationToken")) {
        return { status: 401, body: { message: "Bad credentials" } };
      }
      return {
        status: 201,
        body: { token: "REGTOKENSECRET1", expires_at: "2099-01-01T00:00:00Z" },
      };
    }
    if (req.method === "POST" && req.path === "/api/v3/actions/runner-registration") {
      const failure = this.registrationFailures.shift();
      if (failure !== undefined) return { status: failure, body: { message: "not yet" } };
      if (req.headers.authorization !== "RemoteAuth REGTOKENSECRET1") return { status: 401 };
      const n = this.adminTokens.length + 1;
      const token = fakeJwt({ exp: Math.floor(Date.now() / 1000) + this.adminLifetimeS, n });
      this.adminTokens.push(token);
      return { status: 201, body: { url: `${this.url}/tenant/123/`, token } };
    }
    if (req.path.startsWith("/tenant/123/")) return this.actions(req);
    return { status: 404, body: { message: "Not Found" } };
  }
}

export const ZERO_STATS = ZERO_STATISTICS;

/** Asserts that none of the secrets occur in the error's text (message, stack, cause chain). */
export function expectNoSecrets(err: unknown, secrets: string[]): void {
  const texts: string[] = [];
  let current: unknown = err;
  for (let i = 0; i < 5 && current instanceof Error; i++) {
    texts.push(current.message, current.stack ?? "", JSON.stringify(current));
    current = current.cause;
  }
  const all = texts.join("\n");
  for (const secret of secrets) {
    if (all.includes(secret))
      throw new Error(`secret leaked into error text: ${secret.slice(0, 4)}…`);
  }
}

/** Awaits a rejection and returns the error (fails if the promise resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}

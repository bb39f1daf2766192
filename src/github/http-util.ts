/**
 * Pure helpers of the HTTP layer: dispatcher choice from the proxy variables, Retry-After,
 * body and header normalisation, and the transport-error classification of the retry layer.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";

/** HTTPS_PROXY/HTTP_PROXY (either case) → EnvHttpProxyAgent, which also honours NO_PROXY. */
export function createDispatcher(
  env: NodeJS.ProcessEnv,
  pool: { connections?: number } = {},
): Dispatcher {
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? "";
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? "";
  const agentOptions = { connections: pool.connections ?? null };
  if (httpProxy === "" && httpsProxy === "") return new Agent(agentOptions);
  // Values are passed explicitly (even when empty) so the given env, not process.env, decides.
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy,
    httpsProxy: httpsProxy || httpProxy,
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
  });
}

/** Integer seconds or an HTTP date (past → 0). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function decodeBody(bytes: Buffer): string {
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.subarray(start ? 3 : 0).toString("utf8");
}

export function normalizeHeaders(raw: Record<string, string | string[] | undefined>) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Transport errors that retrying cannot fix (certificate problems, bad URLs or headers). */
const PERMANENT_ERROR_CODES = [
  /^CERT_/,
  /^ERR_TLS_CERT/,
  /^UNABLE_TO_(GET|VERIFY)/,
  /SELF_SIGNED_CERT/,
  /^ERR_INVALID_(URL|HTTP_TOKEN|CHAR|PROTOCOL)/,
  /^UND_ERR_(INVALID_ARG|NOT_SUPPORTED|REDIRECT_MAX)$/,
];

export function isRetryableTransportError(err: unknown): boolean {
  for (const code of errorCodes(err)) {
    if (PERMANENT_ERROR_CODES.some((re) => re.test(code))) return false;
  }
  return true;
}

export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = current.cause;
  }
  return codes;
}

export function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = errorCodes(err)[0];
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${code ? `${code} ` : ""}${err.message}${cause}`;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyText } from "../read-body.js";

/** Request/response helpers for the Compute Engine fake, speaking Google's JSON error envelope. */

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Where the API front end (ESF) answers rather than Compute itself (API disabled, token scopes),
 * the envelope also has a canonical `status` and `details` with a `google.rpc.ErrorInfo`; Compute's
 * own errors (permission, quota, rate limit, validation) have neither, only `errors[]`.
 */
export interface GceErrorExtras {
  /** `errors[].domain`: "global" for most, "usageLimits" for quota, rate and API-access errors. */
  domain?: string;
  status?: string;
  details?: unknown[];
  /**
   * The envelope of Google's one-platform APIs (Resource Manager, IAM): `code`, `message`,
   * `status` and `details`, without Compute's `errors[]`.
   */
  onePlatform?: boolean;
}

/** An error the fake answers with Google's JSON envelope `{"error":{code,message,errors:[…]}}`. */
export class GceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extras: GceErrorExtras = {},
  ) {
    super(message);
    this.name = "GceHttpError";
  }
}

export const notFound = (what: string) =>
  new GceHttpError(404, "notFound", `The resource '${what}' was not found`);
export const invalid = (message: string) => new GceHttpError(400, "invalid", message);

export async function readText(req: IncomingMessage): Promise<string> {
  const text = await readBodyText(req, MAX_BODY_BYTES);
  if (text === undefined) throw invalid("Request body too large.");
  return text;
}

export function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid("Invalid JSON payload received.");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: GceHttpError): void {
  const { domain = "global", status, details, onePlatform } = error.extras;
  sendJson(res, error.status, {
    error: {
      code: error.status,
      message: error.message,
      ...(onePlatform
        ? {}
        : { errors: [{ message: error.message, domain, reason: error.reason }] }),
      ...(status ? { status } : {}),
      ...(details ? { details } : {}),
    },
  });
}

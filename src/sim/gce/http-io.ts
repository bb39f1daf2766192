import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyText } from "../read-body.js";

/** Request/response helpers for the Compute Engine fake, speaking Google's JSON error envelope. */

const MAX_BODY_BYTES = 1024 * 1024;

/** An error the fake answers with `{"error":{code,message,errors:[{reason,…}]}}`. */
export class GceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
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
  sendJson(res, error.status, {
    error: {
      code: error.status,
      message: error.message,
      errors: [{ message: error.message, domain: "global", reason: error.reason }],
    },
  });
}

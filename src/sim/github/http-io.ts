import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyText } from "../read-body.js";
import { badRequest, SimHttpError } from "./errors.js";

/** Reading request bodies and writing responses for the fake. */

const MAX_BODY_BYTES = 1024 * 1024;
const BOM = "\uFEFF";

export async function readBody(req: IncomingMessage): Promise<string> {
  const text = await readBodyText(req, MAX_BODY_BYTES);
  if (text === undefined) throw new SimHttpError(413, "ArgumentException", "Body too large");
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** Parses a JSON body; an empty body gives `undefined`, malformed JSON a 400. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

export interface ResponseStyle {
  bom: boolean;
  headers: Record<string, string>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  style: ResponseStyle,
  extraHeaders: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  sendText(res, status, style.bom ? BOM + json : json, "application/json; charset=utf-8", {
    ...style.headers,
    ...extraHeaders,
  });
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(text, "utf8");
  res.writeHead(status, {
    ...headers,
    "Content-Type": contentType,
    "Content-Length": String(payload.length),
  });
  res.end(payload);
}

export function sendEmpty(
  res: ServerResponse,
  status: number,
  style: ResponseStyle,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...style.headers, ...extraHeaders, "Content-Length": "0" });
  res.end();
}

/** Bearer token from the Authorization header (scheme compared case-insensitively). */
export function authToken(req: IncomingMessage, scheme: string): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  if (header.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const token = header.slice(space + 1).trim();
  return token === "" ? undefined : token;
}

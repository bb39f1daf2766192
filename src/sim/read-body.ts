import type { IncomingMessage } from "node:http";

/**
 * A request body as UTF-8 text, or undefined once it grows past `maxBytes` (each fake answers
 * that with its own cloud's error).
 */
export async function readBodyText(
  req: IncomingMessage,
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

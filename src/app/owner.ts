import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * Identity of this scaleset process: the host name plus a short random suffix, as a value that
 * is valid as a GCE label, an EC2 tag and a session owner name.
 */
export function processOwnerName(host: string = hostname()): string {
  const base = host
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50);
  return `${base || "scaleset"}-${randomBytes(3).toString("hex")}`;
}

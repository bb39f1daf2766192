import { createHash } from "node:crypto";

/**
 * The deployment scope: which scaleset deployment a machine belongs to. Two deployments that share
 * a GCP project or an AWS account (staging and production, two orgs, blue/green) may use the same
 * scale set name; the scope keeps each one's list, adopt and delete away from the other's
 * machines. Written as the `scaleset-deployment` label/tag and part of every list filter.
 *
 * A valid scope is a GCE label value and an EC2 tag value at once: 1–63 characters of lowercase
 * letters, digits, `_` and `-`, starting with a letter or digit.
 */
export const DEPLOYMENT_SCOPE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const HASH_CHARS = 10;
const MAX_LENGTH = 63;

/**
 * Derives the scope from the GitHub config URL and the scale set name. The readable part names
 * the org/repo/enterprise and the scale set; the hash covers host, path and name, so two orgs on
 * two GitHub hosts never share a scope. Scale set names compare case-insensitively on GitHub, and
 * so do they here.
 */
export function deploymentScope(githubUrl: string, scaleSetName: string): string {
  const url = githubUrl.trim().replace(/\/+$/, "").toLowerCase();
  const name = scaleSetName.trim().toLowerCase();
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not a URL (rejected by config validation elsewhere): the whole text still hashes uniquely.
  }
  const where = path
    .split("/")
    .filter((part) => part && part !== "enterprises")
    .join("-");
  const hash = createHash("sha256").update(`${url}\n${name}`).digest("hex").slice(0, HASH_CHARS);
  const readable = slug(`${where}-${name}`)
    .slice(0, MAX_LENGTH - HASH_CHARS - 1)
    .replace(/-+$/, "");
  return readable ? `${readable}-${hash}` : hash;
}

function slug(text: string): string {
  return text
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-_]+/, "");
}

/**
 * URL helpers for the Actions service. The admin base URL has a path (`/rest/`, `/<tenant>/`),
 * which `new URL(relative, base)` would drop (protocol reference §3, pitfall 19).
 */

export const ACTIONS_API_VERSION = "6.0-preview";

export type QueryParams = Record<string, string | number | undefined>;

/**
 * Joins `base` and `path` with path-join semantics (append; collapse duplicate slashes; keep a
 * trailing slash of `path`), keeps any query already on `base` or in `path`, adds `query`
 * (properly encoded) and sets `api-version` unless present.
 */
export function buildActionsUrl(base: string, path: string, query: QueryParams = {}): string {
  const baseUrl = new URL(base);
  const [pathPart, pathQuery] = splitQuery(path);
  const joined = `${baseUrl.pathname.replace(/\/+$/, "")}/${pathPart.replace(/^\/+/, "")}`;
  baseUrl.pathname = joined.replace(/\/{2,}/g, "/");
  if (pathQuery) {
    for (const [k, v] of new URLSearchParams(pathQuery)) baseUrl.searchParams.set(k, v);
  }
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) baseUrl.searchParams.set(k, String(v));
  }
  if (!baseUrl.searchParams.has("api-version")) {
    baseUrl.searchParams.set("api-version", ACTIONS_API_VERSION);
  }
  return baseUrl.toString();
}

/** Appends one path segment to a URL, preserving its query (used for message ack, §4.11). */
export function appendPathSegment(url: string, segment: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/${encodeURIComponent(segment)}`;
  return u.toString();
}

function splitQuery(path: string): [string, string] {
  const i = path.indexOf("?");
  return i < 0 ? [path, ""] : [path.slice(0, i), path.slice(i + 1)];
}

const SECRET_QUERY_KEY = /token|sig|secret|key|code|password|jitconfig/i;

/** A URL safe for error messages and logs: no userinfo, secret-looking query values masked. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "<invalid url>";
  }
  u.username = "";
  u.password = "";
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_QUERY_KEY.test(key)) u.searchParams.set(key, "REDACTED");
  }
  return u.toString();
}

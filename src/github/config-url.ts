/**
 * Parsing of the "config URL" (a.k.a. githubConfigUrl) that names the scope a scale set
 * registers in, and derivation of the REST API base URL (protocol reference §1).
 */

export type ConfigScope = "org" | "repo" | "enterprise";

export interface GitHubConfigUrl {
  /** The trimmed config URL string; sent verbatim as `url` in runner-registration (§2.4). */
  configUrl: string;
  scope: ConfigScope;
  org?: string;
  repo?: string;
  enterprise?: string;
  /** github.com / GHE.com (data residency) vs GitHub Enterprise Server. */
  isHosted: boolean;
  /** REST API base without trailing slash, e.g. `https://api.github.com` or `https://ghes/api/v3`. */
  apiBase: string;
}

export class InvalidConfigUrlError extends Error {
  override name = "InvalidConfigUrlError";
}

const HOSTED_HOSTS = new Set(["github.com", "www.github.com", "github.localhost"]);

/** Env var whose mere presence (any value, even empty) forces GHES mode (§1.4). */
export const FORCE_GHES_ENV = "GITHUB_ACTIONS_FORCE_GHES";

export function parseConfigUrl(url: string, env: NodeJS.ProcessEnv = process.env): GitHubConfigUrl {
  const configUrl = url.trim().replace(/^\/+|\/+$/g, "");
  let parsed: URL;
  try {
    parsed = new URL(configUrl);
  } catch {
    throw new InvalidConfigUrlError(
      `invalid config URL "${configUrl}": not an absolute URL (expected e.g. https://github.com/my-org)`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new InvalidConfigUrlError(
      `invalid config URL "${configUrl}": scheme must be http or https`,
    );
  }
  if (parsed.username || parsed.password) {
    // Never echo credentials back; report the URL without them.
    throw new InvalidConfigUrlError("invalid config URL: must not contain credentials");
  }

  const segments = parsed.pathname
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));

  const invalidShape = () =>
    new InvalidConfigUrlError(
      `invalid config URL "${configUrl}", should point to an enterprise, org, or repository`,
    );

  let scope: ConfigScope;
  const names: Pick<GitHubConfigUrl, "org" | "repo" | "enterprise"> = {};
  if (segments.length === 1) {
    scope = "org";
    names.org = segments[0];
  } else if (segments.length === 2 && segments[0]!.toLowerCase() === "enterprises") {
    scope = "enterprise";
    names.enterprise = segments[1];
  } else if (segments.length === 2) {
    scope = "repo";
    names.org = segments[0];
    names.repo = segments[1];
  } else {
    throw invalidShape();
  }

  // WHATWG URL lowercases the host and drops default ports; a non-default port stays in
  // `host` and therefore defeats hosted detection, as in the Go SDK.
  const host = parsed.host;
  const forceGhes = Object.hasOwn(env, FORCE_GHES_ENV) && env[FORCE_GHES_ENV] !== undefined;
  const isHosted = !forceGhes && (HOSTED_HOSTS.has(host) || host.endsWith(".ghe.com"));

  let apiBase: string;
  if (isHosted) {
    const apiHost = host === "www.github.com" ? "github.com" : host;
    apiBase = `${parsed.protocol}//api.${apiHost}`;
  } else {
    apiBase = `${parsed.protocol}//${host}/api/v3`;
  }

  return { configUrl, scope, ...names, isHosted, apiBase };
}

/** REST path (relative to apiBase) of the registration-token endpoint for the scope (§2.3). */
export function registrationTokenPath(config: GitHubConfigUrl): string {
  const e = encodeURIComponent;
  switch (config.scope) {
    case "org":
      return `/orgs/${e(config.org!)}/actions/runners/registration-token`;
    case "repo":
      return `/repos/${e(config.org!)}/${e(config.repo!)}/actions/runners/registration-token`;
    case "enterprise":
      return `/enterprises/${e(config.enterprise!)}/actions/runners/registration-token`;
  }
}

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

/** What is wrong with a config URL and how to fix it; never contains the URL (it may hold a secret). */
export interface ConfigUrlProblem {
  problem: string;
  fix: string;
}

const HOSTED_HOSTS = new Set(["github.com", "www.github.com", "github.localhost"]);

/** Env var whose mere presence (any value, even empty) forces GHES mode (§1.4). */
export const FORCE_GHES_ENV = "GITHUB_ACTIONS_FORCE_GHES";

const SHAPES =
  "https://HOST/ORG, https://HOST/ORG/REPO or https://HOST/enterprises/NAME, e.g. https://github.com/my-org";

/** github.com and GHE.com: plain http there would send the token to the real GitHub unencrypted. */
export function isGitHubCloudHost(host: string): boolean {
  return host === "github.com" || host === "www.github.com" || host.endsWith(".ghe.com");
}

type Shape = { scope: ConfigScope } & Pick<GitHubConfigUrl, "org" | "repo" | "enterprise">;
type Analysis = { problem: ConfigUrlProblem } | { url: URL; configUrl: string; shape: Shape };

function shapeOf(segments: string[]): Shape | ConfigUrlProblem {
  const [first, second] = segments;
  if (segments.length === 0)
    return { problem: "names no organization, repository or enterprise", fix: `use ${SHAPES}` };
  if (segments.length > 2)
    return {
      problem: "has more path segments than an organization, repository or enterprise URL",
      fix: `use ${SHAPES}`,
    };
  if (first!.toLowerCase() === "enterprises") {
    if (second === undefined)
      return { problem: "names no enterprise", fix: "write https://HOST/enterprises/NAME" };
    return { scope: "enterprise", enterprise: second };
  }
  if (second === undefined) return { scope: "org", org: first };
  if (second.toLowerCase().endsWith(".git"))
    return {
      problem: "ends in .git (a clone URL)",
      fix: "use the repository's web address without .git, e.g. https://github.com/ORG/REPO",
    };
  return { scope: "repo", org: first, repo: second };
}

/** The parsed URL and its scope, or the first problem found (§1, plus checks the SDK lacks). */
function analyse(raw: string): Analysis {
  const configUrl = raw.trim().replace(/^\/+|\/+$/g, "");
  if (!URL.canParse(configUrl))
    return { problem: { problem: "is not an absolute URL", fix: `use ${SHAPES}` } };
  const url = new URL(configUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { problem: { problem: "must be an https:// URL", fix: `use ${SHAPES}` } };
  if (url.username !== "" || url.password !== "")
    return {
      problem: {
        problem: "must not contain credentials (user:password@)",
        fix: "remove them; give the token in github.token or the GITHUB_TOKEN env var",
      },
    };
  if (url.search !== "" || url.hash !== "")
    return {
      problem: { problem: "must not have a query (?…) or fragment (#…)", fix: "remove it" },
    };
  if (url.protocol === "http:" && isGitHubCloudHost(url.hostname))
    return {
      problem: {
        problem: "uses http: the token would cross the internet unencrypted",
        fix: "write https:// (github.com and GHE.com serve https only)",
      },
    };
  let segments: string[];
  try {
    segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return { problem: { problem: "has a malformed %-escape in its path", fix: `use ${SHAPES}` } };
  }
  const shape = shapeOf(segments);
  return "problem" in shape ? { problem: shape } : { url, configUrl, shape };
}

/** What is wrong with a config URL, or undefined when it names an org, repo or enterprise. */
export function configUrlProblem(url: string): ConfigUrlProblem | undefined {
  const analysis = analyse(url);
  return "problem" in analysis ? analysis.problem : undefined;
}

export function parseConfigUrl(url: string, env: NodeJS.ProcessEnv = process.env): GitHubConfigUrl {
  const analysis = analyse(url);
  if ("problem" in analysis) {
    // The URL itself is left out: it may carry credentials.
    const { problem, fix } = analysis.problem;
    throw new InvalidConfigUrlError(`invalid config URL: ${problem} — ${fix}`);
  }
  const { url: parsed, configUrl, shape } = analysis;

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

  return { configUrl, ...shape, isHosted, apiBase };
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

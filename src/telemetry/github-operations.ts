/**
 * Names a GitHub request for spans and metrics: a bounded operation name and a URL template
 * (`url.template`) without ids, names or query strings, so neither carries a secret or an
 * unbounded value. Runs on every request: string scanning, no URL parser, no regex loop.
 */
export interface GitHubOperation {
  operation: string;
  template: string;
  /** Host and port of the request (`server.address`, `server.port`), when the URL has them. */
  host?: string;
  port?: number;
}

const QUEUE_TEMPLATES: Record<string, string> = {
  get_message: "/{queue}/message",
  delete_message: "/{queue}/message/{id}",
};

const OTHER = "/{path}";

export function classifyGitHubRequest(
  method: string,
  url: string,
  operation?: string,
): GitHubOperation {
  const origin = originOf(url);
  if (!origin) return { operation: operation ?? "other", template: OTHER };
  const { host, port } = origin;
  if (operation) return { operation, template: QUEUE_TEMPLATES[operation] ?? OTHER, host, port };
  const rest = url.slice(origin.length);
  const end = rest.search(/[?#]/);
  const path = end === -1 ? rest : rest.slice(0, end);
  const [name, template] = route(method, path);
  return { operation: name, template, host, port };
}

interface Origin {
  host: string;
  port: number;
  /** Characters of the URL the origin takes. */
  length: number;
}

/** Parsed origins by their text: a process talks to a handful of hosts, so this stays small. */
const origins = new Map<string, Origin | null>();
const MAX_ORIGINS = 64;

function originOf(url: string): Origin | null {
  const scheme = url.indexOf("://");
  if (scheme === -1) return null;
  let end = scheme + 3;
  while (end < url.length && !"/?#".includes(url.charAt(end))) end++;
  const text = url.slice(0, end);
  let origin = origins.get(text);
  if (origin === undefined) {
    origin = parseOrigin(text);
    if (origins.size >= MAX_ORIGINS) origins.clear();
    origins.set(text, origin);
  }
  return origin;
}

function parseOrigin(text: string): Origin | null {
  const match = /^(https?):\/\/(\[[^\]]+\]|[^/:?#@]+)(?::(\d+))?$/.exec(text);
  if (!match) return null;
  const port = match[3] ? Number(match[3]) : match[1] === "https" ? 443 : 80;
  // server.address is the bare IP for an IPv6 literal, without the URL's brackets.
  const host = (match[2] as string).replace(/^\[(.*)\]$/, "$1");
  return { host, port, length: text.length };
}

function route(method: string, path: string): [string, string] {
  const apis = path.indexOf("/_apis/");
  if (apis === -1) return restRoute(method, path);
  const s = path.slice(apis + 7).split("/");
  if (s[s.length - 1] === "") s.pop();
  if (s[0] === "runtime" && s[1] === "runnergroups" && method === "GET")
    return ["get_runner_group", "/_apis/runtime/runnergroups/"];
  if (s[0] === "runtime" && s[1] === "runnerscalesets") {
    const base = "/_apis/runtime/runnerscalesets";
    if (s.length === 2) {
      if (method === "GET") return ["find_scale_set", base];
      if (method === "POST") return ["create_scale_set", base];
    }
    if (s.length === 3) {
      const op = { GET: "get_scale_set", PATCH: "update_scale_set", DELETE: "delete_scale_set" }[
        method
      ];
      if (op) return [op, `${base}/{id}`];
    }
    if (s.length === 4 && method === "POST") {
      if (s[3] === "sessions") return ["create_session", `${base}/{id}/sessions`];
      if (s[3] === "generatejitconfig")
        return ["generate_jit_config", `${base}/{id}/generatejitconfig`];
      if (s[3] === "acquirejobs") return ["acquire_jobs", `${base}/{id}/acquirejobs`];
    }
    if (s.length === 5 && s[3] === "sessions") {
      if (method === "PATCH") return ["refresh_session", `${base}/{id}/sessions/{session}`];
      if (method === "DELETE") return ["delete_session", `${base}/{id}/sessions/{session}`];
    }
  }
  if (s[0] === "distributedtask" && s[1] === "pools" && s[3] === "agents") {
    const base = "/_apis/distributedtask/pools/{id}/agents";
    if (s.length === 4 && method === "GET") return ["list_runners", base];
    if (s.length === 5 && method === "GET") return ["get_runner", `${base}/{id}`];
    if (s.length === 5 && method === "DELETE") return ["remove_runner", `${base}/{id}`];
  }
  return ["other", OTHER];
}

/** The GitHub REST calls of the auth chain. */
function restRoute(method: string, path: string): [string, string] {
  if (method !== "POST") return ["other", OTHER];
  if (path.endsWith("/actions/runner-registration"))
    return ["runner_registration", "/actions/runner-registration"];
  if (path.endsWith("/actions/runners/registration-token"))
    return ["registration_token", "/{scope}/actions/runners/registration-token"];
  if (/\/app\/installations\/[^/]+\/access_tokens$/.test(path))
    return ["installation_token", "/app/installations/{id}/access_tokens"];
  return ["other", OTHER];
}

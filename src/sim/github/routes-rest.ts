import { badRequest, SimHttpError } from "./errors.js";
import { authToken, readJson } from "./http-io.js";
import { isRecord } from "./jwt.js";
import { json, type RouteCall, type RouteDef } from "./router.js";

/** GitHub REST API (GHES layout, under /api/v3): App token, registration token, runner-registration. */

const badCredentials = () => new SimHttpError(401, "", "Bad credentials");

function accessToken(call: RouteCall): void {
  const { tokens, world } = call.services;
  const jwt = authToken(call.req, "Bearer");
  if (!jwt || !tokens.verifyAppJwt(jwt)) {
    throw new SimHttpError(401, "", "A JSON web token could not be decoded");
  }
  if (Number(call.params[0]) !== world.options.app?.installationId) {
    throw new SimHttpError(404, "", "Not Found");
  }
  const issued = tokens.issueInstallationToken();
  json(call, 201, {
    token: issued.token,
    expires_at: issued.expiresAt.toISOString(),
    permissions: { organization_self_hosted_runners: "write", administration: "write" },
    repository_selection: "all",
  });
}

function restToken(call: RouteCall): string | undefined {
  // REST accepts both "Bearer" and the older "token" scheme.
  return authToken(call.req, "Bearer") ?? authToken(call.req, "token");
}

function registrationToken(call: RouteCall, scope: string): void {
  const token = restToken(call);
  if (!token || !call.services.tokens.isValidRestToken(token)) throw badCredentials();
  const denied = call.services.faults.takeRegistrationDenial();
  // GitHub's words for a PAT / an App installation without admin rights on the scope; 404 when
  // the credential cannot even see it.
  if (denied === 404) throw new SimHttpError(404, "", "Not Found");
  if (denied === 403) {
    const who = token.startsWith("ghs_") ? "integration" : "personal access token";
    throw new SimHttpError(403, "", `Resource not accessible by ${who}`);
  }
  const issued = call.services.tokens.issueRegistrationToken(scope);
  json(call, 201, { token: issued.token, expires_at: issued.expiresAt.toISOString() });
}

async function runnerRegistration(call: RouteCall): Promise<void> {
  const { tokens, faults, world } = call.services;
  if (faults.takeRegistrationAuthFailure()) throw badCredentials();
  const regToken = authToken(call.req, "RemoteAuth");
  const scope = regToken ? tokens.registrationScope(regToken) : undefined;
  if (!scope) throw badCredentials();
  const body = await readJson(call.req);
  if (!isRecord(body) || typeof body.url !== "string" || body.url === "") {
    throw badRequest("url is required");
  }
  if (body.runner_event !== "register") throw badRequest("runner_event must be 'register'");
  let path: string;
  try {
    path = new URL(body.url).pathname.replace(/^\/+|\/+$/g, "");
  } catch {
    throw badRequest("url is not a valid URL");
  }
  // The registration token only works for the scope it was issued for.
  if (path.toLowerCase() !== scope.toLowerCase()) throw new SimHttpError(404, "", "Not Found");
  json(call, 201, {
    url: world.actionsBase,
    token: tokens.issueAdminToken(body.url),
    token_schema: "OAuthAccessToken",
  });
}

const SEG = "([^/]+)";
const REG = "/actions/runners/registration-token/?$";

export const restRoutes: RouteDef[] = [
  {
    method: "POST",
    pattern: /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens\/?$/,
    name: "accessToken",
    kind: "rest",
    handle: accessToken,
  },
  {
    method: "POST",
    pattern: new RegExp(`^/api/v3/orgs/${SEG}${REG}`),
    name: "registrationToken",
    kind: "rest",
    handle: (call) => registrationToken(call, call.params[0] ?? ""),
  },
  {
    method: "POST",
    pattern: new RegExp(`^/api/v3/repos/${SEG}/${SEG}${REG}`),
    name: "registrationToken",
    kind: "rest",
    handle: (call) => registrationToken(call, `${call.params[0]}/${call.params[1]}`),
  },
  {
    method: "POST",
    pattern: new RegExp(`^/api/v3/enterprises/${SEG}${REG}`),
    name: "registrationToken",
    kind: "rest",
    handle: (call) => registrationToken(call, `enterprises/${call.params[0]}`),
  },
  {
    method: "POST",
    pattern: /^\/api\/v3\/actions\/runner-registration\/?$/,
    name: "runnerRegistration",
    kind: "rest",
    handle: runnerRegistration,
  },
];

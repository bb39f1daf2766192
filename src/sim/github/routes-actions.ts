import type { ScaleSetLabel } from "../../github/types.js";
import { requireAdmin, requireScaleSet } from "./auth.js";
import { badRequest, SimHttpError } from "./errors.js";
import { readJson } from "./http-io.js";
import { rematchUnmatched } from "./job-flow.js";
import { isRecord } from "./jwt.js";
import type { SimScaleSet } from "./model.js";
import { empty, json, type RouteCall, type RouteDef } from "./router.js";
import { deleteScaleSet } from "./scale-set-lifecycle.js";
import { list, scaleSetJson, sessionJson } from "./wire.js";

/** Actions service: runner groups, scale sets and message sessions (admin-token routes). */

const A = "^/tenant/123/_apis/runtime";

function getRunnerGroups(call: RouteCall): void {
  requireAdmin(call);
  const wanted = call.url.searchParams.get("groupName");
  const groups = call.services.world.runnerGroups.filter(
    (g) => wanted === null || g.name.toLowerCase() === wanted.toLowerCase(),
  );
  json(call, 200, list(groups.map((g) => ({ ...g, size: 0 }))));
}

function listScaleSets(call: RouteCall): void {
  requireAdmin(call);
  const { world } = call.services;
  const name = call.url.searchParams.get("name");
  const groupParam = call.url.searchParams.get("runnerGroupId");
  const groupId = groupParam === null ? undefined : Number(groupParam);
  const found = [...world.scaleSets.values()].filter(
    (s) =>
      (name === null || s.name === name) && (groupId === undefined || s.runnerGroupId === groupId),
  );
  json(call, 200, list(found.map((s) => scaleSetJson(world, s))));
}

function getScaleSet(call: RouteCall): void {
  requireAdmin(call);
  json(call, 200, scaleSetJson(call.services.world, requireScaleSet(call, call.params[0])));
}

/** Labels as sent by the SDK: objects with name and (possibly empty) type. */
function parseLabels(value: unknown): ScaleSetLabel[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest("labels must be an array");
  return value.map((l: unknown) => {
    if (!isRecord(l) || typeof l.name !== "string" || l.name === "") {
      throw badRequest("every label needs a name");
    }
    return { name: l.name, type: typeof l.type === "string" && l.type !== "" ? l.type : "System" };
  });
}

function parseRunnerSetting(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const value = body.RunnerSetting ?? body.runnerSetting;
  return isRecord(value) ? { ...value } : undefined;
}

function checkGroup(call: RouteCall, runnerGroupId: number): void {
  if (!call.services.world.runnerGroups.some((g) => g.id === runnerGroupId)) {
    throw new SimHttpError(
      404,
      "RunnerGroupNotFoundException",
      `Runner group ${runnerGroupId} not found.`,
    );
  }
}

function checkNameFree(call: RouteCall, name: string, groupId: number, self?: SimScaleSet): void {
  for (const other of call.services.world.scaleSets.values()) {
    if (other !== self && other.runnerGroupId === groupId && other.name === name) {
      throw new SimHttpError(
        409,
        "RunnerScaleSetExistsException",
        `A runner scale set named ${name} already exists in this runner group.`,
      );
    }
  }
}

async function createScaleSet(call: RouteCall): Promise<void> {
  requireAdmin(call);
  const body = await readJson(call.req);
  // Go zero values (id 0, createdOn 0001-…, RunnerSetting {}) are accepted and ignored.
  if (!isRecord(body) || typeof body.name !== "string" || body.name === "") {
    throw badRequest("name is required");
  }
  const runnerGroupId =
    typeof body.runnerGroupId === "number" && body.runnerGroupId > 0 ? body.runnerGroupId : 1;
  checkGroup(call, runnerGroupId);
  checkNameFree(call, body.name, runnerGroupId);
  const labels = parseLabels(body.labels);
  const { world } = call.services;
  const scaleSet = world.addScaleSet({
    name: body.name,
    runnerGroupId,
    labels: labels && labels.length > 0 ? labels : [{ name: body.name, type: "System" }],
    runnerSetting: parseRunnerSetting(body) ?? {},
  });
  rematchUnmatched(world);
  json(call, 200, scaleSetJson(world, scaleSet));
}

async function updateScaleSet(call: RouteCall): Promise<void> {
  requireAdmin(call);
  const scaleSet = requireScaleSet(call, call.params[0]);
  const body = await readJson(call.req);
  if (!isRecord(body)) throw badRequest("body must be a JSON object");
  const { world } = call.services;
  const runnerGroupId =
    typeof body.runnerGroupId === "number" && body.runnerGroupId > 0
      ? body.runnerGroupId
      : scaleSet.runnerGroupId;
  const name = typeof body.name === "string" && body.name !== "" ? body.name : scaleSet.name;
  checkGroup(call, runnerGroupId);
  checkNameFree(call, name, runnerGroupId, scaleSet);
  scaleSet.name = name;
  scaleSet.runnerGroupId = runnerGroupId;
  const labels = parseLabels(body.labels);
  if (labels && labels.length > 0) world.setScaleSetLabels(scaleSet, labels);
  const setting = parseRunnerSetting(body);
  if (setting) scaleSet.runnerSetting = { ...scaleSet.runnerSetting, ...setting };
  rematchUnmatched(world);
  json(call, 200, scaleSetJson(world, scaleSet));
}

function removeScaleSet(call: RouteCall): void {
  requireAdmin(call);
  deleteScaleSet(call.services.world, requireScaleSet(call, call.params[0]));
  empty(call, 204);
}

async function createSession(call: RouteCall): Promise<void> {
  requireAdmin(call);
  const { world, faults, tokens } = call.services;
  const scaleSet = requireScaleSet(call, call.params[0]);
  // Body: {"ownerName":…} and, from the Go SDK, a zero sessionId; both tolerated.
  const body = await readJson(call.req);
  const ownerName =
    isRecord(body) && typeof body.ownerName === "string" && body.ownerName !== ""
      ? body.ownerName
      : "unknown";
  const existing = scaleSet.session;
  if (existing && world.isSessionStale(existing)) world.deleteSession(existing);
  if (faults.takeSessionConflict() || scaleSet.session) {
    throw new SimHttpError(
      409,
      "RunnerScaleSetSessionConflictException",
      `The actions runner scaleset ${scaleSet.name} already has an active session.`,
    );
  }
  const session = world.createSession(scaleSet, ownerName);
  const token = tokens.issueQueueToken({
    sessionId: session.id,
    scaleSetId: scaleSet.id,
    generation: session.generation,
  });
  world.changed();
  json(call, 200, sessionJson(world, session, scaleSet, token));
}

function findSession(call: RouteCall) {
  const scaleSet = requireScaleSet(call, call.params[0]);
  const session = call.services.world.sessions.get(call.params[1] ?? "");
  if (!session || session.scaleSetId !== scaleSet.id) {
    throw new SimHttpError(
      404,
      "RunnerScaleSetSessionNotFoundException",
      `No session ${call.params[1]} found for runner scale set ${scaleSet.name}.`,
    );
  }
  return { scaleSet, session };
}

function refreshSession(call: RouteCall): void {
  requireAdmin(call);
  const { scaleSet, session } = findSession(call);
  session.generation++; // the previous queue token is superseded
  session.lastActivity = Date.now();
  const token = call.services.tokens.issueQueueToken({
    sessionId: session.id,
    scaleSetId: scaleSet.id,
    generation: session.generation,
  });
  json(call, 200, sessionJson(call.services.world, session, scaleSet, token));
}

function deleteSession(call: RouteCall): void {
  requireAdmin(call);
  const { session } = findSession(call);
  call.services.world.deleteSession(session);
  call.services.world.changed();
  empty(call, 204);
}

const route = (
  method: RouteDef["method"],
  path: string,
  name: RouteDef["name"],
  handle: RouteDef["handle"],
): RouteDef => ({ method, pattern: new RegExp(`${A}${path}$`), name, kind: "actions", handle });

export const actionsRoutes: RouteDef[] = [
  route("GET", "/runnergroups/?", "getRunnerGroups", getRunnerGroups),
  route("GET", "/runnerscalesets/?", "listScaleSets", listScaleSets),
  route("POST", "/runnerscalesets/?", "createScaleSet", createScaleSet),
  route("GET", "/runnerscalesets/(\\d+)/?", "getScaleSet", getScaleSet),
  route("PATCH", "/runnerscalesets/(\\d+)/?", "updateScaleSet", updateScaleSet),
  route("DELETE", "/runnerscalesets/(\\d+)/?", "deleteScaleSet", removeScaleSet),
  route("POST", "/runnerscalesets/(\\d+)/sessions/?", "createSession", createSession),
  route("PATCH", "/runnerscalesets/(\\d+)/sessions/([^/]+)/?", "refreshSession", refreshSession),
  route("DELETE", "/runnerscalesets/(\\d+)/sessions/([^/]+)/?", "deleteSession", deleteSession),
];

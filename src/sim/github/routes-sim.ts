import { badRequest, SimHttpError } from "./errors.js";
import type { AgentListingMode } from "./faults.js";
import { readJson } from "./http-io.js";
import { decodeJitConfig } from "./jit-config.js";
import { cancelJob, enqueueJobs, runnerDisconnected, runnerReady } from "./job-flow.js";
import { isRecord } from "./jwt.js";
import type { RunOutcome } from "./model.js";
import { isRouteName, type RouteName } from "./route-names.js";
import { empty, json, type RouteCall, type RouteDef } from "./router.js";
import { buildSnapshot } from "./snapshot.js";

/** Sim-only endpoints: the simulated runner process, fault injection, jobs and snapshots. */

/**
 * A JIT runner's whole life in one request: authenticate with the JIT config, go online, wait
 * for an assigned job, run it, report. The connection dropping = the machine was deleted.
 */
async function runnerRun(call: RouteCall): Promise<void> {
  const { world } = call.services;
  const body = await readJson(call.req);
  if (!isRecord(body) || typeof body.jitConfig !== "string") {
    throw badRequest('body must be {"jitConfig": "<encoded JIT config>"}');
  }
  const config = decodeJitConfig(body.jitConfig);
  if (!config) throw badRequest("The JIT config is malformed.");
  const runner = world.runners.get(config.runner.agentId);
  if (!runner || runner.name !== config.runner.agentName) {
    throw new SimHttpError(
      404,
      "AgentNotFoundException",
      "The runner registration does not exist.",
    );
  }
  const credentials = config.credentials?.data;
  if (
    credentials?.clientId !== runner.clientId ||
    credentials.clientSecret !== runner.clientSecret
  ) {
    throw new SimHttpError(401, "UnauthorizedRequestException", "Invalid runner credentials.");
  }
  if (runner.used) {
    throw new SimHttpError(
      401,
      "UnauthorizedRequestException",
      "This JIT runner configuration has already been used.",
    );
  }
  runner.used = true;
  const outcome = await new Promise<RunOutcome>((resolve) => {
    let settled = false;
    runner.waiter = {
      settle: (result) => {
        settled = true;
        resolve(result);
      },
    };
    call.res.on("close", () => {
      if (settled) return;
      settled = true;
      runnerDisconnected(world, runner);
      resolve({ kind: "stopped" });
    });
    runnerReady(world, runner);
  });
  if (outcome.kind === "completed") {
    json(call, 200, { jobId: outcome.jobId, result: outcome.result });
  } else if (outcome.kind === "removed") {
    throw new SimHttpError(410, "AgentNotFoundException", "The runner registration was removed.");
  }
}

function applyFault(call: RouteCall, body: Record<string, unknown>): void {
  const { faults } = call.services;
  const num = (key: string, fallback?: number): number => {
    const value = body[key] ?? fallback;
    if (typeof value !== "number") throw badRequest(`${key} must be a number`);
    return value;
  };
  const optionalNum = (key: string): number | undefined =>
    body[key] === undefined ? undefined : num(key);
  try {
    switch (body.type) {
      case "sessionConflicts":
      case "emptyOkPolls":
      case "registrationAuthFailures":
        faults[body.type](num("count", 1));
        return;
      case "jitFailures":
        faults.jitFailures(num("count", 1), num("status", 500));
        return;
      case "expireQueueTokens":
      case "expireAdminTokens":
        faults[body.type]();
        return;
      case "serverErrors":
        faults.serverErrors(
          num("count", 1),
          num("status", 503),
          routeList(body.routes),
          optionalNum("retryAfterSeconds"),
        );
        return;
      case "slow":
        faults.slow(num("ms"), num("count", 1), routeList(body.routes));
        return;
      case "deleteScaleSet":
        faults.deleteScaleSet(num("scaleSetId"));
        return;
      case "hold":
        faults.hold(routeList(body.routes) ?? [], num("count", 1));
        return;
      case "poisonMessages":
        faults.poisonMessages(num("count", 1));
        return;
      case "agentListing":
        if (typeof body.mode !== "string") throw badRequest("mode must be full, empty or error");
        faults.agentListing(body.mode as AgentListingMode);
        return;
      case "agentStatus":
        if (typeof body.present !== "boolean") throw badRequest("present must be a boolean");
        faults.agentStatus(body.present);
        return;
      default:
        throw badRequest("unknown fault type");
    }
  } catch (error) {
    if (error instanceof RangeError) throw badRequest(error.message);
    throw error;
  }
}

function routeList(routes: unknown): RouteName[] | undefined {
  if (routes === undefined) return undefined;
  if (!(Array.isArray(routes) && routes.every(isRouteName))) {
    throw badRequest("routes must be an array of route names");
  }
  return routes;
}

async function postFault(call: RouteCall): Promise<void> {
  const body = await readJson(call.req);
  if (!isRecord(body)) throw badRequest('body must be {"type": "<fault>", …}');
  applyFault(call, body);
  json(call, 200, { applied: call.services.faults.applied });
}

async function postJobs(call: RouteCall): Promise<void> {
  const body = await readJson(call.req);
  const labels = isRecord(body) ? body.labels : undefined;
  const labelList = typeof labels === "string" ? [labels] : labels;
  if (
    !isRecord(body) ||
    !Array.isArray(labelList) ||
    !labelList.every((l) => typeof l === "string") ||
    labelList.length === 0 ||
    (body.count !== undefined && (!Number.isInteger(body.count) || Number(body.count) < 0))
  ) {
    throw badRequest('body must be {"labels": [...], "count": n, "durationMs"?, "result"?}');
  }
  const ids = enqueueJobs(call.services.world, labelList as string[], Number(body.count ?? 1), {
    durationMs: typeof body.durationMs === "number" ? body.durationMs : undefined,
    result: typeof body.result === "string" ? body.result : undefined,
  });
  json(call, 201, { jobIds: ids });
}

function postCancel(call: RouteCall): void {
  if (!cancelJob(call.services.world, call.params[0] ?? "")) {
    throw new SimHttpError(404, "JobNotFoundException", "No such job or already completed.");
  }
  empty(call, 204);
}

function getSnapshot(call: RouteCall): void {
  json(call, 200, buildSnapshot(call.services.world, call.services.faults.applied));
}

const sim = (
  method: RouteDef["method"],
  pattern: RegExp,
  name: RouteDef["name"],
  handle: RouteDef["handle"],
): RouteDef => ({ method, pattern, name, kind: "sim", handle });

export const simRoutes: RouteDef[] = [
  sim("POST", /^\/_sim\/runner\/run\/?$/, "simRunnerRun", runnerRun),
  sim("POST", /^\/_sim\/faults\/?$/, "simFaults", postFault),
  sim("POST", /^\/_sim\/jobs\/?$/, "simJobs", postJobs),
  sim("POST", /^\/_sim\/jobs\/([^/]+)\/cancel\/?$/, "simCancelJob", postCancel),
  sim("GET", /^\/_sim\/snapshot\/?$/, "simSnapshot", getSnapshot),
];

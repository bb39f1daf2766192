import { requireAdmin, requireQueueSession, requireScaleSet } from "./auth.js";
import { badRequest, SimHttpError } from "./errors.js";
import { readJson } from "./http-io.js";
import { encodeJitConfig } from "./jit-config.js";
import { acquirableJobJson } from "./job-events.js";
import { acquireJobs, registerRunner, removeRunner } from "./job-flow.js";
import { isRecord } from "./jwt.js";
import type { SimRunner } from "./model.js";
import { empty, json, type RouteCall, type RouteDef } from "./router.js";
import { agentJson, list } from "./wire.js";

/** Actions service: JIT runner configs, runner registrations (pool 0 agents) and job acquisition. */

async function generateJitConfig(call: RouteCall): Promise<void> {
  const claims = requireAdmin(call);
  const { world, faults } = call.services;
  const scaleSet = requireScaleSet(call, call.params[0]);
  const failure = faults.takeJitFailure();
  if (failure) {
    throw new SimHttpError(
      failure,
      "InternalServerErrorException",
      "JIT config generation failed (injected).",
    );
  }
  const body = await readJson(call.req);
  if (!isRecord(body) || typeof body.name !== "string" || body.name === "") {
    throw badRequest("name is required");
  }
  if (world.runnersByName.has(body.name)) {
    throw new SimHttpError(
      409,
      "AgentExistsException",
      `A runner with the name ${body.name} already exists.`,
    );
  }
  const runner = registerRunner(world, scaleSet, body.name);
  const encodedJITConfig = encodeJitConfig(
    {
      agentId: runner.id,
      agentName: runner.name,
      poolId: 0,
      poolName: "Default",
      serverUrl: world.url,
      gitHubUrl: claims.configUrl,
      workFolder:
        typeof body.workFolder === "string" && body.workFolder ? body.workFolder : "_work",
      ephemeral: true,
      disableUpdate: scaleSet.runnerSetting.disableUpdate === true,
    },
    {
      scheme: "OAuth",
      data: {
        clientId: runner.clientId,
        clientSecret: runner.clientSecret,
        authorizationUrl: `${world.url}/_sim/oauth2/token/${runner.clientId}`,
      },
    },
  );
  json(call, 200, { runner: agentJson(world, runner), encodedJITConfig });
}

function findRunner(call: RouteCall): SimRunner {
  const runner = call.services.world.runners.get(Number(call.params[0]));
  if (!runner) {
    throw new SimHttpError(
      404,
      "AgentNotFoundException",
      `No runner found with identifier ${call.params[0]}.`,
    );
  }
  return runner;
}

/** An agent as the service answers it; without `status`/`busy` when the fault says so. */
function agentAnswer(call: RouteCall, runner: SimRunner): Record<string, unknown> {
  const agent = agentJson(call.services.world, runner);
  if (!call.services.faults.takeAgentStatus()) {
    delete agent.status;
    delete agent.busy;
  }
  return agent;
}

function getRunner(call: RouteCall): void {
  requireAdmin(call);
  json(call, 200, agentAnswer(call, findRunner(call)));
}

function listRunners(call: RouteCall): void {
  requireAdmin(call);
  const { world, faults } = call.services;
  const name = call.url.searchParams.get("agentName");
  let runners: SimRunner[];
  if (name !== null) {
    runners = [world.runnersByName.get(name)].filter((r): r is SimRunner => r !== undefined);
  } else {
    // The unfiltered listing is undocumented: act out its worst answers on request.
    const mode = faults.takeAgentListing();
    if (mode === "error") {
      throw new SimHttpError(500, "InternalServerErrorException", "Listing agents failed.");
    }
    runners = mode === "empty" ? [] : [...world.runners.values()];
  }
  json(call, 200, list(runners.map((r) => agentAnswer(call, r))));
}

function deleteRunner(call: RouteCall): void {
  requireAdmin(call);
  const runner = findRunner(call);
  if (runner.busy) {
    throw new SimHttpError(
      400,
      "JobStillRunningException",
      `The runner ${runner.name} is currently running a job and cannot be deleted.`,
    );
  }
  removeRunner(call.services.world, runner);
  empty(call, 204);
}

async function acquire(call: RouteCall): Promise<void> {
  // acquirejobs is authorized by the message-queue token, not the admin token.
  requireQueueSession(call, Number(call.params[0]));
  const scaleSet = requireScaleSet(call, call.params[0]);
  const body = await readJson(call.req);
  if (!Array.isArray(body) || !body.every((id) => Number.isInteger(id))) {
    throw badRequest("body must be a JSON array of runner request ids");
  }
  const acquired = acquireJobs(call.services.world, scaleSet, body as number[]);
  json(call, 200, list(acquired));
}

/** Legacy listing of jobs waiting to be acquired (used by old ARC listeners at startup). */
function acquirableJobs(call: RouteCall): void {
  requireAdmin(call);
  const { world } = call.services;
  const scaleSet = requireScaleSet(call, call.params[0]);
  const jobs = [...world.jobs.values()].filter(
    (j) => j.scaleSetId === scaleSet.id && j.state === "available",
  );
  if (jobs.length === 0) {
    empty(call, 204);
    return;
  }
  json(call, 200, list(jobs.map((j) => acquirableJobJson(world, j))));
}

const RT = "^/tenant/123/_apis/runtime/runnerscalesets/(\\d+)";
const AGENTS = "^/tenant/123/_apis/distributedtask/pools/0/agents";

export const agentRoutes: RouteDef[] = [
  {
    method: "POST",
    pattern: new RegExp(`${RT}/generatejitconfig/?$`),
    name: "generateJitConfig",
    kind: "actions",
    handle: generateJitConfig,
  },
  {
    method: "POST",
    pattern: new RegExp(`${RT}/acquirejobs/?$`),
    name: "acquireJobs",
    kind: "actions",
    handle: acquire,
  },
  {
    method: "GET",
    pattern: new RegExp(`${RT}/acquirablejobs/?$`),
    name: "acquirableJobs",
    kind: "actions",
    handle: acquirableJobs,
  },
  {
    method: "GET",
    pattern: new RegExp(`${AGENTS}/?$`),
    name: "listRunners",
    kind: "actions",
    handle: listRunners,
  },
  {
    method: "GET",
    pattern: new RegExp(`${AGENTS}/(\\d+)/?$`),
    name: "getRunner",
    kind: "actions",
    handle: getRunner,
  },
  {
    method: "DELETE",
    pattern: new RegExp(`${AGENTS}/(\\d+)/?$`),
    name: "deleteRunner",
    kind: "actions",
    handle: deleteRunner,
  },
];

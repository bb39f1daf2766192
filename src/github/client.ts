/**
 * Client of the Actions service ("A" in protocol reference §0): runner groups, scale sets,
 * sessions, JIT configs and runners. Every call gets a fresh-enough admin token first (§2.5);
 * the plumbing (HTTP clients, auth, User-Agent) is in ActionsTransport.
 */
import { ActionsTransport } from "./actions-transport.js";
import {
  type AcquirableJob,
  decodeAcquirableJob,
  decodeJitConfig,
  decodeResponse,
  decodeRunnerGroup,
  decodeRunnerReference,
  decodeScaleSet,
  decodeSession,
  listValues,
} from "./decode.js";
import {
  MessageQueueTokenExpiredError,
  ProtocolError,
  RunnerExistsError,
  RunnerGroupNotFoundError,
  ScaleSetNotFoundError,
  SessionConflictError,
} from "./errors.js";
import { scaleSetBody } from "./scale-set-body.js";
import type {
  CreateScaleSetInput,
  JitRunnerConfig,
  MessageSession,
  RunnerGroup,
  RunnerReference,
  RunnerScaleSet,
} from "./types.js";
import type { QueryParams } from "./url.js";

export type {
  ActionsClientOptions,
  QueueRequest,
  UserAgentInfo,
} from "./actions-transport.js";

const DEFAULT_GROUP_ID = 1;

export class ActionsClient extends ActionsTransport {
  /** Runs the full auth chain once (registration token → admin token); throws on failure. */
  async validateCredentials(): Promise<void> {
    await this.auth.refresh();
  }

  async getRunnerGroupByName(name: string): Promise<RunnerGroup> {
    if (name.toLowerCase() === "default") {
      return { id: DEFAULT_GROUP_ID, name: "Default", isDefaultGroup: true };
    }
    // The trailing slash before "?" is what the SDK sends (§4.1).
    const res = await this.admin("GET", "/_apis/runtime/runnergroups/", {
      query: { groupName: name },
    });
    this.assertStatus(res, [200]);
    const groups = decodeResponse(res, "runner groups", (json) =>
      listValues(json, "runner groups").map(decodeRunnerGroup),
    );
    if (groups.length === 0) throw new RunnerGroupNotFoundError(name);
    if (groups.length > 1) {
      throw new ProtocolError(`${groups.length} runner groups found with name "${name}"`);
    }
    return groups[0]!;
  }

  async getScaleSetByName(runnerGroupId: number, name: string): Promise<RunnerScaleSet | null> {
    const res = await this.admin("GET", "/_apis/runtime/runnerscalesets", {
      query: { runnerGroupId, name },
    });
    this.assertStatus(res, [200]);
    const sets = decodeResponse(res, "runner scale sets", (json) =>
      listValues(json, "runner scale sets").map(decodeScaleSet),
    );
    if (sets.length > 1) {
      throw new ProtocolError(`${sets.length} scale sets found with name "${name}"`);
    }
    return sets[0] ?? null;
  }

  async getScaleSet(id: number): Promise<RunnerScaleSet> {
    const res = await this.admin("GET", `/_apis/runtime/runnerscalesets/${id}`);
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async createScaleSet(input: CreateScaleSetInput): Promise<RunnerScaleSet> {
    if (!input.name) throw new Error("createScaleSet: name is required");
    const res = await this.admin("POST", "/_apis/runtime/runnerscalesets", {
      body: scaleSetBody(input, true),
    });
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async updateScaleSet(id: number, patch: Partial<CreateScaleSetInput>): Promise<RunnerScaleSet> {
    const res = await this.admin("PATCH", `/_apis/runtime/runnerscalesets/${id}`, {
      body: scaleSetBody(patch, false),
    });
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async deleteScaleSet(id: number): Promise<void> {
    const res = await this.admin("DELETE", `/_apis/runtime/runnerscalesets/${id}`);
    this.assertStatus(res, [204, 200], { 404: ScaleSetNotFoundError });
  }

  async createSession(scaleSetId: number, ownerName: string): Promise<MessageSession> {
    const res = await this.admin("POST", `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions`, {
      body: { ownerName },
    });
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError, 409: SessionConflictError });
    return decodeResponse(res, "message session", decodeSession);
  }

  async refreshSession(scaleSetId: number, sessionId: string): Promise<MessageSession> {
    const res = await this.admin("PATCH", sessionPath(scaleSetId, sessionId));
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "message session", decodeSession);
  }

  /** `signal` bounds the call (at shutdown: what is left of the grace). */
  async deleteSession(scaleSetId: number, sessionId: string, signal?: AbortSignal): Promise<void> {
    const res = await this.admin("DELETE", sessionPath(scaleSetId, sessionId), { signal });
    this.assertStatus(res, [204, 200]);
  }

  async generateJitConfig(
    scaleSetId: number,
    runnerName: string,
    workFolder = "",
  ): Promise<JitRunnerConfig> {
    const res = await this.admin(
      "POST",
      `/_apis/runtime/runnerscalesets/${scaleSetId}/generatejitconfig`,
      { body: { name: runnerName, workFolder } },
    );
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError, 409: RunnerExistsError });
    return decodeResponse(res, "JIT config", decodeJitConfig);
  }

  /** null when the runner is no longer registered (404 AgentNotFound). */
  async getRunner(runnerId: number): Promise<RunnerReference | null> {
    const res = await this.admin("GET", `/_apis/distributedtask/pools/0/agents/${runnerId}`);
    if (res.status === 404) return null;
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runner", decodeRunnerReference);
  }

  async getRunnerByName(name: string): Promise<RunnerReference | null> {
    const runners = await this.listAgents({ agentName: name });
    if (runners.length > 1) {
      throw new ProtocolError(`${runners.length} runners found with name "${name}"`);
    }
    return runners[0] ?? null;
  }

  /**
   * Runners of one scale set. UNVERIFIED against github.com: listing the pool's agents without
   * `agentName` is inferred from the by-name route; results are filtered client-side.
   */
  async listRunners(scaleSetId: number): Promise<RunnerReference[]> {
    const runners = await this.listAgents({});
    // An entry we cannot place would silently vanish from the filter: the answer is unusable.
    if (runners.some((r) => !(r.runnerScaleSetId > 0) || !(r.id > 0) || r.name === "")) {
      throw new ProtocolError("runner listing: an entry lacks id, name or runnerScaleSetId");
    }
    return runners.filter((r) => r.runnerScaleSetId === scaleSetId);
  }

  /** Resolves when removed or already gone; JobStillRunningError when the runner is busy. */
  async removeRunner(runnerId: number): Promise<void> {
    const res = await this.admin("DELETE", `/_apis/distributedtask/pools/0/agents/${runnerId}`);
    if (res.status === 404) return; // gone already (unverified status for DELETE, pitfall 13)
    this.assertStatus(res, [204, 200]);
  }

  /**
   * POST acquirejobs with the message-queue token (§4.12). Prefer MessageQueueClient.acquireJobs,
   * which refreshes the session on 401.
   */
  async acquireJobsWithQueueToken(
    scaleSetId: number,
    runnerRequestIds: number[],
    queueToken: string,
    signal?: AbortSignal,
  ): Promise<number[]> {
    const res = await this.admin(
      "POST",
      `/_apis/runtime/runnerscalesets/${scaleSetId}/acquirejobs`,
      { body: runnerRequestIds, token: queueToken, signal, callClass: "acquire" },
    );
    this.assertStatus(res, [200], { 401: MessageQueueTokenExpiredError }, [queueToken]);
    return decodeResponse(res, "acquired jobs", (json) =>
      listValues(json, "acquired jobs").filter((v): v is number => typeof v === "number"),
    );
  }

  /**
   * GET acquirablejobs (§4.13, the legacy ARC listener's start-up call): JobAvailable jobs of
   * the scale set nobody acquired yet. 204, an empty body and 404 (a server without the route)
   * all mean none.
   */
  async getAcquirableJobs(scaleSetId: number, signal?: AbortSignal): Promise<AcquirableJob[]> {
    const res = await this.admin(
      "GET",
      `/_apis/runtime/runnerscalesets/${scaleSetId}/acquirablejobs`,
      { signal, operation: "get_acquirable_jobs" },
    );
    if (res.status === 204 || res.status === 404) return [];
    this.assertStatus(res, [200]);
    if (res.body.trim() === "") return [];
    return decodeResponse(res, "acquirable jobs", (json) =>
      listValues(json, "acquirable jobs").flatMap(decodeAcquirableJob),
    );
  }

  private async listAgents(query: QueryParams): Promise<RunnerReference[]> {
    const res = await this.admin("GET", "/_apis/distributedtask/pools/0/agents", { query });
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runners", (json) =>
      listValues(json, "runners").map(decodeRunnerReference),
    );
  }
}

function sessionPath(scaleSetId: number, sessionId: string): string {
  return `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions/${encodeURIComponent(sessionId)}`;
}

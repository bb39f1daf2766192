import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type FaultInjector, Faults } from "./faults.js";
import { cancelJob, type EnqueueJobOptions, enqueueJobs } from "./job-flow.js";
import { type GitHubSimOptions, resolveSimOptions } from "./options.js";
import { createDispatcher, type RouteDef } from "./router.js";
import { actionsRoutes } from "./routes-actions.js";
import { agentRoutes } from "./routes-agents.js";
import { brokerRoutes } from "./routes-broker.js";
import { restRoutes } from "./routes-rest.js";
import { runRoutes } from "./routes-runs.js";
import { simRoutes } from "./routes-sim.js";
import type { SimRuns } from "./runs.js";
import { deleteScaleSet } from "./scale-set-lifecycle.js";
import { buildSnapshot, type SimSnapshot } from "./snapshot.js";
import { TokenService } from "./tokens.js";
import { SimWorld } from "./world.js";

/** A protocol-faithful fake of GitHub (REST auth, Actions service, message broker) on loopback. */
export interface GitHubSim {
  /** Base URL, e.g. http://127.0.0.1:PORT (a loopback host puts clients in GHES mode). */
  readonly url: string;
  /** Actions-service base URL A returned by runner-registration (`${url}/tenant/123/`). */
  readonly actionsUrl: string;
  /** Config URL for a scope: "my-org" (default), "org/repo" or "enterprises/name". */
  configUrl(scope?: string): string;
  /** Adds `count` jobs requesting `labels`; returns their job ids. */
  enqueueJobs(labels: string[] | string, count: number, opts?: EnqueueJobOptions): string[];
  /** Cancels a job that has not completed; false when unknown or already completed. */
  cancelJob(jobId: string): boolean;
  /** Starts a workflow run of `count` jobs (add more with enqueueJobs and `runId`). */
  enqueueRun(
    labels: string[] | string,
    count: number,
    opts?: Omit<EnqueueJobOptions, "runId">,
  ): { runId: number; jobIds: string[] };
  /** The workflow runs (REST runs endpoints) and their knobs. */
  readonly runs: SimRuns;
  snapshot(): SimSnapshot;
  readonly faults: FaultInjector;
  /**
   * Resolves with the first snapshot satisfying `predicate`, re-evaluated after state changes
   * (coalesced, never busy polling); rejects after `timeoutMs`.
   */
  waitFor(predicate: (snapshot: SimSnapshot) => boolean, timeoutMs?: number): Promise<SimSnapshot>;
  /** Called after state changes (many changes in one tick may call it many times). */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

const ROUTES: readonly RouteDef[] = [
  ...restRoutes,
  ...runRoutes,
  ...actionsRoutes,
  ...agentRoutes,
  ...brokerRoutes,
  ...simRoutes,
];

/** Minimum spacing of waitFor re-evaluations, so a burst of changes builds few snapshots. */
const WAIT_FOR_COALESCE_MS = 5;

export async function startGitHubSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  const resolved = resolveSimOptions(options);
  const tokens = await TokenService.create(resolved);
  const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 });
  // Runner requests and long polls stay open for minutes; never time them out server-side.
  server.headersTimeout = 60_000;
  server.timeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: resolved.port, backlog: 4096 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const world = new SimWorld(resolved, `http://127.0.0.1:${port}`);
  const faults = new Faults({
    expireQueueTokens: () => {
      for (const session of world.sessions.values()) session.generation++;
    },
    expireAdminTokens: () => tokens.expireAdminTokens(),
    deleteScaleSet: (id) => {
      const scaleSet = world.scaleSets.get(id);
      if (scaleSet) deleteScaleSet(world, scaleSet);
    },
  });
  server.on("request", createDispatcher(ROUTES, { world, tokens, faults }));
  resolved.logger?.info({ url: world.url, jobMode: resolved.jobMode }, "github sim listening");
  return new RunningSim(server, world, faults);
}

class RunningSim implements GitHubSim {
  readonly url: string;
  readonly actionsUrl: string;
  readonly faults: Faults;
  readonly #server: Server;
  readonly #world: SimWorld;

  constructor(server: Server, world: SimWorld, faults: Faults) {
    this.#server = server;
    this.#world = world;
    this.faults = faults;
    this.url = world.url;
    this.actionsUrl = world.actionsBase;
  }

  configUrl(scope = "my-org"): string {
    return `${this.url}/${scope.replace(/^\/+|\/+$/g, "")}`;
  }

  enqueueJobs(labels: string[] | string, count: number, opts?: EnqueueJobOptions): string[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError("count must be an integer >= 0");
    }
    const list = typeof labels === "string" ? [labels] : labels;
    if (list.length === 0) throw new RangeError("a job needs at least one label");
    return enqueueJobs(this.#world, list, count, opts);
  }

  cancelJob(jobId: string): boolean {
    return cancelJob(this.#world, jobId);
  }

  enqueueRun(
    labels: string[] | string,
    count: number,
    opts: Omit<EnqueueJobOptions, "runId"> = {},
  ): { runId: number; jobIds: string[] } {
    const runId = this.#world.runs.newRunId();
    return { runId, jobIds: this.enqueueJobs(labels, count, { ...opts, runId }) };
  }

  get runs(): SimRuns {
    return this.#world.runs;
  }

  snapshot(): SimSnapshot {
    return buildSnapshot(this.#world, this.faults.applied);
  }

  onChange(listener: () => void): () => void {
    return this.#world.onChange(listener);
  }

  waitFor(predicate: (snapshot: SimSnapshot) => boolean, timeoutMs = 10_000): Promise<SimSnapshot> {
    return new Promise((resolve, reject) => {
      let pending: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        unsubscribe();
        clearTimeout(deadline);
        clearTimeout(pending);
      };
      const check = (): void => {
        pending = undefined;
        const snapshot = this.snapshot();
        let satisfied: boolean;
        try {
          satisfied = predicate(snapshot);
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (satisfied) {
          cleanup();
          resolve(snapshot);
        }
      };
      const unsubscribe = this.#world.onChange(() => {
        pending ??= setTimeout(check, WAIT_FOR_COALESCE_MS);
      });
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`github sim: waitFor timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      check();
    });
  }

  async stop(): Promise<void> {
    const world = this.#world;
    if (world.stopped) return;
    world.stopped = true;
    for (const job of world.jobs.values()) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = null;
    }
    for (const session of [...world.sessions.values()]) world.deleteSession(session);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}

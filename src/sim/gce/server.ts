import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GceCatalog } from "./catalog.js";
import { rateLimitExceeded, serviceDisabled } from "./compute-errors.js";
import { GceHttpError, readText, sendError, sendJson } from "./http-io.js";
import { routeCompute } from "./routes.js";
import { routeIam } from "./routes-iam.js";
import { TokenIssuer, unauthenticated } from "./token.js";
import type {
  GceCounters,
  GceFaults,
  GceInstanceView,
  GceRecordedRequest,
  GceSimOptions,
} from "./types.js";
import { GceWorld } from "./world.js";

/**
 * A protocol-faithful fake of the Compute Engine REST API (instances insert/get/list/delete,
 * aggregatedList, zone operations get/wait) plus an OAuth token endpoint, on loopback. Its VMs
 * run the simulated runner against the GitHub simulator. The real `@google-cloud/compute`
 * client talks to it with `apiEndpoint: 127.0.0.1, port, protocol: http`.
 */

export interface GceSim {
  /** Base URL, e.g. http://127.0.0.1:41234 — what `engine.gcp.api_endpoint` takes. */
  url: string;
  /** The token endpoint: `token_url` of an external_account credential file. */
  tokenUrl: string;
  faults: GceFaults;
  /** Images, networks, service accounts and quotas that exist (what validate reads). */
  catalog: GceCatalog;
  counters: GceCounters;
  /** Every compute API request, in arrival order (token requests excluded). */
  requests: GceRecordedRequest[];
  /** Grant types of the tokens issued so far. */
  tokenGrants(): string[];
  /** VMs that exist, whatever their status. */
  instances(): GceInstanceView[];
  /** Test control: removes every VM without an API call (tests that share one fake). */
  clearInstances(): void;
  /**
   * Compute Engine preempts the spot VM `name`: its runner dies mid-job and a
   * `compute.instances.preempted` operation is recorded in its zone (see preemption.ts).
   */
  preempt(name: string): void;
  /** Requests held open by the `hangRequests` fault whose client has not hung up yet. */
  openHungRequests(): number;
  stop(): Promise<void>;
}

const notFoundRoute = (method: string, path: string): never => {
  throw new GceHttpError(404, "notFound", `No route for ${method} ${path}`);
};

/** The project number error messages name (the fake keys projects by id only). */
const PROJECT_NUMBER = "123456789";

export async function startGceSim(options: GceSimOptions = {}): Promise<GceSim> {
  const world = new GceWorld(options);
  const issuer = new TokenIssuer();
  const requests: GceRecordedRequest[] = [];
  const hung = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const bodyText = await readText(req);
    if (url.pathname === "/token" && req.method === "POST") {
      try {
        sendJson(res, 200, issuer.issue(new URLSearchParams(bodyText)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, 400, { error: "invalid_request", error_description: message });
      }
      return;
    }
    let body: unknown;
    try {
      body = bodyText ? (JSON.parse(bodyText) as unknown) : undefined;
    } catch {
      body = bodyText;
    }
    const principal = issuer.principal(req.headers.authorization);
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      ...(principal ? { principal } : {}),
    });
    if (world.requireAuth && !principal) throw unauthenticated();
    const { faults } = world;
    const call = `${req.method} ${url.pathname}`;
    // Resource Manager and IAM calls (validate's permission checks) share the fake's origin.
    const iam = url.pathname.startsWith("/v1/");
    // The API front end refuses before Compute sees the call: a disabled API, then the rate quota.
    if (faults.apiDisabled && !iam) throw serviceDisabled(PROJECT_NUMBER);
    if (faults.rateLimits > 0 && (!faults.rateLimitsOn || faults.rateLimitsOn.test(call))) {
      faults.rateLimits--;
      throw rateLimitExceeded();
    }
    if (world.faults.hangRequests > 0) {
      world.faults.hangRequests--;
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    const { serverErrorsOn } = world.faults;
    if (world.faults.serverErrors > 0 && (!serverErrorsOn || serverErrorsOn.test(call))) {
      world.faults.serverErrors--;
      throw new GceHttpError(503, "backendError", "The service is currently unavailable.");
    }
    const apiRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      bodyText,
    };
    const answer = iam
      ? (routeIam(world, apiRequest) ?? notFoundRoute(apiRequest.method, url.pathname))
      : await routeCompute(world, apiRequest);
    sendJson(res, answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const httpError =
        error instanceof GceHttpError
          ? error
          : new GceHttpError(500, "backendError", "Internal error in the fake.");
      sendError(res, httpError);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    faults: world.faults,
    catalog: world.catalog,
    counters: world.counters,
    requests,
    tokenGrants: () => [...issuer.grants],
    instances: () => world.views(),
    clearInstances: () => world.clearInstances(),
    preempt: (name) => world.preempt(name),
    openHungRequests: () => hung.size,
    async stop() {
      world.stop();
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

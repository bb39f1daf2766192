import { authorize } from "./faults.js";
import { compileFilter } from "./filter.js";
import { GceHttpError, notFound, parseJson } from "./http-io.js";
import { operationJson } from "./operations.js";
import { routeCatalog } from "./routes-catalog.js";
import { routeZoneOperationsList } from "./routes-operations.js";
import type { GceWorld } from "./world.js";

/**
 * Routes of the Compute Engine v1 REST API the fake serves (paths as the SDK's REST transport
 * sends them; route on the pathname, the SDK appends a bare `?`).
 */

const PREFIX = "/compute/v1/projects/";
const MAX_PAGE = 500;

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  bodyText: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export function page<T>(items: T[], query: URLSearchParams): { items: T[]; next?: string } {
  const max = Math.min(Number(query.get("maxResults") ?? MAX_PAGE) || MAX_PAGE, MAX_PAGE);
  const start = Number(query.get("pageToken") ?? 0) || 0;
  const slice = items.slice(start, start + max);
  const next = start + max < items.length ? String(start + max) : undefined;
  return { items: slice, next };
}

export async function routeCompute(world: GceWorld, req: ApiRequest): Promise<ApiResponse> {
  if (!req.path.startsWith(PREFIX)) throw notFound(req.path);
  const parts = req.path.slice(PREFIX.length).split("/").map(decodeURIComponent);
  const [project, scope, zone, kind, name, action] = parts;
  if (!project) throw notFound(req.path);
  const requestId = req.query.get("requestId") ?? undefined;
  const filter = () => compileFilter(req.query.get("filter") ?? undefined);
  const zonal = (what: string) => `projects/${project}/zones/${zone}/${what}`;
  const read =
    routeCatalog(world, req.method, parts) ??
    routeZoneOperationsList(world, req.method, parts, req.query);
  if (read) return read;

  if (
    scope === "aggregated" &&
    zone === "instances" &&
    parts.length === 3 &&
    req.method === "GET"
  ) {
    authorize(world.faults, "compute.instances.list", `projects/${project}`);
    const all = page(world.listInstances(project, null, filter()), req.query);
    const items: Record<string, unknown> = {};
    for (const z of [...world.zones].sort()) {
      const here = all.items.filter((i) => i.zone === z).map((i) => i.json);
      items[`zones/${z}`] =
        here.length > 0
          ? { instances: here }
          : {
              warning: {
                code: "NO_RESULTS_ON_PAGE",
                message: `There are no results for scope 'zones/${z}' on this page.`,
              },
            };
    }
    return {
      status: 200,
      body: {
        kind: "compute#instanceAggregatedList",
        items,
        ...(all.next ? { nextPageToken: all.next } : {}),
      },
    };
  }
  if (scope !== "zones" || !zone) throw notFound(req.path);

  if (kind === "instances" && name === undefined) {
    if (req.method === "POST") {
      const body = parseJson(req.bodyText);
      const named = (body as { name?: unknown } | undefined)?.name;
      authorize(world.faults, "compute.instances.create", zonal(`instances/${String(named)}`));
      const op = world.insert(project, zone, body, requestId);
      return { status: 200, body: operationJson(op) };
    }
    if (req.method === "GET") {
      authorize(world.faults, "compute.instances.list", `projects/${project}`);
      world.checkZone(project, zone);
      const found = page(world.listInstances(project, zone, filter()), req.query);
      return {
        status: 200,
        body: {
          kind: "compute#instanceList",
          items: found.items.map((i) => i.json),
          ...(found.next ? { nextPageToken: found.next } : {}),
        },
      };
    }
  }
  if (kind === "instances" && name && action === undefined) {
    if (req.method === "GET") {
      authorize(world.faults, "compute.instances.get", zonal(`instances/${name}`));
      return { status: 200, body: world.getInstance(project, zone, name) };
    }
    if (req.method === "DELETE") {
      authorize(world.faults, "compute.instances.delete", zonal(`instances/${name}`));
      return { status: 200, body: operationJson(world.delete(project, zone, name, requestId)) };
    }
  }
  if (kind === "operations" && name) {
    authorize(world.faults, "compute.zoneOperations.get", zonal(`operations/${name}`));
    const op = world.getOperation(project, zone, name);
    if (action === undefined && req.method === "GET")
      return { status: 200, body: operationJson(op) };
    if (action === "wait" && req.method === "POST") {
      return { status: 200, body: operationJson(await world.waitOperation(op)) };
    }
  }
  throw new GceHttpError(404, "notFound", `No route for ${req.method} ${req.path}`);
}

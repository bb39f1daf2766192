import { authorize } from "./faults.js";
import { compileOperationFilter } from "./filter.js";
import { operationJson, SELF_LINK_BASE } from "./operations.js";
import { type ApiResponse, page } from "./routes.js";
import type { GceWorld } from "./world.js";

/**
 * `GET …/zones/{zone}/operations`: the zone's operations (calls and system events such as
 * `compute.instances.preempted`), filtered and paged like `zoneOperations.list`. Undefined for
 * any other route.
 */
export function routeZoneOperationsList(
  world: GceWorld,
  method: string,
  parts: readonly string[],
  query: URLSearchParams,
): ApiResponse | undefined {
  const [project, scope, zone, kind] = parts;
  if (method !== "GET" || scope !== "zones" || kind !== "operations" || parts.length !== 4) {
    return undefined;
  }
  if (!project || !zone) return undefined;
  authorize(world.faults, "compute.zoneOperations.list", `projects/${project}/zones/${zone}`);
  const matches = compileOperationFilter(query.get("filter") ?? undefined);
  const all = world
    .zoneOperations(project, zone)
    .map(operationJson)
    .filter((op) => matches(op));
  const found = page(all, query);
  return {
    status: 200,
    body: {
      kind: "compute#operationList",
      id: `projects/${project}/zones/${zone}/operations`,
      items: found.items,
      selfLink: `${SELF_LINK_BASE}/projects/${project}/zones/${zone}/operations`,
      ...(found.next ? { nextPageToken: found.next } : {}),
    },
  };
}

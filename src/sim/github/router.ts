import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { actionsErrorBody, badRequest, restErrorBody, SimHttpError } from "./errors.js";
import type { Faults } from "./faults.js";
import { type ResponseStyle, sendEmpty, sendJson } from "./http-io.js";
import type { RouteKind, RouteName } from "./route-names.js";
import type { TokenService } from "./tokens.js";
import type { SimWorld } from "./world.js";

/**
 * Route table dispatch plus everything common to all routes: request counting, latency and
 * injected slowness/server errors, api-version validation, headers and error bodies per route kind.
 */

export interface SimServices {
  world: SimWorld;
  tokens: TokenService;
  faults: Faults;
}

export interface RouteCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Decoded capture groups of the route pattern. */
  params: string[];
  services: SimServices;
  style: ResponseStyle;
}

export interface RouteDef {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: RegExp;
  name: RouteName;
  kind: RouteKind;
  handle(call: RouteCall): Promise<void> | void;
}

export const API_VERSION = "6.0-preview";

export function createDispatcher(
  routes: readonly RouteDef[],
  services: SimServices,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { world, faults } = services;
  const { options } = world;

  const sendError = (call: RouteCall, kind: RouteKind, error: SimHttpError): void => {
    const body =
      kind === "rest"
        ? restErrorBody(error.status, error.message)
        : actionsErrorBody(error.exceptionName, error.message);
    sendJson(call.res, error.status, body, call.style, error.headers);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", world.url);
    let route: RouteDef | undefined;
    let params: string[] = [];
    for (const candidate of routes) {
      if (candidate.method !== req.method) continue;
      const match = candidate.pattern.exec(url.pathname);
      if (match) {
        route = candidate;
        params = match.slice(1).map(decodePathSegment);
        break;
      }
    }
    const name: RouteName = route?.name ?? "notFound";
    const kind: RouteKind = route?.kind ?? "rest";
    world.requests[name] = (world.requests[name] ?? 0) + 1;
    const call: RouteCall = { req, res, url, params, services, style: styleFor(kind, options.bom) };
    try {
      if (!route) throw new SimHttpError(404, "NotFoundException", "Not Found");
      if (kind !== "sim") {
        const delayMs = options.latencyMs + faults.takeSlowMs(name);
        if (delayMs > 0) await sleep(delayMs);
        if (faults.takeHold(name)) {
          world.changed(); // lets waitFor see `holds` move
          await heldOpen(res);
          return;
        }
        const fault = faults.takeServerError(name, kind);
        if (fault) {
          const headers: Record<string, string> = {};
          if (fault.retryAfterSeconds !== undefined) {
            headers["Retry-After"] = String(fault.retryAfterSeconds);
          }
          throw new SimHttpError(
            fault.status,
            "ServiceUnavailableException",
            "The service is temporarily unavailable (injected).",
            headers,
          );
        }
      }
      if (kind === "actions" && url.searchParams.get("api-version") !== API_VERSION) {
        throw badRequest(`The api-version query parameter must be ${API_VERSION}.`);
      }
      await route.handle(call);
    } catch (error) {
      if (error instanceof SimHttpError) {
        sendError(call, kind, error);
        return;
      }
      options.logger?.warn({ route: name, err: describe(error) }, "github sim: handler failed");
      sendError(
        call,
        kind,
        new SimHttpError(500, "InternalServerErrorException", "Internal error"),
      );
    }
  };

  return (req, res) => {
    void dispatch(req, res);
  };
}

/** Never answers: resolves once the client gave up or the server closed the connection. */
function heldOpen(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) resolve();
    else res.once("close", () => resolve());
  });
}

function styleFor(kind: RouteKind, bom: boolean): ResponseStyle {
  if (kind === "actions") return { bom, headers: { ActivityId: randomUUID() } };
  if (kind === "sim") return { bom: false, headers: {} };
  return { bom, headers: { "X-GitHub-Request-Id": randomBytes(8).toString("hex").toUpperCase() } };
}

/** Malformed escapes are kept verbatim (they then simply match nothing). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export const json = (call: RouteCall, status: number, body: unknown): void =>
  sendJson(call.res, status, body, call.style);

export const empty = (call: RouteCall, status: number): void =>
  sendEmpty(call.res, status, call.style);

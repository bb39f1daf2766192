import { SimHttpError, unauthorized } from "./errors.js";
import { authToken } from "./http-io.js";
import type { SimScaleSet, SimSession } from "./model.js";
import type { RouteCall } from "./router.js";
import type { AdminTokenClaims } from "./tokens.js";

/** Per-route credential checks and common lookups. Token values never appear in messages. */

export function requireAdmin(call: RouteCall): AdminTokenClaims {
  const token = authToken(call.req, "Bearer");
  const claims = token ? call.services.tokens.verifyAdminToken(token) : undefined;
  if (!claims) throw unauthorized("The admin access token is missing, invalid or has expired.");
  return claims;
}

/**
 * Message-queue token of the current session of `scaleSetId`: valid signature, not expired, and of
 * the session's current generation (a refresh or expireQueueTokens supersedes older tokens).
 */
export function requireQueueSession(call: RouteCall, scaleSetId: number): SimSession {
  const token = authToken(call.req, "Bearer");
  const claims = token ? call.services.tokens.verifyQueueToken(token) : undefined;
  const session = claims ? call.services.world.sessions.get(claims.sessionId) : undefined;
  if (
    !claims ||
    !session ||
    session.scaleSetId !== scaleSetId ||
    claims.scaleSetId !== scaleSetId ||
    session.generation !== claims.generation
  ) {
    throw new SimHttpError(
      401,
      "MessageQueueTokenExpiredException",
      "The message queue access token is invalid or has expired.",
    );
  }
  session.lastActivity = Date.now();
  return session;
}

export function requireScaleSet(call: RouteCall, idParam: string | undefined): SimScaleSet {
  const id = Number(idParam);
  const scaleSet = call.services.world.scaleSets.get(id);
  if (!scaleSet) {
    throw new SimHttpError(
      404,
      "RunnerScaleSetNotFoundException",
      `No RunnerScaleSet found with identifier ${idParam}.`,
    );
  }
  return scaleSet;
}

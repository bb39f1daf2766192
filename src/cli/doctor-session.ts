import { SessionConflictError } from "../github/errors.js";
import type { ActionsClient } from "../github/index.js";

/**
 * Whether a live scaler holds a scale set's message session. GitHub offers no read for it, so the
 * only way to know is to try: create a session; a 409 means someone holds one (a live scaler, or
 * one killed minutes ago whose session GitHub has not yet released); anything else is deleted at
 * once, so a scaler starting meanwhile meets a conflict for as short a time as possible.
 */
export type SessionProbe =
  /** `detail` says when the probe's own session could not be deleted. */
  | { state: "free"; detail?: string }
  | { state: "held"; detail: string }
  | { state: "unknown"; detail: string }
  /** The scale set does not exist on GitHub: no scaler can hold a session for it. */
  | { state: "no-scale-set" };

export type SessionGitHub = Pick<ActionsClient, "createSession" | "deleteSession">;

/** The delete's own deadline: the probe must never outlive the command. */
const DELETE_DEADLINE_MS = 10_000;

export async function probeSession(
  github: SessionGitHub,
  scaleSetId: number,
  owner: string,
): Promise<SessionProbe> {
  let sessionId: string;
  try {
    sessionId = (await github.createSession(scaleSetId, owner)).sessionId;
  } catch (error) {
    if (error instanceof SessionConflictError) {
      const said = error.serverMessage ? ` (GitHub: ${error.serverMessage})` : "";
      return { state: "held", detail: `another process holds the session${said}` };
    }
    return { state: "unknown", detail: `could not try a session: ${messageOf(error)}` };
  }
  try {
    await github.deleteSession(scaleSetId, sessionId, AbortSignal.timeout(DELETE_DEADLINE_MS));
  } catch (error) {
    // Ours, unused: a scaler starting now waits out a conflict until GitHub expires it.
    return {
      state: "free",
      detail: `the probe's own session could not be deleted: ${messageOf(error)}`,
    };
  }
  return { state: "free" };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What the listener reports: its phase (the true one — what it waits on right now), counters,
 * and the readiness verdict /readyz is built from. Also the timing constants of the loop.
 */
import { redactSecrets } from "../github/errors.js";
import type { MessageSession, RunnerScaleSetStatistics } from "../github/types.js";

export type ListenerPhase =
  | "starting"
  | "session-conflict"
  | "polling"
  | "acking"
  | "acquiring"
  | "handling"
  | "recovering"
  | "stopping"
  | "stopped";

/** Phases of a listener that holds a session and works its message loop. */
const SESSION_PHASES: ReadonlySet<ListenerPhase> = new Set([
  "polling",
  "acking",
  "acquiring",
  "handling",
]);

export function isSessionPhase(phase: ListenerPhase): boolean {
  return SESSION_PHASES.has(phase);
}

/** GitHub answers a long poll within about 50 s (202 when there is nothing). */
export const LONG_POLL_WINDOW_MS = 50_000;
/** A poll unanswered this long (the window plus a margin) is abandoned and sent again. */
export const DEFAULT_POLL_TIMEOUT_MS = 65_000;
/** After this many polls in a row went unanswered, the session is replaced. */
export const MAX_UNANSWERED_POLLS = 3;
/** A message that cannot be decoded this many times is acked and dropped. */
export const MAX_DECODE_ATTEMPTS = 3;

/**
 * How long the loop may go without an answered poll before it counts as stalled: the poll
 * timeout plus a margin (a quarter of it, at most 15 s) for one retried poll to come back.
 */
export function stallAfterMs(pollTimeoutMs: number): number {
  return pollTimeoutMs + Math.min(15_000, Math.round(pollTimeoutMs / 4));
}

/** One error the loop met, as `scaleset status` shows it: when, where, what (no secrets). */
export interface ListenerError {
  /** Ms since the epoch. */
  at: number;
  /** What failed: "session", "poll", "message", "session-delete", "scale-set" or "listener". */
  source: string;
  message: string;
}

/** How many recent errors /status keeps: enough to see a pattern, bounded whatever happens. */
export const RECENT_ERRORS = 5;
const MAX_ERROR_TEXT = 300;

export interface ListenerStatus {
  phase: ListenerPhase;
  scaleSetId: number | null;
  sessionId: string | null;
  /** When the current session was created (ms since the epoch); null without one. */
  sessionOpenedAt: number | null;
  lastMessageId: number;
  /** Start of the last long poll (ms since the epoch). */
  lastPollAt: number | null;
  /** When a long poll last came back (message or none), or the session opened. */
  lastPollAnsweredAt: number | null;
  messages: number;
  /** Messages acked without being handled because they could not be decoded. */
  droppedMessages: number;
  /** Long polls abandoned because GitHub did not answer within the poll timeout. */
  unansweredPolls: number;
  conflicts: number;
  restarts: number;
  statistics: RunnerScaleSetStatistics | null;
  /** The last RECENT_ERRORS errors, oldest first. */
  recentErrors: ListenerError[];
}

export function initialStatus(): ListenerStatus {
  return {
    phase: "starting",
    scaleSetId: null,
    sessionId: null,
    sessionOpenedAt: null,
    lastMessageId: 0,
    lastPollAt: null,
    lastPollAnsweredAt: null,
    messages: 0,
    droppedMessages: 0,
    unansweredPolls: 0,
    conflicts: 0,
    restarts: 0,
    statistics: null,
    recentErrors: [],
  };
}

/** A session was created: the loop starts over from its first message. */
export function sessionOpened(status: ListenerStatus, session: MessageSession): void {
  status.sessionId = session.sessionId;
  status.sessionOpenedAt = Date.now();
  status.statistics = session.statistics;
  status.lastMessageId = 0;
}

export function sessionClosed(status: ListenerStatus): void {
  status.sessionId = null;
  status.sessionOpenedAt = null;
}

/**
 * Keeps `error` among the recent errors, dropping the oldest beyond RECENT_ERRORS. The text is
 * the error's message only (GitHub client errors carry redacted URLs), masked again for tokens
 * and JWTs and cut short: /status is readable by anyone who reaches the port.
 */
export function recordError(
  status: ListenerStatus,
  source: string,
  error: unknown,
  now = Date.now(),
): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = redactSecrets(text).slice(0, MAX_ERROR_TEXT);
  status.recentErrors = [...status.recentErrors, { at: now, source, message }].slice(
    -RECENT_ERRORS,
  );
}

/**
 * Null when ready: the listener holds a session and its polls come back. Otherwise why not — a
 * phase outside the message loop, or a loop that has not had a poll answered for `stallMs`
 * (a hung poll, ack or acquire says "polling"/"acking"/… while nothing moves).
 */
export function notReadyReason(
  status: ListenerStatus,
  stallMs: number,
  now: number,
): string | null {
  if (!isSessionPhase(status.phase)) return status.phase;
  const since = status.lastPollAnsweredAt;
  if (since !== null && now - since > stallMs) {
    return `${status.phase}: no poll answered for ${Math.round((now - since) / 1000)} s`;
  }
  return null;
}

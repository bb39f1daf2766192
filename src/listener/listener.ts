import type { Logger } from "pino";
import { ScaleSetNotFoundError, SessionConflictError } from "../github/errors.js";
import type { MessageSession, RunnerScaleSetStatistics, ScaleSetMessage } from "../github/types.js";
import type { ScaleHandler } from "../scaler/scaler.js";
import { backoffDelay, isAbortError, sleep } from "../util/sleep.js";
import type { ListenerGitHubApi, MessageQueueApi, OpenMessageQueue } from "./ports.js";
import { ensureScaleSet, type ScaleSetSpec } from "./scale-set-registry.js";

export type ListenerPhase = "starting" | "session-conflict" | "polling" | "recovering" | "stopped";

export interface ListenerOptions {
  github: ListenerGitHubApi;
  openQueue: OpenMessageQueue;
  spec: ScaleSetSpec;
  maxRunners: () => number;
  ownerName: string;
  logger: Logger;
  /** Called once the scale set id is known, and again if it was recreated. */
  onScaleSet: (scaleSetId: number) => Promise<ScaleHandler> | ScaleHandler;
  /** Called each time a session is opened, before the first poll (the scaler reconciles here). */
  onSessionOpened?: () => Promise<void>;
  /** Delay range between session attempts while another listener holds the session. */
  conflictRetryMs?: [number, number];
  /** Delay before retrying after an unexpected error (doubles up to 60 s). */
  errorRetryBaseMs?: number;
  /** A loop iteration (poll + handling) that takes longer than this is aborted and restarted. */
  watchdogMs?: number;
  random?: () => number;
  observer?: ListenerObserver;
}

/** Hooks for telemetry and the benchmark; must be cheap and must not throw. */
export interface ListenerObserver {
  pollStarted?(): void;
  /** `message` is false for an empty poll (202 or empty 200). */
  pollEnded?(message: boolean, durationMs: number): void;
  messageHandled?(durationMs: number, jobMessages: number): void;
  /**
   * Runs the handling of one message (ack, acquire, dispatch to the scaler); telemetry runs it
   * inside the message's span. Must call `handle` exactly once and return its promise's result.
   */
  wrapMessage?<T>(
    message: ScaleSetMessage,
    pollStartedAt: number,
    handle: () => Promise<T>,
  ): Promise<T>;
}

export interface ListenerStatus {
  phase: ListenerPhase;
  scaleSetId: number | null;
  sessionId: string | null;
  lastMessageId: number;
  lastPollAt: number | null;
  messages: number;
  conflicts: number;
  restarts: number;
  statistics: RunnerScaleSetStatistics | null;
}

/**
 * One scale set's message loop (protocol §7): session, long poll, ack first, acquire, dispatch,
 * desired count. Shutdown stops polling but never aborts a message half handled; the session is
 * deleted on the way out so the next process does not meet a conflict.
 */
export class ScaleSetListener {
  readonly #o: ListenerOptions;
  readonly #status: ListenerStatus = {
    phase: "starting",
    scaleSetId: null,
    sessionId: null,
    lastMessageId: 0,
    lastPollAt: null,
    messages: 0,
    conflicts: 0,
    restarts: 0,
    statistics: null,
  };

  constructor(options: ListenerOptions) {
    this.#o = options;
  }

  status(): ListenerStatus {
    return { ...this.#status };
  }

  /** Runs until `signal` aborts. Never throws for protocol or network errors: it recovers. */
  async run(signal: AbortSignal): Promise<void> {
    let errors = 0;
    let scaler: ScaleHandler | null = null;
    let scaleSetId: number | null = null;
    while (!signal.aborted) {
      let queue: MessageQueueApi | null = null;
      try {
        if (scaleSetId === null || scaler === null) {
          const scaleSet = await ensureScaleSet(this.#o.github, this.#o.spec, this.#o.logger);
          scaleSetId = scaleSet.id;
          this.#o.github.setScaleSetId?.(scaleSet.id);
          this.#status.scaleSetId = scaleSet.id;
          scaler = await this.#o.onScaleSet(scaleSet.id);
        }
        const session = await this.#openSession(scaleSetId, signal);
        if (!session) break;
        queue = this.#o.openQueue(scaleSetId, session);
        await this.#o.onSessionOpened?.();
        await this.#loop(queue, scaler, signal, () => {
          errors = 0;
        });
      } catch (error) {
        if (signal.aborted && isAbortError(error)) break;
        if (error instanceof ScaleSetNotFoundError) {
          this.#o.logger.warn({}, "scale set gone server-side; recreating it");
          scaleSetId = null; // message ids restart with the new scale set
          scaler = null;
        } else {
          this.#o.logger.error({ err: error }, "listener error; recovering");
        }
        this.#status.phase = "recovering";
        this.#status.restarts++;
        const delay = backoffDelay(errors++, {
          baseMs: this.#o.errorRetryBaseMs ?? 1000,
          maxMs: 60_000,
          jitter: 0.2,
        });
        await sleep(delay, signal).catch(() => undefined);
      } finally {
        if (queue) await this.#closeSession(queue.session, scaleSetId);
      }
    }
    this.#status.phase = "stopped";
  }

  async #openSession(scaleSetId: number, signal: AbortSignal): Promise<MessageSession | null> {
    const [minWait, maxWait] = this.#o.conflictRetryMs ?? [30_000, 45_000];
    const random = this.#o.random ?? Math.random;
    for (;;) {
      try {
        const session = await this.#o.github.createSession(scaleSetId, this.#o.ownerName);
        this.#status.sessionId = session.sessionId;
        this.#status.statistics = session.statistics;
        this.#status.lastMessageId = 0;
        this.#o.logger.info({ sessionId: session.sessionId }, "session created");
        return session;
      } catch (error) {
        if (!(error instanceof SessionConflictError)) throw error;
        // Another listener (or a crashed one's stale session) holds it: wait it out, stay alive.
        this.#status.phase = "session-conflict";
        this.#status.conflicts++;
        const wait = Math.round(minWait + (maxWait - minWait) * random());
        this.#o.logger.warn({ retryInMs: wait }, "session held elsewhere; waiting");
        try {
          await sleep(wait, signal);
        } catch {
          return null;
        }
      }
    }
  }

  async #loop(
    queue: MessageQueueApi,
    scaler: ScaleHandler,
    signal: AbortSignal,
    onHealthy: () => void,
  ) {
    const watchdogMs = this.#o.watchdogMs ?? 180_000;
    let statistics = queue.session.statistics;
    scaler.handleDesiredRunnerCount(statistics.totalAssignedJobs);
    this.#status.phase = "polling";
    while (!signal.aborted) {
      // The watchdog aborts an iteration that hangs (a stuck poll or ack); shutdown only aborts polls.
      const iteration = AbortSignal.timeout(watchdogMs);
      const pollSignal = AbortSignal.any([signal, iteration]);
      const pollStart = Date.now();
      this.#status.lastPollAt = pollStart;
      this.#o.observer?.pollStarted?.();
      let message: ScaleSetMessage | null;
      try {
        message = await queue.getMessage(
          this.#status.lastMessageId,
          this.#o.maxRunners(),
          pollSignal,
        );
        this.#o.observer?.pollEnded?.(message !== null, Date.now() - pollStart);
      } catch (error) {
        if (signal.aborted) return;
        if (iteration.aborted)
          throw new Error(`watchdog: poll did not return within ${watchdogMs} ms`);
        throw error; // includes a second 401 after a refresh: recovered with a new session
      }
      onHealthy();
      if (!message) {
        scaler.handleDesiredRunnerCount(statistics.totalAssignedJobs);
        continue;
      }
      this.#status.lastMessageId = message.messageId;
      statistics = message.statistics;
      this.#status.statistics = statistics;
      this.#status.messages++;
      const handleStart = Date.now();
      const received = message;
      const handle = () => this.#handle(queue, scaler, received);
      const wrap = this.#o.observer?.wrapMessage;
      await (wrap ? wrap.call(this.#o.observer, received, pollStart, handle) : handle());
      const jobMessages =
        message.jobAvailable.length +
        message.jobAssigned.length +
        message.jobStarted.length +
        message.jobCompleted.length;
      this.#o.observer?.messageHandled?.(Date.now() - handleStart, jobMessages);
    }
  }

  async #handle(
    queue: MessageQueueApi,
    scaler: ScaleHandler,
    message: ScaleSetMessage,
  ): Promise<void> {
    await queue.deleteMessage(message.messageId); // ack first (§7.1)
    const requestIds = message.jobAvailable.map((j) => j.runnerRequestId).filter((id) => id > 0);
    if (requestIds.length > 0) {
      const acquired = await queue.acquireJobs(requestIds);
      this.#o.logger.debug(
        { requested: requestIds.length, acquired: acquired.length },
        "acquired jobs",
      );
    }
    for (const started of message.jobStarted) scaler.handleJobStarted(started);
    for (const completed of message.jobCompleted) scaler.handleJobCompleted(completed);
    scaler.handleDesiredRunnerCount(message.statistics.totalAssignedJobs);
  }

  async #closeSession(session: MessageSession, scaleSetId: number | null): Promise<void> {
    if (scaleSetId === null) return;
    try {
      // A fresh, bounded signal: the shutdown signal is already aborted at this point.
      await this.#o.github.deleteSession(scaleSetId, session.sessionId, AbortSignal.timeout(5_000));
      this.#o.logger.info({ sessionId: session.sessionId }, "session deleted");
    } catch (error) {
      this.#o.logger.warn({ err: error }, "session delete failed");
    }
    this.#status.sessionId = null;
  }
}

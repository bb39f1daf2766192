import { ScaleSetNotFoundError, SessionConflictError } from "../github/errors.js";
import { MessageDecodeError } from "../github/messages.js";
import type { MessageSession, ScaleSetMessage } from "../github/types.js";
import type { ScaleHandler } from "../scaler/scaler.js";
import { backoffDelay, sleep } from "../util/sleep.js";
import {
  acquireLeftovers,
  dropUndecodable,
  handleObserved,
  type StepContext,
} from "./message-steps.js";
import type { ListenerOptions } from "./options.js";
import { PoisonTracker } from "./poison.js";
import type { MessageQueueApi } from "./ports.js";
import { ensureScaleSet } from "./scale-set-registry.js";
import { DEFAULT_STOP_GRACE_MS, ShutdownSignals, timeoutSignal } from "./signals.js";
import {
  DEFAULT_POLL_TIMEOUT_MS,
  initialStatus,
  type ListenerPhase,
  type ListenerStatus,
  MAX_DECODE_ATTEMPTS,
  MAX_UNANSWERED_POLLS,
  notReadyReason,
  recordError,
  sessionClosed,
  sessionOpened,
  stallAfterMs,
} from "./status.js";

export type { ListenerObserver, ListenerOptions } from "./options.js";
export type { ListenerPhase, ListenerStatus } from "./status.js";
export { isSessionPhase } from "./status.js";

/**
 * One scale set's message loop (protocol §7): session, long poll, ack first, acquire, dispatch,
 * desired count. Every wait is bounded: an unanswered poll is sent again, ack and acquire have
 * deadlines, and a shutdown gives a message in flight half the grace and the session delete the
 * rest, so the next process does not meet a conflict.
 */
export class ScaleSetListener {
  readonly #o: ListenerOptions;
  readonly #status: ListenerStatus = initialStatus();
  readonly #shutdown = new ShutdownSignals();
  readonly #poison = new PoisonTracker();
  #running: Promise<void> | null = null;

  constructor(options: ListenerOptions) {
    this.#o = options;
  }

  status(): ListenerStatus {
    return { ...this.#status };
  }

  /** Null when ready (holds a session, polls come back), else the reason. */
  notReadyReason(now = Date.now()): string | null {
    const pollTimeoutMs = this.#o.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    return notReadyReason(this.#status, stallAfterMs(pollTimeoutMs), now);
  }

  /** Runs until `signal` aborts or stop() is called. Never throws: it recovers. */
  run(signal?: AbortSignal): Promise<void> {
    if (signal) {
      const begin = () => this.#shutdown.begin(DEFAULT_STOP_GRACE_MS, signal.reason);
      if (signal.aborted) begin();
      else signal.addEventListener("abort", begin, { once: true });
    }
    this.#running ??= this.#run().finally(() => this.#shutdown.dispose());
    return this.#running;
  }

  /**
   * Stops polling now; a message being handled gets half of `graceMs`, the session delete what
   * remains. Resolves when the loop has ended.
   */
  stop(graceMs: number): Promise<void> {
    this.#shutdown.begin(graceMs);
    if (!this.#running) {
      this.#setPhase("stopped");
      return Promise.resolve();
    }
    this.#setPhase("stopping");
    return this.#running;
  }

  #setPhase(phase: ListenerPhase): void {
    // Once stopping, that is the truth until stopped, whatever step is still finishing.
    if (this.#shutdown.stop.aborted && phase !== "stopped") phase = "stopping";
    this.#status.phase = phase;
  }

  async #run(): Promise<void> {
    const stop = this.#shutdown.stop;
    stop.addEventListener("abort", () => this.#setPhase("stopping"), { once: true });
    let errors = 0;
    let scaler: ScaleHandler | null = null;
    let scaleSetId: number | null = null;
    while (!stop.aborted) {
      let queue: MessageQueueApi | null = null;
      try {
        if (scaleSetId === null || scaler === null) {
          const scaleSet = await ensureScaleSet(this.#o.github, this.#o.spec, this.#o.logger);
          scaleSetId = scaleSet.id;
          this.#o.github.setScaleSetId?.(scaleSet.id);
          this.#status.scaleSetId = scaleSet.id;
          scaler = await this.#o.onScaleSet(scaleSet.id);
        }
        const session = await this.#openSession(scaleSetId);
        if (!session) break;
        queue = this.#o.openQueue(scaleSetId, session);
        if (stop.aborted) break; // the session came back during shutdown: just delete it
        this.#status.lastPollAnsweredAt = Date.now();
        if (this.#o.acquireLeftovers) await this.#acquireLeftovers(queue, scaleSetId);
        await this.#o.onSessionOpened?.();
        await this.#loop(queue, scaler, scaleSetId, () => {
          errors = 0;
        });
      } catch (error) {
        if (stop.aborted) {
          this.#o.logger.info({ err: error }, "call in flight ended by the shutdown");
          break;
        }
        const gone = error instanceof ScaleSetNotFoundError;
        recordError(this.#status, gone ? "scale-set" : "listener", error);
        if (gone) {
          this.#o.logger.warn({}, "scale set gone server-side; recreating it");
          scaleSetId = null; // message ids restart with the new scale set
          scaler = null;
          this.#poison.reset();
        } else {
          this.#o.logger.error({ err: error }, "listener error; recovering");
        }
        this.#setPhase("recovering");
        this.#status.restarts++;
        const delay = backoffDelay(errors++, {
          baseMs: this.#o.errorRetryBaseMs ?? 1000,
          maxMs: 60_000,
          jitter: 0.2,
        });
        await sleep(delay, stop).catch(() => undefined);
      } finally {
        if (queue) await this.#closeSession(queue.session, scaleSetId);
      }
    }
    this.#setPhase("stopped");
  }

  async #openSession(scaleSetId: number): Promise<MessageSession | null> {
    const [minWait, maxWait] = this.#o.conflictRetryMs ?? [30_000, 45_000];
    const random = this.#o.random ?? Math.random;
    for (;;) {
      try {
        // Not cut by `stop`: a create aborted mid-way may still open a session server-side that
        // nobody deletes. It has its deadline, and `final` ends it when the grace is over.
        const session = await this.#o.github.createSession(scaleSetId, this.#o.ownerName);
        sessionOpened(this.#status, session);
        this.#o.logger.info({ sessionId: session.sessionId }, "session created");
        return session;
      } catch (error) {
        if (!(error instanceof SessionConflictError)) throw error;
        // Another listener (or a crashed one's stale session) holds it: wait it out, stay alive.
        this.#setPhase("session-conflict");
        this.#status.conflicts++;
        recordError(this.#status, "session", error);
        const wait = Math.round(minWait + (maxWait - minWait) * random());
        this.#o.logger.warn({ retryInMs: wait }, "session held elsewhere; waiting");
        try {
          await sleep(wait, this.#shutdown.stop);
        } catch {
          return null;
        }
      }
    }
  }

  async #loop(
    queue: MessageQueueApi,
    scaler: ScaleHandler,
    scaleSetId: number,
    onHealthy: () => void,
  ) {
    const stop = this.#shutdown.stop;
    const watchdogMs = this.#o.watchdogMs ?? 180_000;
    const pollTimeoutMs = this.#o.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    let statistics = queue.session.statistics;
    let unanswered = 0;
    scaler.handleDesiredRunnerCount(statistics.totalAssignedJobs);
    while (!stop.aborted) {
      // The watchdog bounds a whole iteration; the poll timeout only the poll.
      const watchdog = timeoutSignal(
        watchdogMs,
        () => new Error(`watchdog: a loop iteration took longer than ${watchdogMs} ms`),
      );
      const pollTimer = timeoutSignal(
        pollTimeoutMs,
        () => new Error(`long poll unanswered after ${pollTimeoutMs} ms`),
      );
      const steps = this.#steps(queue, AbortSignal.any([this.#shutdown.handling, watchdog.signal]));
      try {
        this.#setPhase("polling");
        const pollStart = Date.now();
        this.#status.lastPollAt = pollStart;
        this.#o.observer?.pollStarted?.();
        let message: ScaleSetMessage | null;
        try {
          message = await queue.getMessage(
            this.#status.lastMessageId,
            this.#o.maxRunners(),
            AbortSignal.any([stop, watchdog.signal, pollTimer.signal]),
          );
        } catch (error) {
          if (stop.aborted) return;
          if (watchdog.signal.aborted) throw watchdog.signal.reason;
          if (pollTimer.signal.aborted) {
            unanswered++;
            this.#status.unansweredPolls++;
            recordError(this.#status, "poll", pollTimer.signal.reason);
            this.#o.logger.warn(
              { timeoutMs: pollTimeoutMs, inARow: unanswered },
              "long poll unanswered; polling again",
            );
            if (unanswered >= MAX_UNANSWERED_POLLS) {
              throw new Error(`${unanswered} long polls in a row went unanswered`);
            }
            continue;
          }
          if (!(error instanceof MessageDecodeError)) throw error; // incl. a second 401
          await this.#undecodable(steps, error, scaleSetId);
          continue;
        }
        unanswered = 0;
        this.#status.lastPollAnsweredAt = Date.now();
        this.#o.observer?.pollEnded?.(message !== null, Date.now() - pollStart);
        onHealthy();
        if (!message) {
          scaler.handleDesiredRunnerCount(statistics.totalAssignedJobs);
          continue;
        }
        this.#poison.forget(message.messageId);
        this.#status.lastMessageId = message.messageId;
        statistics = message.statistics;
        this.#status.statistics = statistics;
        this.#status.messages++;
        await handleObserved(steps, scaler, message, pollStart, this.#o.observer);
      } finally {
        watchdog.clear();
        pollTimer.clear();
      }
    }
  }

  #steps(queue: MessageQueueApi, signal: AbortSignal): StepContext {
    return {
      queue,
      logger: this.#o.logger,
      setPhase: (phase) => this.#setPhase(phase),
      signal,
    };
  }

  /**
   * A message that cannot be decoded is redelivered until acked. The first attempts go the usual
   * way (a new session after a backoff: the corruption may have been on the way); the last acks
   * it, so it cannot block the scale set forever.
   */
  async #undecodable(steps: StepContext, error: MessageDecodeError, scaleSetId: number) {
    const attempts = this.#poison.failed(error.messageId);
    if (attempts < MAX_DECODE_ATTEMPTS) {
      this.#o.logger.warn(
        { messageId: error.messageId, attempt: attempts, of: MAX_DECODE_ATTEMPTS },
        "message cannot be decoded; trying again with a new session",
      );
      throw error;
    }
    await dropUndecodable(steps, error, attempts);
    this.#poison.forget(error.messageId);
    this.#status.lastMessageId = error.messageId;
    this.#status.droppedMessages++;
    recordError(this.#status, "message", error); // earlier attempts were recorded as they threw
    this.#o.observer?.messageDropped?.(error.messageType);
    if (this.#o.acquireLeftovers) await this.#acquireLeftovers(steps.queue, scaleSetId);
  }

  #acquireLeftovers(queue: MessageQueueApi, scaleSetId: number): Promise<void> {
    const list = this.#o.github.getAcquirableJobs;
    if (!list) return Promise.resolve();
    const steps = this.#steps(queue, this.#shutdown.handling);
    return acquireLeftovers(steps, (signal) => list.call(this.#o.github, scaleSetId, signal));
  }

  async #closeSession(session: MessageSession, scaleSetId: number | null): Promise<void> {
    if (scaleSetId === null) return;
    try {
      // Bounded by the call's deadline and, in a shutdown, by what remains of the grace.
      await this.#o.github.deleteSession(scaleSetId, session.sessionId, this.#shutdown.final);
      this.#o.logger.info({ sessionId: session.sessionId }, "session deleted");
    } catch (error) {
      recordError(this.#status, "session-delete", error);
      this.#o.logger.warn(
        { err: error },
        "session delete failed; the next process may wait out a session conflict",
      );
    }
    sessionClosed(this.#status);
  }
}

/**
 * The steps of the message loop between two polls: handling a message (ack first, acquire,
 * dispatch), dropping one that can never be decoded, and acquiring the jobs an earlier session
 * acked but never acquired. Each step says what it waits on through `setPhase`.
 */
import type { Logger } from "pino";
import type { AcquirableJob } from "../github/decode.js";
import type { MessageDecodeError } from "../github/messages.js";
import type { ScaleSetMessage } from "../github/types.js";
import type { ScaleHandler } from "../scaler/scaler.js";
import type { ListenerObserver } from "./options.js";
import type { MessageQueueApi } from "./ports.js";
import type { ListenerPhase } from "./status.js";

export interface StepContext {
  queue: MessageQueueApi;
  logger: Logger;
  setPhase(phase: ListenerPhase): void;
  /** Ends the step's calls: the watchdog, or the share of the shutdown grace for them. */
  signal: AbortSignal;
}

/** Protocol §7.1 step d: ack first, acquire the JobAvailable ids, dispatch, rescale. */
export async function handleMessage(
  ctx: StepContext,
  scaler: ScaleHandler,
  message: ScaleSetMessage,
): Promise<void> {
  ctx.setPhase("acking");
  await ctx.queue.deleteMessage(message.messageId, ctx.signal);
  const requestIds = message.jobAvailable.map((j) => j.runnerRequestId).filter((id) => id > 0);
  if (requestIds.length > 0) {
    ctx.setPhase("acquiring");
    const acquired = await ctx.queue.acquireJobs(requestIds, ctx.signal);
    ctx.logger.debug({ requested: requestIds.length, acquired: acquired.length }, "acquired jobs");
  }
  ctx.setPhase("handling");
  for (const started of message.jobStarted) scaler.handleJobStarted(started);
  for (const completed of message.jobCompleted) scaler.handleJobCompleted(completed);
  scaler.handleDesiredRunnerCount(message.statistics.totalAssignedJobs);
}

/** handleMessage inside the observer's wrapper (telemetry's message span), timed. */
export async function handleObserved(
  ctx: StepContext,
  scaler: ScaleHandler,
  message: ScaleSetMessage,
  pollStart: number,
  observer: ListenerObserver | undefined,
): Promise<void> {
  const handleStart = Date.now();
  const handle = () => handleMessage(ctx, scaler, message);
  const wrap = observer?.wrapMessage;
  await (wrap ? wrap.call(observer, message, pollStart, handle) : handle());
  const jobMessages =
    message.jobAvailable.length +
    message.jobAssigned.length +
    message.jobStarted.length +
    message.jobCompleted.length;
  observer?.messageHandled?.(Date.now() - handleStart, jobMessages);
}

/**
 * Acks a message that failed to decode `attempts` times and says so at error level: its job
 * events are lost, the statistics of the next message repair the runner count, and (GHES) the
 * next acquirable-jobs sweep picks up its JobAvailable jobs.
 */
export async function dropUndecodable(
  ctx: StepContext,
  error: MessageDecodeError,
  attempts: number,
): Promise<void> {
  ctx.logger.error(
    {
      messageId: error.messageId,
      messageType: error.messageType,
      attempts,
      reason: error.message,
      snippet: error.snippet,
    },
    "dropping a message that cannot be decoded",
  );
  ctx.setPhase("acking");
  await ctx.queue.deleteMessage(error.messageId, ctx.signal);
}

/**
 * GHES: acquires the jobs the scale set was offered but nobody acquired — a process killed
 * between ack and acquire, a dropped message — as the legacy ARC listener did at session start
 * (GET acquirablejobs, §4.13). Never fatal: a failure is logged and the loop goes on.
 */
export async function acquireLeftovers(
  ctx: StepContext,
  list: (signal: AbortSignal) => Promise<AcquirableJob[]>,
): Promise<void> {
  ctx.setPhase("acquiring");
  try {
    const jobs = await list(ctx.signal);
    const ids = [...new Set(jobs.map((j) => j.runnerRequestId))];
    if (ids.length === 0) return;
    const acquired = await ctx.queue.acquireJobs(ids, ctx.signal);
    ctx.logger.info(
      { listed: ids.length, acquired: acquired.length },
      "acquired jobs left acquirable by an earlier session",
    );
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.logger.warn({ err: error }, "could not acquire leftover jobs; going on");
  }
}

/** A scripted GitHub, a recording scaler and small drivers for the listener tests. */
import pino, { type Logger } from "pino";
import { afterEach, beforeEach, vi } from "vitest";
import type { AcquirableJob } from "../../src/github/decode.js";
import { ScaleSetNotFoundError, SessionConflictError } from "../../src/github/errors.js";
import { emptyJobMessages } from "../../src/github/messages.js";
import type {
  CreateScaleSetInput,
  JobStarted,
  MessageSession,
  RunnerScaleSet,
  ScaleSetMessage,
} from "../../src/github/types.js";
import { type ListenerOptions, ScaleSetListener } from "../../src/listener/listener.js";
import type { ListenerGitHubApi, MessageQueueApi } from "../../src/listener/ports.js";
import type { ScaleHandler } from "../../src/scaler/scaler.js";

export const silent = pino({ level: "silent" });

export const stats = (assigned: number) => ({
  totalAvailableJobs: 0,
  totalAcquiredJobs: 0,
  totalAssignedJobs: assigned,
  totalRunningJobs: 0,
  totalRegisteredRunners: 0,
  totalBusyRunners: 0,
  totalIdleRunners: 0,
});
export const apiError = { status: 409, method: "POST", url: "/sessions", retryCount: 0 };

export function message(
  id: number,
  assigned: number,
  extra: Partial<ScaleSetMessage> = {},
): ScaleSetMessage {
  return { ...emptyJobMessages(id, stats(assigned)), ...extra };
}

/** Waits until `signal` aborts, then rejects with its reason (a call that hangs). */
export function hangUntil(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

type Poll = ScaleSetMessage | null | Error | "hang";

/** Scripted GitHub: each poll takes the next scripted answer; records every call in order. */
export class ScriptedGitHub implements ListenerGitHubApi {
  calls: string[] = [];
  conflicts = 0;
  notFoundOnSession = 0;
  nextScaleSetId = 10;
  existing: RunnerScaleSet | null = null;
  polls: Poll[] = [];
  /** Acks of these message ids hang until their signal aborts. */
  hangingAcks = new Set<number>();
  /** Simulated duration of DELETE session (ms, on the test's clock); 0 = instant. */
  deleteSessionMs = 0;
  /** Answers of GET acquirablejobs, in order; an Error is thrown. Absent → the port lacks it. */
  acquirable: Array<AcquirableJob[] | Error> | null = null;
  sessions = 0;

  async getRunnerGroupByName() {
    return { id: 1, name: "Default", isDefaultGroup: true };
  }
  async getScaleSetByName() {
    this.calls.push("getScaleSetByName");
    return this.existing;
  }
  async createScaleSet(input: CreateScaleSetInput): Promise<RunnerScaleSet> {
    this.calls.push("createScaleSet");
    this.existing = {
      id: this.nextScaleSetId++,
      name: input.name,
      runnerGroupId: 1,
      runnerGroupName: "Default",
      labels: input.labels.map((name) => ({ type: "System", name })),
      runnerSetting: {},
    };
    return this.existing;
  }
  async updateScaleSet(): Promise<RunnerScaleSet> {
    throw new Error("not expected");
  }
  async createSession(scaleSetId: number): Promise<MessageSession> {
    this.calls.push(`createSession:${scaleSetId}`);
    if (this.conflicts > 0) {
      this.conflicts--;
      throw new SessionConflictError(apiError);
    }
    if (this.notFoundOnSession > 0) {
      this.notFoundOnSession--;
      this.existing = null;
      throw new ScaleSetNotFoundError({ ...apiError, status: 404 });
    }
    this.sessions++;
    return {
      sessionId: `s-${scaleSetId}`,
      ownerName: "o",
      messageQueueUrl: "http://q",
      messageQueueAccessToken: "t",
      statistics: stats(2),
    };
  }
  async deleteSession(scaleSetId: number, sessionId: string, signal?: AbortSignal) {
    if (this.deleteSessionMs > 0) {
      const ms = this.deleteSessionMs;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          this.calls.push(`deleteSession-aborted:${scaleSetId}`);
          reject(signal.reason);
        });
      });
    }
    this.calls.push(`deleteSession:${scaleSetId}:${sessionId}`);
  }
  get getAcquirableJobs() {
    const answers = this.acquirable;
    if (!answers) return undefined;
    return async (scaleSetId: number) => {
      this.calls.push(`acquirable:${scaleSetId}`);
      const next = answers.shift() ?? [];
      if (next instanceof Error) throw next;
      return next;
    };
  }

  queue(session: MessageSession): MessageQueueApi {
    return {
      session,
      getMessage: async (lastMessageId, maxCapacity, signal) => {
        this.calls.push(`poll:${lastMessageId}:${maxCapacity}`);
        const next = this.polls.shift();
        if (next === undefined || next === "hang") return await hangUntil(signal);
        if (next instanceof ScaleSetNotFoundError) this.existing = null; // deleted server-side
        if (next instanceof Error) throw next;
        return next;
      },
      deleteMessage: async (id, signal) => {
        this.calls.push(`ack:${id}`);
        if (this.hangingAcks.has(id)) {
          await hangUntil(signal).catch((error: unknown) => {
            this.calls.push(`ack-aborted:${id}`);
            throw error;
          });
        }
        await new Promise((r) => setTimeout(r, 20)); // gives a shutdown a chance to interrupt
      },
      acquireJobs: async (ids) => {
        this.calls.push(`acquire:${ids.join(",")}`);
        return ids;
      },
    };
  }
}

export class RecordingScaler implements ScaleHandler {
  constructor(private readonly calls: string[]) {}
  handleDesiredRunnerCount(n: number) {
    this.calls.push(`desired:${n}`);
  }
  handleJobStarted(m: JobStarted) {
    this.calls.push(`started:${m.runnerName}`);
  }
  handleJobCompleted() {
    this.calls.push("completed");
  }
}

export function makeListener(
  github: ScriptedGitHub,
  opts: Partial<ListenerOptions> & { logger?: Logger } = {},
) {
  const scalerIds: number[] = [];
  const listener = new ScaleSetListener({
    github,
    openQueue: (_id, session) => github.queue(session),
    spec: { name: "set", labels: ["set"], runnerGroup: "default" },
    maxRunners: () => 7,
    ownerName: "owner",
    logger: silent,
    onScaleSet: (id) => {
      scalerIds.push(id);
      return new RecordingScaler(github.calls);
    },
    conflictRetryMs: [5, 10],
    errorRetryBaseMs: 5,
    ...opts,
  });
  return { listener, scalerIds };
}

export const job = (type: "JobAvailable" | "JobStarted", requestId: number, runnerName = "") => ({
  messageType: type,
  runnerRequestId: requestId,
  jobId: `j${requestId}`,
  repositoryName: "r",
  ownerName: "o",
  jobWorkflowRef: "",
  jobDisplayName: "",
  workflowRunId: 1,
  eventName: "push",
  requestLabels: ["set"],
  acquireJobUrl: "",
  runnerName,
  runnerId: 1,
});

/** Runs the listener on the real clock until `done`, then stops it. */
export async function runUntil(
  listener: ScaleSetListener,
  github: ScriptedGitHub,
  done: () => boolean,
) {
  const abort = new AbortController();
  const running = listener.run(abort.signal);
  const deadline = Date.now() + 5000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  abort.abort(new Error("stop"));
  await running;
  return github.calls;
}

/** A pino logger whose JSON lines are kept (to assert levels, fields and that no secret leaks). */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const logger = pino({ level: "debug" }, { write: (chunk: string) => chunks.push(chunk) });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Runs each test of the file on vitest's fake clock (timers and Date). */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Advances the fake clock in small steps until `done` holds. */
export async function advanceUntil(done: () => boolean, maxMs = 60_000, stepMs = 10) {
  for (let waited = 0; !done(); waited += stepMs) {
    if (waited > maxMs) throw new Error("condition not reached on the fake clock");
    await vi.advanceTimersByTimeAsync(stepMs);
  }
}

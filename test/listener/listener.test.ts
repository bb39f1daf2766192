import pino from "pino";
import { describe, expect, it } from "vitest";
import { ScaleSetNotFoundError, SessionConflictError } from "../../src/github/errors.js";
import { emptyJobMessages } from "../../src/github/messages.js";
import type {
  CreateScaleSetInput,
  JobStarted,
  MessageSession,
  RunnerScaleSet,
  ScaleSetMessage,
} from "../../src/github/types.js";
import { ScaleSetListener } from "../../src/listener/listener.js";
import type { ListenerGitHubApi, MessageQueueApi } from "../../src/listener/ports.js";
import type { ScaleHandler } from "../../src/scaler/scaler.js";

const logger = pino({ level: "silent" });
const stats = (assigned: number) => ({
  totalAvailableJobs: 0,
  totalAcquiredJobs: 0,
  totalAssignedJobs: assigned,
  totalRunningJobs: 0,
  totalRegisteredRunners: 0,
  totalBusyRunners: 0,
  totalIdleRunners: 0,
});
const apiError = { status: 409, method: "POST", url: "/sessions", retryCount: 0 };

function message(
  id: number,
  assigned: number,
  extra: Partial<ScaleSetMessage> = {},
): ScaleSetMessage {
  return { ...emptyJobMessages(id, stats(assigned)), ...extra };
}

/** Scripted GitHub: each poll takes the next scripted answer; records every call in order. */
class ScriptedGitHub implements ListenerGitHubApi {
  calls: string[] = [];
  conflicts = 0;
  notFoundOnSession = 0;
  nextScaleSetId = 10;
  existing: RunnerScaleSet | null = null;
  polls: Array<ScaleSetMessage | null | Error | "hang"> = [];

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
    return {
      sessionId: `s-${scaleSetId}`,
      ownerName: "o",
      messageQueueUrl: "http://q",
      messageQueueAccessToken: "t",
      statistics: stats(2),
    };
  }
  async deleteSession(scaleSetId: number, sessionId: string) {
    this.calls.push(`deleteSession:${scaleSetId}:${sessionId}`);
  }

  queue(session: MessageSession): MessageQueueApi {
    return {
      session,
      getMessage: async (lastMessageId, maxCapacity, signal) => {
        this.calls.push(`poll:${lastMessageId}:${maxCapacity}`);
        const next = this.polls.shift();
        if (next === undefined || next === "hang") {
          return await new Promise<null>((_, reject) => {
            signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          });
        }
        if (next instanceof ScaleSetNotFoundError) this.existing = null; // deleted server-side
        if (next instanceof Error) throw next;
        return next;
      },
      deleteMessage: async (id) => {
        this.calls.push(`ack:${id}`);
        await new Promise((r) => setTimeout(r, 20)); // gives a shutdown a chance to interrupt
      },
      acquireJobs: async (ids) => {
        this.calls.push(`acquire:${ids.join(",")}`);
        return ids;
      },
    };
  }
}

class RecordingScaler implements ScaleHandler {
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

function makeListener(github: ScriptedGitHub, opts: { watchdogMs?: number } = {}) {
  const scalerIds: number[] = [];
  const listener = new ScaleSetListener({
    github,
    openQueue: (_id, session) => github.queue(session),
    spec: { name: "set", labels: ["set"], runnerGroup: "default" },
    maxRunners: () => 7,
    ownerName: "owner",
    logger,
    onScaleSet: (id) => {
      scalerIds.push(id);
      return new RecordingScaler(github.calls);
    },
    conflictRetryMs: [5, 10],
    errorRetryBaseMs: 5,
    watchdogMs: opts.watchdogMs,
  });
  return { listener, scalerIds };
}

const job = (type: "JobAvailable" | "JobStarted", requestId: number, runnerName = "") => ({
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

async function runUntil(listener: ScaleSetListener, github: ScriptedGitHub, done: () => boolean) {
  const abort = new AbortController();
  const running = listener.run(abort.signal);
  const deadline = Date.now() + 5000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  abort.abort(new Error("stop"));
  await running;
  return github.calls;
}

describe("ScaleSetListener", () => {
  it("creates the scale set, applies session statistics, then acks first, acquires, dispatches and rescales", async () => {
    const github = new ScriptedGitHub();
    github.polls = [
      message(5, 3, {
        jobAvailable: [
          job("JobAvailable", 11),
          job("JobAvailable", 0),
          job("JobAvailable", 12),
        ] as never,
        jobStarted: [job("JobStarted", 0, "r1")] as never,
      }),
      null,
    ];
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () => github.calls.includes("poll:5:7"));
    expect(calls).toEqual([
      "getScaleSetByName",
      "createScaleSet",
      "createSession:10",
      "desired:2",
      "poll:0:7",
      "ack:5",
      "acquire:11,12", // runnerRequestId 0 is never acquired
      "started:r1",
      "desired:3",
      "poll:5:7",
      "desired:3", // an empty poll re-applies the last known count
      "poll:5:7",
      "deleteSession:10:s-10",
    ]);
  });

  it("waits out session conflicts and reports it in its status", async () => {
    const github = new ScriptedGitHub();
    github.conflicts = 3;
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () =>
      github.calls.some((c) => c.startsWith("poll")),
    );
    expect(calls.filter((c) => c.startsWith("createSession"))).toHaveLength(4);
    expect(listener.status().conflicts).toBe(3);
  });

  it("recreates a scale set deleted server-side and restarts from message id 0", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(40, 1), new ScaleSetNotFoundError({ ...apiError, status: 404 })];
    github.notFoundOnSession = 0;
    const { listener, scalerIds } = makeListener(github);
    const calls = await runUntil(
      listener,
      github,
      () =>
        github.calls.filter((c) => c === "createScaleSet").length === 2 &&
        github.calls.at(-1) === "poll:0:7",
    );
    expect(calls.filter((c) => c === "createScaleSet")).toHaveLength(2);
    expect(scalerIds).toEqual([10, 11]);
    // The session went with the scale set: no DELETE for it; the new set's session is closed.
    expect(calls).not.toContain("deleteSession:10:s-10");
    expect(calls.at(-1)).toBe("deleteSession:11:s-11");
    expect(calls.at(-2)).toBe("poll:0:7"); // the new scale set's messages start again
  });

  it("finishes a message it already received when shutdown arrives mid-handling", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(9, 4)];
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    while (!github.calls.includes("ack:9")) await new Promise((r) => setTimeout(r, 1));
    abort.abort(new Error("SIGTERM")); // the ack is in flight
    await running;
    const calls = github.calls;
    expect(calls.indexOf("desired:4")).toBeGreaterThan(calls.indexOf("ack:9"));
    expect(calls.at(-1)).toBe("deleteSession:10:s-10");
    expect(listener.status().phase).toBe("stopped");
  });

  it("restarts an iteration that hangs (watchdog) with a new session", async () => {
    const github = new ScriptedGitHub();
    github.polls = ["hang", null];
    const { listener } = makeListener(github, { watchdogMs: 50 });
    const calls = await runUntil(
      listener,
      github,
      () => github.calls.filter((c) => c.startsWith("createSession")).length >= 2,
    );
    expect(calls.filter((c) => c.startsWith("createSession")).length).toBeGreaterThanOrEqual(2);
    expect(calls).toContain("deleteSession:10:s-10");
    expect(listener.status().restarts).toBeGreaterThanOrEqual(1);
  });

  it("recovers from a poll error without losing its session state", async () => {
    const github = new ScriptedGitHub();
    github.polls = [new Error("socket hang up"), message(3, 1)];
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () => github.calls.includes("ack:3"));
    expect(calls).toContain("ack:3");
    expect(listener.status().restarts).toBe(1);
  });
});

/** Options and observer hooks of ScaleSetListener. */
import type { Logger } from "pino";
import type { ScaleSetMessage } from "../github/types.js";
import type { ScaleHandler } from "../scaler/scaler.js";
import type { ListenerGitHubApi, OpenMessageQueue } from "./ports.js";
import type { ScaleSetSpec } from "./scale-set-registry.js";

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
  /**
   * GHES path (jobs arrive as JobAvailable): at each session start, acquire what GET
   * acquirablejobs lists — jobs an earlier process acked but never acquired.
   */
  acquireLeftovers?: boolean;
  /** Delay range between session attempts while another listener holds the session. */
  conflictRetryMs?: [number, number];
  /** Delay before retrying after an unexpected error (doubles up to 60 s). */
  errorRetryBaseMs?: number;
  /** A long poll unanswered this long is abandoned and sent again (default 65 s). */
  pollTimeoutMs?: number;
  /** A loop iteration (poll + handling) that takes longer than this restarts the session. */
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
  /** A message that could not be decoded was acked without being handled. */
  messageDropped?(messageType: string): void;
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

import type { AcquirableJob } from "../github/decode.js";
import type {
  CreateScaleSetInput,
  MessageSession,
  RunnerGroup,
  RunnerScaleSet,
  ScaleSetMessage,
} from "../github/types.js";

/** The part of the GitHub client the listener needs (ActionsClient satisfies it). */
export interface ListenerGitHubApi {
  getRunnerGroupByName(name: string): Promise<RunnerGroup>;
  getScaleSetByName(runnerGroupId: number, name: string): Promise<RunnerScaleSet | null>;
  createScaleSet(input: CreateScaleSetInput): Promise<RunnerScaleSet>;
  updateScaleSet(id: number, patch: Partial<CreateScaleSetInput>): Promise<RunnerScaleSet>;
  createSession(scaleSetId: number, ownerName: string): Promise<MessageSession>;
  deleteSession(scaleSetId: number, sessionId: string, signal?: AbortSignal): Promise<void>;
  /** GET acquirablejobs (§4.13); used at session start on the GHES path. */
  getAcquirableJobs?(scaleSetId: number, signal?: AbortSignal): Promise<AcquirableJob[]>;
  setScaleSetId?(id: number): void;
}

/** Message-queue calls of one session (MessageQueueClient satisfies it). */
export interface MessageQueueApi {
  readonly session: MessageSession;
  getMessage(
    lastMessageId: number,
    maxCapacity: number,
    signal?: AbortSignal,
  ): Promise<ScaleSetMessage | null>;
  deleteMessage(messageId: number, signal?: AbortSignal): Promise<void>;
  acquireJobs(runnerRequestIds: number[], signal?: AbortSignal): Promise<number[]>;
}

export type OpenMessageQueue = (scaleSetId: number, session: MessageSession) => MessageQueueApi;

/**
 * Message-queue calls of one session (protocol reference §4.10–4.12): long-poll, ack and
 * acquire. All three use the session's queue token and recover from its expiry (§7.3).
 */
import type { ActionsClient } from "./client.js";
import { MessageQueueTokenExpiredError } from "./errors.js";
import type { HttpResponse } from "./http.js";
import { decodeMessageResponse } from "./messages.js";
import type { MessageSession, ScaleSetMessage } from "./types.js";
import { appendPathSegment } from "./url.js";

export interface MessageQueueClientOptions {
  /** Called after the session was replaced by a refresh (e.g. for metrics). */
  onSessionRefreshed?: (session: MessageSession) => void;
}

const QUEUE_ACCEPT = "application/json; api-version=6.0-preview";
const MAX_CAPACITY = 2_147_483_647;

export class MessageQueueClient {
  private current: MessageSession;
  private refreshing?: Promise<void>;

  constructor(
    private readonly client: ActionsClient,
    private readonly scaleSetId: number,
    session: MessageSession,
    private readonly options: MessageQueueClientOptions = {},
  ) {
    this.current = session;
  }

  get session(): MessageSession {
    return this.current;
  }

  /**
   * Long-polls for the next message. null on 202 and on an empty 200 (pitfall 1).
   * `maxCapacity` is always sent as X-ScaleSetMaxCapacity (pitfall 8). A message whose id is
   * known but whose content is not decodable throws MessageDecodeError (it can still be acked).
   */
  getMessage(
    lastMessageId: number,
    maxCapacity: number,
    signal?: AbortSignal,
  ): Promise<ScaleSetMessage | null> {
    const capacity = Math.min(MAX_CAPACITY, Math.max(0, Math.floor(maxCapacity)));
    return this.withTokenRefresh(async (session) => {
      const url = new URL(session.messageQueueUrl);
      if (lastMessageId > 0) url.searchParams.set("lastMessageId", String(lastMessageId));
      const res = await this.client.sendQueueRequest({
        method: "GET",
        url: url.toString(),
        token: session.messageQueueAccessToken,
        headers: { Accept: QUEUE_ACCEPT, "X-ScaleSetMaxCapacity": String(capacity) },
        signal,
      });
      if (res.status === 202) return null;
      this.expectQueue(res, [200], session);
      if (res.body.trim() === "") return null;
      return decodeMessageResponse(res);
    });
  }

  /** Acks a message: DELETE {messageQueueUrl}/{messageId}, keeping the URL's query (§4.11). */
  deleteMessage(messageId: number, signal?: AbortSignal): Promise<void> {
    return this.withTokenRefresh(async (session) => {
      const res = await this.client.sendQueueRequest({
        method: "DELETE",
        url: appendPathSegment(session.messageQueueUrl, String(messageId)),
        token: session.messageQueueAccessToken,
        headers: { "Content-Type": "application/json" },
        signal,
      });
      this.expectQueue(res, [204, 200], session);
    });
  }

  /** Acquires JobAvailable requests; returns the ids actually acquired (§4.12). */
  acquireJobs(runnerRequestIds: number[], signal?: AbortSignal): Promise<number[]> {
    if (runnerRequestIds.length === 0) return Promise.resolve([]);
    return this.withTokenRefresh((session) =>
      this.client.acquireJobsWithQueueToken(
        this.scaleSetId,
        runnerRequestIds,
        session.messageQueueAccessToken,
        signal,
      ),
    );
  }

  /** Runs `call`; on an expired queue token refreshes the session and retries exactly once. */
  private async withTokenRefresh<T>(call: (session: MessageSession) => Promise<T>): Promise<T> {
    const session = this.current;
    try {
      return await call(session);
    } catch (err) {
      if (!(err instanceof MessageQueueTokenExpiredError)) throw err;
      await this.refreshSession(session);
      return call(this.current);
    }
  }

  /** Single-flight; skipped when another call already replaced the session we used. */
  private async refreshSession(stale: MessageSession): Promise<void> {
    if (this.current !== stale) return;
    if (!this.refreshing) {
      this.refreshing = (async () => {
        this.client.logger.debug(
          { scaleSetId: this.scaleSetId, sessionId: stale.sessionId },
          "message queue token expired; refreshing session",
        );
        const fresh = await this.client.refreshSession(this.scaleSetId, stale.sessionId);
        this.current = fresh;
        this.options.onSessionRefreshed?.(fresh);
      })().finally(() => {
        this.refreshing = undefined;
      });
    }
    await this.refreshing;
  }

  private expectQueue(res: HttpResponse, ok: number[], session: MessageSession): void {
    this.client.assertStatus(res, ok, { 401: MessageQueueTokenExpiredError }, [
      session.messageQueueAccessToken,
    ]);
  }
}

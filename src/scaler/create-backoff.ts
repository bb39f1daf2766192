import { backoffDelay } from "../util/sleep.js";

/** The last reason creating runners failed, as /status shows it. */
export interface CreateFailure {
  code: string;
  message: string;
  /** What the operator can do, when the engine knows. */
  fix?: string;
  stage: "jit" | "engine" | "boot";
  retryable: boolean;
  at: number;
}

export interface CreateBackoffSnapshot {
  /** Ms until the next create may start (0 when creates may run now). */
  blockedForMs: number;
  consecutiveFailures: number;
  consecutiveBootFailures: number;
  lastFailure: CreateFailure | null;
}

const RETRYABLE_BASE_MS = 1000;
/** Permission, config or boot failures: nothing changes within a second, and each try may bill. */
const SLOW_BASE_MS = 30_000;
const MAX_MS = 300_000;

/**
 * When the scaler may try to create runners again. Creates never stop while jobs wait: every
 * failure only delays the next try, capped at 5 minutes. Failures that end while a backoff is
 * already running (the rest of the same burst) record the cause but do not lengthen it, so one
 * burst of N refused creates costs one step, not N.
 *
 * Boot failures (a machine powered off before its runner ever came online: a stale image, a
 * wrong metadata key) count apart: a create that the cloud accepts does not clear them, a runner
 * that comes online does.
 */
export class CreateBackoff {
  #failures = 0;
  #bootFailures = 0;
  #blockedUntil = 0;
  #last: CreateFailure | null = null;

  constructor(
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  blocked(): boolean {
    return this.now() < this.#blockedUntil;
  }

  failed(failure: Omit<CreateFailure, "at">): void {
    const now = this.now();
    this.#last = { ...failure, at: now };
    if (failure.stage === "boot") this.#bootFailures++;
    if (now < this.#blockedUntil) return;
    const attempt = this.#failures++;
    const slow = !failure.retryable || failure.stage === "boot";
    const delay = backoffDelay(Math.max(attempt, this.#bootFailures - 1), {
      baseMs: slow ? SLOW_BASE_MS : RETRYABLE_BASE_MS,
      maxMs: MAX_MS,
      jitter: 0.2,
      random: this.random,
    });
    this.#blockedUntil = now + delay;
  }

  /** The cloud accepted a machine. */
  created(): void {
    this.#failures = 0;
  }

  /** A runner came online (idle or busy): the image and its runner work. */
  online(): void {
    this.#bootFailures = 0;
  }

  snapshot(): CreateBackoffSnapshot {
    return {
      blockedForMs: Math.max(0, this.#blockedUntil - this.now()),
      consecutiveFailures: this.#failures,
      consecutiveBootFailures: this.#bootFailures,
      lastFailure: this.#last,
    };
  }
}

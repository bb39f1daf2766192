/**
 * The SDK's own retries, narrowed so they never multiply with the engine's: the SDK repeats a
 * request only after a transport-level failure (connection reset, socket timeout, a 5xx without a
 * known EC2 code), where resending the same signed request — same ClientToken, so RunInstances
 * stays idempotent — is the right move. Capacity, quota and throttling errors go straight to the
 * engine, which backs off and falls through to the next instance type, subnet or market.
 */
import { isEngineHandled } from "./error-codes.js";

/** The parts of the SDK's RetryStrategyV2 contract this strategy uses (structurally typed). */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

interface RetryErrorInfo {
  error?: unknown;
  errorType: "TRANSIENT" | "THROTTLING" | "SERVER_ERROR" | "CLIENT_ERROR";
}

function token(retryCount: number, delayMs: number): RetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delayMs };
}

export class TransportRetryStrategy {
  /** Read by the SDK for the `amz-sdk-request: attempt=n; max=m` header. */
  readonly mode = "scaleset-transport";

  constructor(
    private readonly maxAttempts: number,
    private readonly delayMs = 100,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const attempts = previous.getRetryCount() + 1;
    const name = (info.error as { name?: unknown } | undefined)?.name;
    const engineHandled = typeof name === "string" && isEngineHandled(name);
    const transport = info.errorType === "TRANSIENT" || info.errorType === "SERVER_ERROR";
    if (attempts >= this.maxAttempts || engineHandled || !transport) {
      // Throwing tells the SDK to give up; it then rethrows the original error.
      throw new Error("no SDK-level retry");
    }
    return token(attempts, this.delayMs * attempts);
  }

  recordSuccess(_token: RetryToken): void {
    // Stateless: no retry quota to refill.
  }
}

import { Agent, request } from "undici";
import { decodeJitConfig } from "./github/jit-config.js";

/**
 * The simulated runner process of a sim machine: like `run.sh --jitconfig`, it starts from the
 * encoded JIT config alone, takes one job, and exits. The fake runs the job; this only connects.
 */

export interface SimulatedRunResult {
  jobId: string;
  result: string;
}

/** Runner connections stay open for the whole job: no header/body timeouts, unlimited sockets. */
let dispatcher: Agent | undefined;
function runnerDispatcher(): Agent {
  dispatcher ??= new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });
  return dispatcher;
}

/**
 * Runs one job with the runner registration in `encodedJitConfig`. Resolves with the job result,
 * or null when the registration was removed before a job arrived. Throws on any other failure
 * (and with the abort reason when `signal` aborts — the machine was powered off).
 */
export async function runSimulatedRunner(
  encodedJitConfig: string,
  signal?: AbortSignal,
): Promise<SimulatedRunResult | null> {
  const config = decodeJitConfig(encodedJitConfig);
  if (!config) throw new Error("simulated runner: the JIT config is malformed");
  const serverUrl = config.runner.serverUrl.replace(/\/+$/, "");
  // The config travels in the body, never in the URL (it is a secret).
  const response = await request(`${serverUrl}/_sim/runner/run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jitConfig: encodedJitConfig }),
    dispatcher: runnerDispatcher(),
    signal,
  });
  const text = (await response.body.text()).replace(/^\uFEFF/, "");
  if (response.statusCode === 410) return null;
  if (response.statusCode !== 200) {
    throw new Error(
      `simulated runner ${config.runner.agentName}: HTTP ${response.statusCode}: ${errorMessage(text)}`,
    );
  }
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    typeof (parsed as SimulatedRunResult).jobId !== "string" ||
    typeof (parsed as SimulatedRunResult).result !== "string"
  ) {
    throw new Error("simulated runner: unexpected response from the fake");
  }
  const { jobId, result } = parsed as SimulatedRunResult;
  return { jobId, result };
}

function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed) {
      return String(parsed.message);
    }
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}

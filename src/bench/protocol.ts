import type { ProfileShare } from "./profile-share.js";

/** Messages between the benchmark driver and the scaler process it measures. */
export type ToScaler =
  | { type: "report" }
  /** The warm-up burst is over: measure from the next scale-up on. */
  | { type: "reset" }
  | { type: "stop" }
  /** The simulated VM's runner process exited. */
  | { type: "runner-exited"; id: number };

export type FromScaler =
  /** `metricsUrl`: the Prometheus endpoint, when telemetry is on (BENCH_TELEMETRY=1). */
  | { type: "polling"; msSinceProcessStart: number; metricsUrl?: string }
  /** Start a simulated VM's runner in the driver (it plays the cloud's VMs). */
  | { type: "launch-runner"; id: number; jitConfig: string }
  | { type: "kill-runner"; id: number }
  | { type: "report"; report: ScalerReport };

export interface ScalerReport {
  createLatenciesMs: number[];
  /** The same latencies less the time GitHub took to answer the JIT config request. */
  scalerOnlyLatenciesMs: number[];
  /** Longest time between a poll returning and the next one starting, while deletes were queued. */
  maxPollGapWithDeletesMs: number;
  maxPollGapMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMb: number;
  /** BENCH_CPU_PROF: the measured window's profile split by who ran (see profile-share.ts). */
  profileShare?: ProfileShare;
  /** CPU ms of the measured window by thread name (Linux): main thread, GC helpers, libuv pool. */
  threadCpuMs?: Record<string, number>;
  /** V8's heap size limit in the scaler process (BENCH_SCALER_HEAP_MB sets its old space). */
  heapLimitMb: number;
  machinesLeft: number;
  runnersTracked: number;
  created: number;
  deleted: number;
}

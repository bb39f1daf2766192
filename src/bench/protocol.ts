/** Messages between the benchmark driver and the scaler process it measures. */
export type ToScaler = { type: "report" } | { type: "stop" };

export type FromScaler =
  | { type: "polling"; msSinceProcessStart: number }
  | { type: "report"; report: ScalerReport };

export interface ScalerReport {
  createLatenciesMs: number[];
  /** Longest time between a poll returning and the next one starting, while deletes were queued. */
  maxPollGapWithDeletesMs: number;
  maxPollGapMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMb: number;
  machinesLeft: number;
  runnersTracked: number;
  created: number;
  deleted: number;
}

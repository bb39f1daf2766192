/** Public API of the GitHub fake used by `scaleset demo`, the e2e tests and the benchmark. */
export type { FaultInjector, FaultName } from "./faults.js";
export { FAULT_NAMES } from "./faults.js";
export type { DecodedJitConfig, RunnerFile } from "./jit-config.js";
export { decodeJitConfig } from "./jit-config.js";
export type { EnqueueJobOptions } from "./job-flow.js";
export type { JobState } from "./model.js";
export type { GitHubSimAppOptions, GitHubSimOptions, JobMode, SimLogger } from "./options.js";
export type { RouteName } from "./route-names.js";
export { type GitHubSim, startGitHubSim } from "./server.js";
export type {
  JobSnapshot,
  RunnerSnapshot,
  ScaleSetSnapshot,
  SessionSnapshot,
  SimSnapshot,
} from "./snapshot.js";
export type { SimCounters } from "./world.js";

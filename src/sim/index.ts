/** Simulation kit: the GitHub fake, the simulated JIT runner and the demo job stream. */

export {
  type GceSim,
  type GceSimOptions,
  startGceSim,
  writeExternalAccountCredentials,
} from "./gce/index.js";
export * from "./github/index.js";
export { type JobStream, type JobStreamOptions, startJobStream } from "./job-stream.js";
export { runSimulatedRunner, type SimulatedRunResult } from "./runner.js";

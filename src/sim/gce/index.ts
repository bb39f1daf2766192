/** The Compute Engine fake: REST API, token endpoint, VMs that run simulated runners. */
export {
  GceCatalog,
  type GceImageSpec,
  type GceNetworkSpec,
  machineTypeCpus,
} from "./catalog.js";
export { writeExternalAccountCredentials } from "./credentials.js";
export { noFaults } from "./faults.js";
export { type GceSim, startGceSim } from "./server.js";
export type {
  GceCounters,
  GceFaults,
  GceInstanceStatus,
  GceInstanceView,
  GceOperationError,
  GceRecordedRequest,
  GceRunnerLauncher,
  GceSimOptions,
} from "./types.js";
export { JIT_METADATA_KEY } from "./world.js";

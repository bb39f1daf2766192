import type { DemoCloud } from "./demo-clouds.js";

/** STUB: the gcp engine work replaces this with its fake cloud. */
export async function startGcpDemoCloud(): Promise<DemoCloud> {
  throw new Error("scaleset demo --engine gcp is not available yet");
}

import type { DemoCloud } from "./demo-clouds.js";

/** STUB: the ec2 engine work replaces this with its fake cloud. */
export async function startEc2DemoCloud(): Promise<DemoCloud> {
  throw new Error("scaleset demo --engine ec2 is not available yet");
}

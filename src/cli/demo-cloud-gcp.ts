import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGceSim, writeExternalAccountCredentials } from "../sim/gce/index.js";
import type { DemoCloud } from "./demo-clouds.js";

const DEMO_PROJECT = "scaleset-demo";
const DEMO_ZONES = ["us-central1-a", "us-central1-b"];

/**
 * `scaleset demo --engine gcp`: the real gcp engine and `@google-cloud/compute` client against
 * the Compute Engine fake, authenticated through ADC with an external_account credential file
 * whose token URL is the fake (the Workload Identity Federation path).
 */
export async function startGcpDemoCloud(): Promise<DemoCloud> {
  const sim = await startGceSim({ zones: DEMO_ZONES, operationDelayMs: 100, bootDelayMs: 500 });
  const dir = mkdtempSync(join(tmpdir(), "scaleset-demo-gcp-"));
  const credentials = writeExternalAccountCredentials(dir, sim.tokenUrl);
  const engineYaml = [
    "{ type: gcp, gcp: {",
    `project: ${DEMO_PROJECT},`,
    `zones: [${DEMO_ZONES.join(", ")}],`,
    "machine_type: e2-standard-2,",
    `image: projects/${DEMO_PROJECT}/global/images/family/scaleset-runner,`,
    `api_endpoint: "${sim.url}" } }`,
  ].join(" ");
  return {
    engineYaml,
    // Example list prices (us-central1 e2-standard-2, pd-balanced), as in config.example.yaml.
    costYaml: "{ standard_per_hour: 0.067006, spot_per_hour: 0.020102, disk_gb_month: 0.10 }",
    // ADC reads the credential file; detection of a metadata server is off so nothing leaves loopback.
    env: { GOOGLE_APPLICATION_CREDENTIALS: credentials, METADATA_SERVER_DETECTION: "none" },
    // Every VM that exists counts, TERMINATED ones too: they still hold a disk until deleted.
    liveMachines: async () => sim.instances().length,
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

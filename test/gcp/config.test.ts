import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import type { GcpEngineConfig } from "../../src/config/types.js";

const TOKEN = "ghp_gcpConfigTestToken123";

function yaml(gcp: string): string {
  return `
github: { url: https://github.com/acme, token: env:GITHUB_TOKEN }
scalesets:
  - name: linux
    engine:
      type: gcp
      gcp:
${gcp
  .trim()
  .split("\n")
  .map((l) => `        ${l.trim()}`)
  .join("\n")}
`;
}

async function load(gcp: string, overrides: Record<string, unknown> = {}) {
  const config = await loadConfig({
    yamlText: yaml(gcp),
    env: { GITHUB_TOKEN: TOKEN },
    overrides,
    stdoutIsTTY: false,
  });
  return config.scalesets[0]?.engine as GcpEngineConfig;
}

async function problems(gcp: string): Promise<string> {
  const error = await load(gcp).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

const MINIMAL = `
project: acme-ci
zones: [us-central1-a, us-central1-b]
image: projects/acme-ci/global/images/family/gha-runner
`;

describe("engine.gcp config", () => {
  it("fills defaults for everything but project, zones and image", async () => {
    const engine = await load(MINIMAL);
    expect(engine).toEqual({
      type: "gcp",
      gcp: {
        project: "acme-ci",
        zones: ["us-central1-a", "us-central1-b"],
        machineType: "e2-standard-2",
        image: "projects/acme-ci/global/images/family/gha-runner",
        diskSizeGb: 50,
        diskType: "pd-balanced",
        network: "default",
        subnetwork: undefined,
        publicIp: false,
        serviceAccount: undefined,
        scopes: ["cloud-platform"],
        networkTags: [],
        labels: {},
        spot: false,
        spotFallback: true,
        maxRunDuration: 7 * 3_600_000,
        apiEndpoint: undefined,
        apiTimeout: 60_000,
        operationTimeout: 300_000,
      },
    });
  });

  it("reads every field, a single zone as text, and booleans from flags", async () => {
    const engine = await load(
      `
project: acme-ci
zones: europe-west4-b
machine_type: c3-standard-8
image: https://www.googleapis.com/compute/v1/projects/acme-ci/global/images/gha-runner-20261101
disk_size_gb: 100
disk_type: pd-ssd
network: ci
subnetwork: ci-eu
service_account: runner@acme-ci.iam.gserviceaccount.com
scopes: [logging.write]
network_tags: [gha-runner]
labels: { team: platform }
spot: true
max_run_duration: 3h
api_endpoint: https://compute-private.p.googleapis.com:8443
api_timeout: 30s
operation_timeout: 10m
`,
      {
        "scalesets.0.engine.gcp.public_ip": "true",
        "scalesets.0.engine.gcp.spot_fallback": "false",
      },
    );
    expect(engine.gcp).toMatchObject({
      zones: ["europe-west4-b"],
      machineType: "c3-standard-8",
      diskSizeGb: 100,
      publicIp: true,
      spot: true,
      spotFallback: false,
      maxRunDuration: 3 * 3_600_000,
      apiEndpoint: "https://compute-private.p.googleapis.com:8443",
      labels: { team: "platform" },
      scopes: ["logging.write"],
    });
  });

  it("rejects bad values, naming the field and the fix", async () => {
    const text = await problems(`
project: acme-ci
zones: []
image: debian-12
disk_size_gb: 5
labels: { scaleset-runner: x, Team: y }
network_tags: [Bad_Tag]
max_run_duration: 10s
api_endpoint: https://example.com/compute/v1
public_ip: maybe
`);
    expect(text).toContain("scalesets[0].engine.gcp.zones: must not be empty");
    expect(text).toContain("scalesets[0].engine.gcp.image: must name an image");
    expect(text).toContain("scalesets[0].engine.gcp.disk_size_gb");
    expect(text).toContain("is reserved for scaleset");
    expect(text).toContain("is not a valid GCE label key");
    expect(text).toContain("scalesets[0].engine.gcp.network_tags");
    expect(text).toContain("scalesets[0].engine.gcp.max_run_duration: must be at least 30s");
    expect(text).toContain(
      "scalesets[0].engine.gcp.api_endpoint: must be an http(s) URL without a path",
    );
    expect(text).toContain("scalesets[0].engine.gcp.public_ip: must be true or false");
  });

  it("requires project and image, and rejects unknown keys", async () => {
    const text = await problems("zones: [us-central1-a]\nmachine_typ: e2-small");
    expect(text).toContain("scalesets[0].engine.gcp.project");
    expect(text).toContain("scalesets[0].engine.gcp.image");
    expect(text).toContain("machine_typ");
  });
});

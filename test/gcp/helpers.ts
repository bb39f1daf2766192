import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { expect } from "vitest";
import { gcpEngineSchema } from "../../src/config/engines/gcp.js";
import type { GcpEngineConfig } from "../../src/config/types.js";
import { type Engine, EngineError, type MachineRequest } from "../../src/engines/engine.js";
import { createGcpEngine } from "../../src/engines/gcp/index.js";
import {
  type GceSim,
  type GceSimOptions,
  noFaults,
  startGceSim,
  writeExternalAccountCredentials,
} from "../../src/sim/gce/index.js";

export const PROJECT = "scaleset-test";
export const ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"];
/** Two zones of one region and one of another: quota tests need a second region. */
export const TWO_REGIONS = ["us-central1-a", "us-central1-b", "us-east1-b"];
export const DEPLOYMENT = "test-deployment";
export const IMAGE = `projects/${PROJECT}/global/images/family/scaleset-runner`;
export const SCALE_SET = "gcp-linux";
export const OWNER = "test-host-abc123";

/** Env that makes ADC use the fake and never probe a metadata server (nothing leaves loopback). */
export function adcEnv(credentialsPath: string): Record<string, string> {
  return {
    GOOGLE_APPLICATION_CREDENTIALS: credentialsPath,
    METADATA_SERVER_DETECTION: "none",
    GCE_METADATA_HOST: "127.0.0.1:9",
    GCE_METADATA_IP: "127.0.0.1:9",
  };
}

export interface FakeCloud {
  sim: GceSim;
  credentials: string;
  stop(): Promise<void>;
}

/** Starts the GCE fake and points this process's ADC at it (an external_account file). */
export async function startFakeCloud(options: GceSimOptions = {}): Promise<FakeCloud> {
  const sim = await startGceSim({
    zones: ZONES,
    operationDelayMs: 20,
    bootDelayMs: 20,
    ...options,
  });
  const dir = mkdtempSync(join(tmpdir(), "scaleset-gcp-test-"));
  const credentials = writeExternalAccountCredentials(dir, sim.tokenUrl);
  Object.assign(process.env, adcEnv(credentials));
  return {
    sim,
    credentials,
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A VM workload that idles until the VM is deleted (tests that do not need GitHub). */
export const idleRunner = (_jit: string, signal: AbortSignal) =>
  new Promise<void>((_resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

/** A parsed `engine.gcp` config for the fake, with snake_case overrides as in YAML. */
export function gcpConfig(sim: GceSim, overrides: Record<string, unknown> = {}): GcpEngineConfig {
  return gcpEngineSchema.parse({
    type: "gcp",
    gcp: {
      project: PROJECT,
      zones: ZONES,
      image: IMAGE,
      api_endpoint: sim.url,
      api_timeout: "5s",
      operation_timeout: "10s",
      ...overrides,
    },
  });
}

import { LogCapture as LogSink } from "../e2e/harness.js";

export { LogSink };

export async function makeEngine(
  sim: GceSim,
  overrides: Record<string, unknown> = {},
  opts: { scaleSetName?: string; deployment?: string; logs?: LogSink } = {},
): Promise<Engine> {
  const logs = opts.logs ?? new LogSink();
  return await createGcpEngine(gcpConfig(sim, overrides), {
    scaleSetName: opts.scaleSetName ?? SCALE_SET,
    owner: OWNER,
    deployment: opts.deployment ?? DEPLOYMENT,
    logger: pino({ level: "debug" }, logs),
  });
}

let counter = 0;
export function runnerName(prefix = SCALE_SET): string {
  counter++;
  return `${prefix}-${process.pid.toString(16)}${counter.toString(16).padStart(4, "0")}`;
}

/** A stand-in JIT config: unique, and easy to search for in logs and labels. */
export function fakeJit(): string {
  return `JITSECRET${Math.random().toString(36).slice(2)}${"x".repeat(40)}`;
}

/** A create request with a fresh stand-in JIT config, remembered in `jits` for log checks. */
export function machineRequest(
  jits: string[],
  name = runnerName(),
  scaleSetName = SCALE_SET,
): MachineRequest {
  const jitConfig = fakeJit();
  jits.push(jitConfig);
  return { runnerName: name, jitConfig, scaleSetId: 1, scaleSetName, labels: [scaleSetName] };
}

export async function eventually(what: string, check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const inserts = (sim: GceSim) =>
  sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/instances"));

/** Puts every fault knob of the fake back to "no fault". */
export function resetFaults(sim: GceSim): void {
  Object.assign(sim.faults, noFaults());
}

// biome-ignore lint/suspicious/noExplicitAny: wire JSON, asserted field by field in tests
export type WireJson = Record<string, any>;

/**
 * An access token from the fake's token endpoint (the STS exchange of an external_account
 * credential); the fake records `subject` as the principal of every call made with it.
 */
export async function accessToken(sim: GceSim, subject = "operator"): Promise<string> {
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString("base64url");
  const res = await fetch(sim.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience:
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      subject_token: `${part({ alg: "none" })}.${part({ sub: subject })}.c2ln`,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One REST call to the fake, as JSON, with `bearer` (or without any Authorization header). */
export async function callApi(
  sim: GceSim,
  bearer: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as WireJson };
}

/** Awaits a promise that must reject with an EngineError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/**
 * Inserts a VM straight through the REST API with exactly these labels (as an older scaleset
 * version, or a person, would) and waits for it to exist.
 */
export async function insertDirect(
  sim: GceSim,
  zone: string,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  const res = await callApi(
    sim,
    await accessToken(sim),
    "POST",
    `/compute/v1/projects/${PROJECT}/zones/${zone}/instances`,
    {
      name,
      machineType: `zones/${zone}/machineTypes/e2-small`,
      labels,
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: IMAGE } }],
      networkInterfaces: [{ network: "global/networks/default" }],
    },
  );
  if (res.status !== 200) throw new Error(`direct insert: HTTP ${res.status}`);
  await eventually("directly inserted VM exists", () =>
    sim.instances().some((vm) => vm.name === name && vm.status !== "PROVISIONING"),
  );
}

import { runDoctor } from "../../src/cli/doctor.js";
import { loadConfig } from "../../src/config/index.js";
import type { ScalesetConfig } from "../../src/config/types.js";
import { MACHINE_LABELS, type MachineState } from "../../src/engines/engine.js";
import type { SimCloud } from "../../src/engines/sim/sim-cloud.js";
import { SimEngine } from "../../src/engines/sim/sim-engine.js";
import { ActionsClient } from "../../src/github/index.js";
import { configYaml, SCALE_SET, SIM_TOKEN, type Stack, type StackOptions } from "../e2e/harness.js";

/** The stack's config, as `scaleset doctor --config` would load it. */
export async function stackConfig(
  stack: Stack,
  options: StackOptions = {},
): Promise<ScalesetConfig> {
  return await loadConfig({
    yamlText: configYaml(stack.sim.configUrl(), options),
    env: { GITHUB_TOKEN: SIM_TOKEN },
    stdoutIsTTY: false,
  });
}

/** What doctor asked the cloud and GitHub to delete (our own client and engine, counted). */
export interface Deletes {
  machines: string[];
  registrations: number[];
}

class CountingClient extends ActionsClient {
  constructor(
    config: ScalesetConfig,
    readonly deletes: Deletes,
  ) {
    super({
      configUrl: config.github.url,
      credentials: config.github.credentials,
      retry: { maxRetries: 1 },
    });
  }
  override async removeRunner(runnerId: number): Promise<void> {
    this.deletes.registrations.push(runnerId);
    await super.removeRunner(runnerId);
  }
}

/** Runs the doctor in this process over the stack's GitHub sim and sim cloud. */
export async function doctor(stack: Stack, options: StackOptions & { fix?: boolean } = {}) {
  const config = await stackConfig(stack, options);
  const deletes: Deletes = { machines: [], registrations: [] };
  const github = new CountingClient(config, deletes);
  const lines: string[] = [];
  try {
    const result = await runDoctor({
      config,
      github,
      fix: options.fix ?? false,
      owner: "doctor-test",
      engineFor: async (scaleSet) => {
        const engine = new SimEngine({
          scaleSetName: scaleSet.name,
          owner: "doctor-test",
          deployment: scaleSet.deployment,
          createDelayMs: 0,
          bootDelayMs: 0,
          cloud: stack.cloud,
        });
        const remove = engine.delete.bind(engine);
        engine.delete = async (id, signal) => {
          deletes.machines.push(id);
          await remove(id, signal);
        };
        return engine;
      },
      onAction: (action) => lines.push(...action.lines),
    });
    const only = result.scalesets[0];
    if (!only) throw new Error("doctor reported no scale set");
    return { ...result, ...only, lines, deletes, deployment: config.scalesets[0]?.deployment };
  } finally {
    await github.close();
  }
}

/**
 * A machine as an earlier process (or something else) left it in the sim cloud: `deployment`
 * null means no scope label at all (a version before scopes).
 */
export function leaveMachine(
  cloud: SimCloud,
  o: { runner: string; deployment: string | null; state?: MachineState; ageMs?: number },
): string {
  const id = cloud.newMachineId();
  const labels: Record<string, string> = {
    [MACHINE_LABELS.managedBy]: "scaleset",
    [MACHINE_LABELS.scaleSet]: SCALE_SET,
    [MACHINE_LABELS.runner]: o.runner,
    [MACHINE_LABELS.owner]: "killed-host-1",
  };
  if (o.deployment !== null) labels[MACHINE_LABELS.deployment] = o.deployment;
  cloud.machines.set(id, {
    id,
    labels,
    state: o.state ?? "running",
    createdAt: new Date(Date.now() - (o.ageMs ?? 60_000)),
    powerOff: new AbortController(),
  });
  return id;
}

/** Registers a runner that no machine will ever run (a process killed between JIT and create). */
export async function leaveRegistration(stack: Stack, name: string): Promise<number> {
  const config = await stackConfig(stack);
  const client = new ActionsClient({
    configUrl: config.github.url,
    credentials: config.github.credentials,
  });
  try {
    const scaleSet = stack.sim.snapshot().scaleSets.find((s) => s.name === SCALE_SET);
    if (!scaleSet) throw new Error("the scale set does not exist yet");
    return (await client.generateJitConfig(scaleSet.id, name)).runner.id;
  } finally {
    await client.close();
  }
}

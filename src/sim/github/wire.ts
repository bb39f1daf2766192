import type { RunnerScaleSetStatistics } from "../../github/types.js";
import type { SimRunner, SimScaleSet, SimSession } from "./model.js";
import type { SimWorld } from "./world.js";

/** JSON shapes of Actions-service responses (camelCase, list wrappers `{count, value}`). */

export interface ListWrapper<T> {
  count: number;
  value: T[];
}

export const list = <T>(value: T[]): ListWrapper<T> => ({ count: value.length, value });

export function scaleSetJson(world: SimWorld, scaleSet: SimScaleSet): Record<string, unknown> {
  return {
    id: scaleSet.id,
    name: scaleSet.name,
    runnerGroupId: scaleSet.runnerGroupId,
    runnerGroupName: world.groupName(scaleSet.runnerGroupId),
    labels: scaleSet.labels.map((l) => ({ id: 0, name: l.name, type: l.type })),
    runnerSetting: scaleSet.runnerSetting,
    createdOn: scaleSet.createdOn.toISOString(),
    runnerJitConfigUrl: `${world.actionsBase}_apis/runtime/runnerscalesets/${scaleSet.id}/generatejitconfig`,
    statistics: world.statistics(scaleSet),
    status: "active",
  };
}

export function agentJson(world: SimWorld, runner: SimRunner): Record<string, unknown> {
  const scaleSet = world.scaleSets.get(runner.scaleSetId);
  const runnerGroupId = scaleSet?.runnerGroupId ?? 1;
  return {
    id: runner.id,
    name: runner.name,
    runnerScaleSetId: runner.scaleSetId,
    version: "2.330.0",
    os: "Linux",
    enabled: true,
    ephemeral: true,
    status: runner.status,
    busy: runner.busy,
    disableUpdate: scaleSet?.runnerSetting.disableUpdate === true,
    provisioningState: "Provisioned",
    createdOn: runner.createdOn.toISOString(),
    runnerGroupId,
    runnerGroupName: world.groupName(runnerGroupId),
    labels: (scaleSet?.labels ?? []).map((l) => ({ id: 0, name: l.name, type: l.type })),
  };
}

export function sessionJson(
  world: SimWorld,
  session: SimSession,
  scaleSet: SimScaleSet,
  queueToken: string,
): Record<string, unknown> {
  const statistics: RunnerScaleSetStatistics = world.statistics(scaleSet);
  return {
    sessionId: session.id,
    ownerName: session.ownerName,
    runnerScaleSet: scaleSetJson(world, scaleSet),
    messageQueueUrl: `${world.url}/broker/scalesets/${scaleSet.id}/message`,
    messageQueueAccessToken: queueToken,
    statistics,
  };
}

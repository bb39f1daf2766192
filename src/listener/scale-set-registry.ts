import type { Logger } from "pino";
import type { RunnerScaleSet } from "../github/types.js";
import type { ListenerGitHubApi } from "./ports.js";

export interface ScaleSetSpec {
  name: string;
  labels: readonly string[];
  runnerGroup: string;
}

/**
 * Finds the scale set by group and name, creating it when missing (first start, or deleted
 * server-side after a long idle period) and fixing its labels when the config changed.
 */
export async function ensureScaleSet(
  github: ListenerGitHubApi,
  spec: ScaleSetSpec,
  logger: Logger,
): Promise<RunnerScaleSet> {
  const group = await github.getRunnerGroupByName(spec.runnerGroup);
  const existing = await github.getScaleSetByName(group.id, spec.name);
  const labels = spec.labels.length > 0 ? [...spec.labels] : [spec.name];
  if (!existing) {
    const created = await github.createScaleSet({
      name: spec.name,
      runnerGroupId: group.id,
      labels,
      disableUpdate: true,
    });
    logger.info({ scaleSetId: created.id, runnerGroup: group.name }, "created scale set");
    return created;
  }
  const current = new Set(existing.labels.map((l) => l.name));
  const same = current.size === labels.length && labels.every((l) => current.has(l));
  if (same) return existing;
  logger.info({ from: [...current], to: labels }, "updating scale set labels");
  return await github.updateScaleSet(existing.id, { labels, disableUpdate: true });
}

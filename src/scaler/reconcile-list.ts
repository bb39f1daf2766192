import type { Logger } from "pino";
import type { Engine, Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerGitHubApi } from "./provision.js";

/**
 * What reconciliation joins: the engine's machines (required: without them nothing can be
 * judged) and GitHub's registrations (optional: listing them is undocumented, so a failure only
 * narrows what is judged; see `trustedRegistrations`).
 */
export async function listCloudAndGitHub(
  engine: Pick<Engine, "list">,
  github: Pick<ScalerGitHubApi, "listRunners">,
  scaleSetId: number,
  logger: Logger,
): Promise<{ machines: Machine[]; registrations: RunnerReference[] | null } | null> {
  let machines: Machine[];
  try {
    machines = await engine.list();
  } catch (error) {
    logger.warn({ err: error }, "reconcile: listing machines failed; will retry next interval");
    return null;
  }
  const registrations = await github.listRunners(scaleSetId).catch((error: unknown) => {
    logger.warn({ err: error }, "reconcile: listing runners failed; judging machines only");
    return null;
  });
  return { machines, registrations };
}

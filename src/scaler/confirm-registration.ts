import type { RunnerReference } from "../github/types.js";
import type { ScalerGitHubApi } from "./provision.js";

/**
 * What GitHub says about one runner name, asked through the routes GitHub's own SDK uses (by
 * name, and by id when known) rather than the undocumented unfiltered listing.
 * - `absent`: every lookup answered "no such runner": proof that no job runs under that name.
 * - `ours` / `foreign`: registered, in this scale set or another one.
 * - `unknown`: a lookup failed, or the answer lacks the scale set id: judge again later.
 */
export type Confirmation =
  | { kind: "absent" }
  | { kind: "ours"; registration: RunnerReference }
  | { kind: "foreign"; registration: RunnerReference }
  | { kind: "unknown"; error?: unknown };

export async function confirmRegistration(
  github: Pick<ScalerGitHubApi, "getRunnerByName" | "getRunner">,
  scaleSetId: number,
  name: string,
  runnerId?: number,
): Promise<Confirmation> {
  try {
    const found =
      (await github.getRunnerByName(name)) ??
      (runnerId !== undefined ? await github.getRunner(runnerId) : null);
    if (!found) return { kind: "absent" };
    if (!(found.runnerScaleSetId > 0)) return { kind: "unknown" };
    return found.runnerScaleSetId === scaleSetId
      ? { kind: "ours", registration: found }
      : { kind: "foreign", registration: found };
  } catch (error) {
    return { kind: "unknown", error };
  }
}

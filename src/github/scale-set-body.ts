/** Request body of create/update scale set (protocol reference §4.4, §4.5). */
import type { CreateScaleSetInput } from "./types.js";

/** Go's zero time; sent as `createdOn` like the SDK does. */
const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * The SDK's shape: camelCase except `RunnerSetting` (always present, possibly `{}`), zero
 * `createdOn`, labels typed "System". Update bodies carry only what the patch sets.
 */
export function scaleSetBody(
  input: Partial<CreateScaleSetInput>,
  isCreate: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.name) body.name = input.name;
  if (input.runnerGroupId) body.runnerGroupId = input.runnerGroupId;
  let names = (input.labels ?? []).filter((n) => n !== "");
  // On create the name doubles as the runs-on label when no labels are given (§4.4).
  if (isCreate && names.length === 0 && input.name) names = [input.name];
  if (names.length > 0) body.labels = names.map((name) => ({ type: "System", name }));
  body.RunnerSetting = input.disableUpdate ? { disableUpdate: true } : {};
  body.createdOn = GO_ZERO_TIME;
  return body;
}

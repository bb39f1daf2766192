import { createHash } from "node:crypto";
import { MACHINE_LABELS } from "../engine.js";

/**
 * GCE labels that identify a scaleset VM. Label values must be ≤ 63 characters of lowercase
 * letters, digits, `_` and `-`; a value that has to be changed to fit gets a short hash of the
 * original, so two scale sets whose names differ only in case never share a label value.
 */

export const MANAGED_BY_VALUE = "scaleset";
const MAX_VALUE = 63;

export function labelValue(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
  if (cleaned === text && text.length <= MAX_VALUE) return text;
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 6);
  return `${cleaned.slice(0, MAX_VALUE - hash.length - 1)}-${hash}`;
}

export function machineLabels(
  scaleSetName: string,
  runnerName: string,
  owner: string,
  deployment: string,
): Record<string, string> {
  return {
    [MACHINE_LABELS.managedBy]: MANAGED_BY_VALUE,
    [MACHINE_LABELS.scaleSet]: labelValue(scaleSetName),
    [MACHINE_LABELS.runner]: labelValue(runnerName),
    [MACHINE_LABELS.owner]: labelValue(owner),
    [MACHINE_LABELS.deployment]: labelValue(deployment),
  };
}

/**
 * The server-side list filter: this scale set's VMs, of every deployment scope.
 *
 * The scope cannot be part of it. `list` must return this scope's VMs *and* the scale set's VMs
 * that carry no scope label (made before scopes existed), and Compute's filter syntax has no way
 * to say "label absent": its documented operators are `=`, `!=`, `:` (`labels.k:*` tests
 * presence), AND and OR — no NOT (gcloud's own Compute filter rewriter notes "Explicit AND, OR or
 * NOT operators are not supported"), and what `!=` does with a missing label is not documented.
 * A second call for the unlabelled VMs would need this same filter, so it would only double the
 * list quota spent. The scope is applied to the answer instead (`inScope`).
 */
export function scaleSetFilter(scaleSetName: string): string {
  return [
    `(labels.${MACHINE_LABELS.managedBy} = "${MANAGED_BY_VALUE}")`,
    `(labels.${MACHINE_LABELS.scaleSet} = "${labelValue(scaleSetName)}")`,
  ].join(" AND ");
}

/**
 * Whether a listed VM is this engine's to see: a VM of its scale set whose scope label is its
 * own deployment's, or absent (an older version's VM; the scaler decides about those). A VM of
 * another deployment never passes, even with the same scale set name.
 */
export function inScope(
  labels: Record<string, string>,
  scaleSetName: string,
  deployment: string,
): boolean {
  const scope = labels[MACHINE_LABELS.deployment];
  return (
    ofScaleSet(labels, scaleSetName) && (scope === undefined || scope === labelValue(deployment))
  );
}

/** A scaleset VM of this scale set name, of any deployment scope (what `inventory` shows). */
export function ofScaleSet(labels: Record<string, string>, scaleSetName: string): boolean {
  return (
    labels[MACHINE_LABELS.managedBy] === MANAGED_BY_VALUE &&
    labels[MACHINE_LABELS.scaleSet] === labelValue(scaleSetName)
  );
}

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
): Record<string, string> {
  return {
    [MACHINE_LABELS.managedBy]: MANAGED_BY_VALUE,
    [MACHINE_LABELS.scaleSet]: labelValue(scaleSetName),
    [MACHINE_LABELS.runner]: labelValue(runnerName),
    [MACHINE_LABELS.owner]: labelValue(owner),
  };
}

/** The server-side list filter that selects exactly this scale set's VMs. */
export function scaleSetFilter(scaleSetName: string): string {
  return [
    `(labels.${MACHINE_LABELS.managedBy} = "${MANAGED_BY_VALUE}")`,
    `(labels.${MACHINE_LABELS.scaleSet} = "${labelValue(scaleSetName)}")`,
  ].join(" AND ");
}

export function isScaleSetMember(labels: Record<string, string>, scaleSetName: string): boolean {
  return (
    labels[MACHINE_LABELS.managedBy] === MANAGED_BY_VALUE &&
    labels[MACHINE_LABELS.scaleSet] === labelValue(scaleSetName)
  );
}

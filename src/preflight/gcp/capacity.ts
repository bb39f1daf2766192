import type { GcpEngineConfig, ScaleSetConfig } from "../../config/types.js";
import { machineTypeFix } from "../../engines/gcp/error-fixes.js";
import { type CheckResult, fail, ok, type PreflightContext, warn } from "../types.js";
import type { GceQuota, GcpApi } from "./api.js";
import { type GoogleFailure, generalFix, googleFailure } from "./errors.js";
import { machineTypeName, regionOf } from "./refs.js";

/**
 * The machine type in each zone (it exists there; its vCPUs), then each region's quotas against
 * what `max_runners` VMs of that type take: vCPUs (the series' own metric where the region has
 * one, PREEMPTIBLE_CPUS for spot where that quota exists), instances, and external addresses.
 */

type Settings = GcpEngineConfig["gcp"];

/** Series whose vCPUs count against the generic CPUS quota. */
const GENERIC_CPU_SERIES = new Set(["e2", "n1", "f1", "g1"]);

/** The quota metric a VM's vCPUs count against in a region, and why (for the detail). */
export function cpuMetric(quotas: GceQuota[], machineType: string, spot: boolean): string {
  const limit = (metric: string) => quotas.find((q) => q.metric === metric)?.limit ?? 0;
  // Without preemptible quota, spot VMs use standard quota (Compute's spot documentation).
  if (spot && limit("PREEMPTIBLE_CPUS") > 0) return "PREEMPTIBLE_CPUS";
  const series = machineType.split("-")[0] ?? "";
  const own = `${series.toUpperCase()}_CPUS`;
  return !GENERIC_CPU_SERIES.has(series) && quotas.some((q) => q.metric === own) ? own : "CPUS";
}

/** The id of a regional quota in the Cloud Quotas API (`CPUS` → `CPUS-per-project-region`). */
const quotaId = (metric: string) => `${metric.replace(/_/g, "-")}-per-project-region`;

export async function capacityChecks(
  api: GcpApi,
  s: Settings,
  scaleSet: ScaleSetConfig,
  ctx: PreflightContext,
): Promise<CheckResult[]> {
  const type = machineTypeName(s);
  const answers = await Promise.all(
    s.zones.map(async (zone): Promise<[string, number | GoogleFailure]> => {
      try {
        const found = await api.machineType(s.project, zone, type, ctx);
        return [zone, found.guestCpus ?? 0];
      } catch (error) {
        return [zone, googleFailure(error)];
      }
    }),
  );
  const offered = answers.filter((a): a is [string, number] => typeof a[1] === "number");
  const missing = answers.filter(([, a]) => typeof a !== "number" && a.kind === "not-found");
  const broken = answers.find(([, a]) => typeof a !== "number" && a.kind !== "not-found");
  const cpus = offered[0]?.[1] ?? 0;
  const market = s.spot ? "spot" : "standard";
  let typeCheck: CheckResult;
  if (broken && typeof broken[1] !== "number") {
    typeCheck = fail("machine type", broken[1].message, generalFix(broken[1], s.project));
  } else if (missing.length > 0) {
    const where = missing.map(([z]) => z);
    const detail = `${type} is not offered in ${where.join(", ")}${offered.length > 0 ? ` (it is in ${offered.map(([z]) => z).join(", ")})` : ""}`;
    typeCheck = fail("machine type", detail, machineTypeFix(type, where));
  } else {
    typeCheck = ok("machine type", `${type} (${cpus} vCPUs, ${market}) in ${s.zones.join(", ")}`);
  }
  if (offered.length === 0) return [typeCheck];
  const regions = [...new Set(offered.map(([zone]) => regionOf(zone)))];
  const quotas = await Promise.all(
    regions.map((region) => quotaCheck(api, s, region, cpus, scaleSet.maxRunners, ctx)),
  );
  return [typeCheck, ...quotas];
}

async function quotaCheck(
  api: GcpApi,
  s: Settings,
  region: string,
  cpus: number,
  maxRunners: number,
  ctx: PreflightContext,
): Promise<CheckResult> {
  const name = `quota ${region}`;
  let quotas: GceQuota[];
  try {
    quotas = await api.regionQuotas(s.project, region, ctx);
  } catch (error) {
    const failure = googleFailure(error);
    const fix = generalFix(failure, s.project);
    return failure.kind === "denied"
      ? warn(
          name,
          `not checked: ${failure.message}`,
          "run validate as an identity that may read the region (compute.regions.get)",
        )
      : fail(name, failure.message, fix);
  }
  const type = machineTypeName(s);
  const needs: Array<[string, number]> = [
    [cpuMetric(quotas, type, s.spot), maxRunners * cpus],
    ["INSTANCES", maxRunners],
  ];
  if (s.publicIp) needs.push(["IN_USE_ADDRESSES", maxRunners]);
  const parts: string[] = [];
  let short: { metric: string; need: number; limit: number } | undefined;
  let busy: { metric: string; free: number } | undefined;
  for (const [metric, need] of needs) {
    const quota = quotas.find((q) => q.metric === metric);
    const limit = quota?.limit ?? 0;
    const usage = quota?.usage ?? 0;
    parts.push(`${metric} ${need} needed, ${usage}/${limit} used`);
    if (limit < need) short ??= { metric, need, limit };
    else if (limit - usage < need) busy ??= { metric, free: limit - usage };
  }
  const detail = `${parts.join("; ")} (max_runners ${maxRunners} × ${type})`;
  if (short) {
    const fewer = Math.floor(short.limit / Math.max(1, short.need / maxRunners));
    return fail(
      name,
      detail,
      `raise ${short.metric} in ${region} to at least ${short.need}: gcloud beta quotas preferences create --service=compute.googleapis.com --quota-id=${quotaId(short.metric)} --dimensions=region=${region} --preferred-value=${short.need} --project=${s.project}; or lower max_runners to ${fewer}`,
    );
  }
  if (busy) {
    return warn(
      name,
      `${detail}: only ${busy.free} ${busy.metric} free now`,
      `other VMs in the project use the rest; raise ${busy.metric} in ${region} or expect creates to wait for quota`,
    );
  }
  return ok(name, detail);
}

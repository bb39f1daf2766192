import type { GcpEngineConfig, ScaleSetConfig } from "../../config/types.js";
import { CREDENTIALS_FIX } from "../../engines/gcp/error-fixes.js";
import { type CheckGroup, errorText, fail, skip } from "../types.js";
import { type GcpApi, loadGcpApi } from "./api.js";
import { capacityChecks } from "./capacity.js";
import { gcpIdentity } from "./identity.js";
import { permissionChecks } from "./permissions.js";
import { imageCheck, networkChecks } from "./resources.js";

/**
 * A gcp scale set's checks: the identity first (without a token nothing else can be asked),
 * then permissions, image, machine type and quotas, network, all at once.
 */
export function gcpChecks(
  engine: GcpEngineConfig,
  scaleSet: ScaleSetConfig,
  section: number,
  _index: number,
): CheckGroup {
  const s = engine.gcp;
  return {
    section,
    label: "Compute Engine",
    async run(ctx) {
      let api: GcpApi;
      try {
        api = await loadGcpApi(s.apiEndpoint, s.project, ctx.callTimeoutMs);
      } catch (error) {
        return [
          fail("gcp identity", `Compute Engine client: ${errorText(error)}`, CREDENTIALS_FIX),
        ];
      }
      const identity = await gcpIdentity(api.auth, ctx);
      if (identity.result.status === "fail") {
        const why = "not checked: no Google credentials";
        return [
          identity.result,
          ...["permissions", "image", "machine type", "network"].map((n) => skip(n, why)),
        ];
      }
      const [permissions, image, capacity, network] = await Promise.all([
        permissionChecks(api, s, identity.member, ctx),
        imageCheck(api, s, ctx),
        capacityChecks(api, s, scaleSet, ctx),
        networkChecks(api, s, ctx),
      ]);
      return [identity.result, ...permissions, image, ...capacity, ...network];
    },
  };
}

import type { Ec2EngineConfig, ScaleSetConfig } from "../../config/types.js";
import { type CheckGroup, type CheckResult, errorText, fail } from "../types.js";
import { type Ec2PreflightApi, loadEc2Api } from "./api.js";
import { launchChecks } from "./launch.js";
import {
  imageCheck,
  offeringCheck,
  securityGroupCheck,
  subnetChecks,
  vcpuCheck,
} from "./resources.js";

/**
 * An ec2 scale set's checks, all at once: the dry-run launches (which also prove the
 * credentials and the instance profile), the AMI, the subnets — then the types offered in their
 * zones and the security groups' VPC — and the vCPUs max_runners needs.
 */
export function ec2Checks(
  engine: Ec2EngineConfig,
  scaleSet: ScaleSetConfig,
  section: number,
  _index: number,
): CheckGroup {
  const s = engine.ec2;
  return {
    section,
    label: "EC2",
    async run(ctx) {
      let api: Ec2PreflightApi;
      try {
        api = await loadEc2Api(s, ctx.callTimeoutMs);
      } catch (error) {
        return [fail("ec2 client", errorText(error))];
      }
      const network = (async (): Promise<CheckResult[]> => {
        const { results, subnets } = await subnetChecks(api, s, scaleSet, ctx);
        const [offered, groups] = await Promise.all([
          offeringCheck(api, s, subnets, ctx),
          securityGroupCheck(api, s, subnets, ctx),
        ]);
        return [...results, offered, ...(groups ? [groups] : [])];
      })();
      const [launch, image, place, vcpus] = await Promise.all([
        launchChecks(api, s, scaleSet, ctx),
        imageCheck(api, s, ctx),
        network,
        vcpuCheck(api, s, scaleSet, ctx),
      ]);
      return [...launch, image, ...place, vcpus];
    },
  };
}

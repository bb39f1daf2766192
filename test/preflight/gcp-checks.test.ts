import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  check,
  daysAgo,
  type Fakes,
  PROJECT,
  preflight,
  printed,
  RUNNER_SA,
  startFakes,
} from "./fixture.js";

/**
 * validate's Compute Engine checks: the real Compute SDK clients and google-auth-library (an
 * external_account credential exchanged at the fake's STS endpoint) against the GCE fake, which
 * also serves Resource Manager's and IAM's testIamPermissions. One fault per test.
 */

let f: Fakes | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});

const GCP = { only: ["gcp" as const] };
const S = "gcp-linux";

describe("validate: Compute Engine", () => {
  it("passes, naming the identity, and reads only: no instance, no insert", async () => {
    f = await startFakes();
    const report = await preflight(f, GCP);
    expect(report.counts.fail).toBe(0);
    expect(check(report, S, "gcp identity").detail).toMatch(
      /^external_account \(workload identity federation: workload identity pool scaleset, provider sim\); token issued$/,
    );
    expect(check(report, S, "permissions").detail).toBe(`all 11 granted on project ${PROJECT}`);
    expect(check(report, S, "image").detail).toMatch(
      /family scaleset-runner\): built \d{4}-\d\d-\d\d, 3 days old/,
    );
    expect(check(report, S, "quota us-central1").detail).toContain("CPUS 8 needed, 0/24 used");
    expect(f.gce.instances()).toHaveLength(0);
    expect(f.gce.requests.filter((r) => r.method !== "GET" && r.method !== "POST")).toEqual([]);
    const posts = f.gce.requests.filter((r) => r.method === "POST").map((r) => r.path);
    expect(posts.every((p) => p.endsWith(":testIamPermissions"))).toBe(true);
    // Every call carried the token of the one identity validate runs as.
    expect(new Set(f.gce.requests.map((r) => r.principal))).toEqual(new Set(["scaleset-validate"]));
  });

  it("credentials that yield no token: ✗ gcp identity, the rest not checked", async () => {
    f = await startFakes();
    const broken = join(f.dir, "broken-adc.json");
    writeFileSync(
      broken,
      JSON.stringify({
        type: "external_account",
        audience:
          "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: "http://127.0.0.1:9/token",
        credential_source: { file: join(f.dir, "missing-subject-token") },
      }),
    );
    const report = await preflight(f, GCP, { env: { GOOGLE_APPLICATION_CREDENTIALS: broken } });
    expect(printed(report, "gcp identity", "")).toMatch(
      /✗ gcp identity .*\n.*→ fix: scaleset uses Application Default Credentials: attach a service account, set GOOGLE_APPLICATION_CREDENTIALS/,
    );
    expect(check(report, S, "permissions").status).toBe("skip");
  });

  it("a permission missing on the project: ✗ permissions naming it and the gcloud grant", async () => {
    f = await startFakes();
    f.gce.faults.deniedPermissions.add("compute.instances.setLabels");
    f.gce.faults.deniedPermissions.add("compute.disks.create");
    const report = await preflight(f, GCP);
    expect(printed(report, "permissions", "missing")).toMatch(
      new RegExp(
        `✗ permissions .*missing on project ${PROJECT}: compute.instances.setLabels, compute.disks.create\\n.*→ fix: gcloud projects add-iam-policy-binding ${PROJECT} --member=<scaleset's principal> --role=roles/compute.instanceAdmin.v1`,
      ),
    );
  });

  it("no actAs on the runner service account: ✗ service account with the binding to add", async () => {
    f = await startFakes();
    f.gce.faults.deniedPermissions.add("iam.serviceAccounts.actAs");
    const report = await preflight(f, GCP);
    expect(printed(report, "service account", "actAs")).toMatch(
      new RegExp(
        `✗ service account .*missing iam.serviceAccounts.actAs on ${RUNNER_SA}\\n.*→ fix: gcloud iam service-accounts add-iam-policy-binding ${RUNNER_SA} .*--role=roles/iam.serviceAccountUser`,
      ),
    );
    f.gce.faults.deniedPermissions.clear();
    f.gce.catalog.serviceAccounts.clear();
    const gone = await preflight(f, GCP);
    expect(printed(gone, "service account", "does not exist")).toMatch(
      /✗ service account .*does not exist\n.*→ fix: create it \(gcloud iam service-accounts create NAME/,
    );
  });

  it("Resource Manager disabled: ! permissions not checked, with the API to enable", async () => {
    f = await startFakes();
    f.gce.faults.disabledServices.add("cloudresourcemanager.googleapis.com");
    const report = await preflight(f, GCP);
    expect(printed(report, "permissions", "not checked")).toMatch(
      /! permissions .*not checked: the Cloud Resource Manager API is disabled.*\n.*→ fix: enable the API: gcloud services enable cloudresourcemanager.googleapis.com --project scaleset-test/,
    );
  });

  it("an image family with no image: ✗ image", async () => {
    f = await startFakes();
    const report = await preflight(f, GCP, {});
    expect(check(report, S, "image").status).toBe("ok");
    f.gce.catalog.images.length = 0;
    const missing = await preflight(f, GCP);
    expect(printed(missing, "image", "does not exist")).toMatch(
      /✗ image .*projects\/scaleset-test\/global\/images\/family\/scaleset-runner does not exist.*\n.*→ fix: build it \(packer build packer\/gcp\) or fix engine.gcp.image/,
    );
  });

  it("an image 30 days old: ! image with its age and the rebuild", async () => {
    f = await startFakes();
    f.gce.catalog.images.length = 0;
    f.gce.catalog.addImage({
      project: PROJECT,
      name: "scaleset-runner-20261104",
      family: "scaleset-runner",
      createdAt: daysAgo(30),
    });
    const report = await preflight(f, GCP);
    expect(printed(report, "image", "30 days old")).toMatch(
      /! image .*scaleset-runner-20261104 \(family scaleset-runner\): built .*, 30 days old\n.*→ fix: rebuild the runner image .*about 30 days old/,
    );
    expect(report.counts.fail).toBe(0);
  });

  it("a machine type one zone does not offer: ✗ machine type naming the zone", async () => {
    f = await startFakes();
    f.gce.faults.unofferedMachineTypes.add("us-central1-b/e2-standard-2");
    const report = await preflight(f, GCP);
    expect(printed(report, "machine type", "not offered")).toMatch(
      /✗ machine type .*e2-standard-2 is not offered in us-central1-b \(it is in us-central1-a\)\n.*→ fix: machine type e2-standard-2 is not offered in us-central1-b/,
    );
  });

  it("CPUS quota below max_runners × vCPUs: ✗ quota with the quota request", async () => {
    f = await startFakes();
    f.gce.catalog.setQuota("us-central1", "CPUS", { limit: 6 });
    const report = await preflight(f, GCP);
    expect(printed(report, "quota us-central1", "CPUS")).toMatch(
      /✗ quota us-central1 .*CPUS 8 needed, 0\/6 used.*\n.*→ fix: raise CPUS in us-central1 to at least 8: gcloud beta quotas preferences create --service=compute.googleapis.com --quota-id=CPUS-per-project-region --dimensions=region=us-central1 --preferred-value=8 --project=scaleset-test; or lower max_runners to 3/,
    );
  });

  it("spot with a preemptible quota, and public IPs: PREEMPTIBLE_CPUS and IN_USE_ADDRESSES", async () => {
    f = await startFakes();
    f.gce.catalog.setQuota("us-central1", "PREEMPTIBLE_CPUS", { limit: 4 });
    f.gce.catalog.setQuota("us-central1", "IN_USE_ADDRESSES", { limit: 8, usage: 6 });
    const report = await preflight(f, { ...GCP, gcp: { spot: "true", public_ip: "true" } });
    expect(printed(report, "quota us-central1", "PREEMPTIBLE_CPUS")).toMatch(
      /✗ quota us-central1 .*PREEMPTIBLE_CPUS 8 needed, 0\/4 used; INSTANCES 4 needed, 0\/240 used; IN_USE_ADDRESSES 4 needed, 6\/8 used.*\n.*→ fix: raise PREEMPTIBLE_CPUS in us-central1 to at least 8/,
    );
    f.gce.catalog.setQuota("us-central1", "PREEMPTIBLE_CPUS", { limit: 64 });
    const busy = await preflight(f, { ...GCP, gcp: { spot: "true", public_ip: "true" } });
    expect(printed(busy, "quota us-central1", "free now")).toMatch(
      /! quota us-central1 .*only 2 IN_USE_ADDRESSES free now\n.*→ fix: other VMs in the project use the rest/,
    );
  });

  it("a network that does not exist, a subnetwork missing in a region: ✗ each", async () => {
    f = await startFakes();
    const report = await preflight(f, { ...GCP, gcp: { network: "ci" } });
    expect(printed(report, "network", "does not exist")).toMatch(
      /✗ network .*network ci does not exist in project scaleset-test\n.*→ fix: fix engine.gcp.network/,
    );
    f.gce.catalog.networks.push({
      project: PROJECT,
      name: "ci",
      autoSubnetworks: false,
      subnetworks: { "us-east1": ["runners"] },
    });
    const custom = await preflight(f, { ...GCP, gcp: { network: "ci" } });
    expect(printed(custom, "network", "custom-mode")).toMatch(
      /✗ network .*ci is a custom-mode network: VMs need a subnetwork\n.*→ fix: set engine.gcp.subnetwork/,
    );
    const subnet = await preflight(f, { ...GCP, gcp: { network: "ci", subnetwork: "runners" } });
    expect(check(subnet, S, "network").status).toBe("ok");
    expect(printed(subnet, "subnetwork", "does not exist")).toMatch(
      /✗ subnetwork .*runners does not exist in us-central1\n.*→ fix: create it there, or list only zones of regions that have it/,
    );
  });

  it("the Compute Engine API disabled: ✗ on what the scaler needs, with the API to enable", async () => {
    f = await startFakes();
    f.gce.faults.apiDisabled = true;
    const report = await preflight(f, GCP);
    expect(printed(report, "image", "has not been used")).toMatch(
      /✗ image .*Compute Engine API has not been used in project .*\n.*→ fix: enable the API: gcloud services enable compute.googleapis.com --project scaleset-test/,
    );
    expect(check(report, S, "machine type").status).toBe("fail");
  });

  it("a Compute read the identity may not make: ! not checked (the scaler does not need it)", async () => {
    f = await startFakes();
    f.gce.faults.deniedPermissions.add("compute.networks.get");
    const report = await preflight(f, GCP);
    expect(printed(report, "network", "not checked")).toMatch(
      /! network .*not checked: Required 'compute.networks.get' permission for 'projects\/scaleset-test\/global\/networks\/default'\n.*→ fix: run validate as an identity that may read it/,
    );
  });
});

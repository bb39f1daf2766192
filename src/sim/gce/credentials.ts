import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes an ADC credential file of type `external_account` (the shape `gcloud iam
 * workload-identity-pools create-cred-config` produces) whose token URL is the fake, plus the
 * subject-token file it reads. Point GOOGLE_APPLICATION_CREDENTIALS at the returned path and
 * the real auth library performs a real STS token exchange against the fake.
 */
export function writeExternalAccountCredentials(dir: string, tokenUrl: string): string {
  const subjectTokenPath = join(dir, "subject-token.jwt");
  // Any non-empty subject token works for the fake; a real one is the CI provider's OIDC JWT.
  writeFileSync(subjectTokenPath, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzY2FsZXNldC1zaW0ifQ.c2ln", {
    mode: 0o600,
  });
  const credentials = {
    type: "external_account",
    audience:
      "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/scaleset/providers/sim",
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    token_url: tokenUrl,
    credential_source: { file: subjectTokenPath },
  };
  const path = join(dir, "adc-external-account.json");
  writeFileSync(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return path;
}

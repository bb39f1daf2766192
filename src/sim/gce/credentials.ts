import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes an ADC credential file of type `external_account` (the shape `gcloud iam
 * workload-identity-pools create-cred-config` produces) whose token URL is the fake, plus the
 * subject-token file it reads. Point GOOGLE_APPLICATION_CREDENTIALS at the returned path and
 * the real auth library performs a real STS token exchange against the fake. `subject` is the
 * token's `sub`: the principal the fake records on every request made with the exchanged token
 * (two processes with two subjects can be told apart, as in an audit log).
 */
export function writeExternalAccountCredentials(
  dir: string,
  tokenUrl: string,
  subject = "scaleset-sim",
): string {
  const subjectTokenPath = join(dir, `subject-token-${subject}.jwt`);
  // An unsigned JWT: the fake reads its `sub`; a real one is the CI provider's OIDC JWT.
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString("base64url");
  writeFileSync(subjectTokenPath, `${part({ alg: "none" })}.${part({ sub: subject })}.c2ln`, {
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
  const path = join(dir, `adc-external-account-${subject}.json`);
  writeFileSync(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return path;
}

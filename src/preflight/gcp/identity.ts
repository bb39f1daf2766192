import type { GoogleAuth } from "google-auth-library";
import { CREDENTIALS_FIX } from "../../engines/gcp/error-fixes.js";
import { withDeadline } from "../deadline.js";
import { type CheckResult, errorText, fail, ok, type PreflightContext } from "../types.js";

/**
 * Which Application Default Credentials are in use and for whom, and that they yield a token.
 * The principal is what IAM grants must name; a user credential's email is not in its file, so
 * it is not named (finding it would take another call to Google).
 */

export interface GcpIdentity {
  result: CheckResult;
  /** `serviceAccount:EMAIL`, `user:…` or a federated principal, for gcloud `--member`. */
  member?: string;
}

/** The federated identity of an external_account without impersonation: its pool and provider. */
function federated(audience: string | undefined): string {
  const m = /workloadIdentityPools\/([^/]+)\/providers\/([^/]+)/.exec(audience ?? "");
  return m ? `workload identity pool ${m[1]}, provider ${m[2]}` : "a federated identity";
}

export async function gcpIdentity(auth: GoogleAuth, ctx: PreflightContext): Promise<GcpIdentity> {
  const lib = await import("google-auth-library");
  let kind: string;
  let email: string | undefined;
  try {
    const client = await withDeadline(auth.getClient(), ctx, "loading the credentials");
    await withDeadline(client.getAccessToken(), ctx, "the token request");
    if (client instanceof lib.Impersonated) {
      kind = "impersonated service account";
      email = client.getTargetPrincipal();
    } else if (client instanceof lib.BaseExternalAccountClient) {
      email = client.getServiceAccountEmail() ?? undefined;
      // `audience` is protected; it names the pool and provider of the federated identity.
      const audience = (client as unknown as { audience?: string }).audience;
      kind = `external_account (workload identity federation: ${federated(audience)})`;
    } else if (client instanceof lib.JWT) {
      kind = "service account key";
      email = client.email;
    } else if (client instanceof lib.Compute) {
      kind = "attached service account (metadata server)";
      email = (await withDeadline(auth.getCredentials(), ctx, "the metadata server")).client_email;
    } else if (client instanceof lib.UserRefreshClient) {
      kind = "user credentials (gcloud auth application-default login)";
    } else {
      kind = client.constructor.name;
    }
  } catch (error) {
    return { result: fail("gcp identity", errorText(error), CREDENTIALS_FIX) };
  }
  return {
    result: ok("gcp identity", `${kind}${email ? `: ${email}` : ""}; token issued`),
    member: email ? `serviceAccount:${email}` : undefined,
  };
}

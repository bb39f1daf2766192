import type { GitHubConfigUrl } from "../github/index.js";

/**
 * What a credential needs to create registration tokens for a scope (GitHub docs, "Authenticating
 * to the GitHub API" for runner scale sets): the fix when GitHub refuses one with 403 or 404.
 */

export function scopeName(scope: GitHubConfigUrl): string {
  if (scope.scope === "repo") return `repository ${scope.org}/${scope.repo}`;
  if (scope.scope === "enterprise") return `enterprise ${scope.enterprise}`;
  return `organization ${scope.org}`;
}

export function patPermissionFix(scope: GitHubConfigUrl): string {
  switch (scope.scope) {
    case "repo":
      return `the token's owner must be an admin of ${scope.org}/${scope.repo}; a classic token needs the repo scope, a fine-grained one "Administration: read and write" on that repository`;
    case "enterprise":
      return `use a classic token with the manage_runners:enterprise scope, from an owner of enterprise ${scope.enterprise}`;
    default:
      return `the token's owner must be an owner of ${scope.org}; a classic token needs the admin:org scope, a fine-grained one "Self-hosted runners: read and write" on the organization`;
  }
}

export function appPermissionFix(scope: GitHubConfigUrl): string {
  switch (scope.scope) {
    case "repo":
      return `install the App on ${scope.org}/${scope.repo} with the "Administration: read and write" repository permission (accept the new permission in the installation's settings)`;
    case "enterprise":
      return "a GitHub App cannot manage enterprise runners: use a classic personal access token with manage_runners:enterprise (github.token)";
    default:
      return `install the App on the ${scope.org} organization with the "Self-hosted runners: read and write" organization permission (accept the new permission in the installation's settings)`;
  }
}

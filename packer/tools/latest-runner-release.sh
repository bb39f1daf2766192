#!/usr/bin/env bash
# Prints the actions/runner release to bake into the image and the SHA-256 of its Linux tarball,
# as `runner_version=…` and `runner_sha256=…` lines (append them to $GITHUB_OUTPUT, or pass them
# to packer as -var). Runs on the machine that starts the build, not in the image.
#
# Usage: latest-runner-release.sh [x64|arm64] [VERSION]     (default: x64, the latest release)
# Env: GITHUB_API_URL (default https://api.github.com), GITHUB_TOKEN (optional, rate limits).
# Needs curl and jq.
#
# The checksum is the one GitHub publishes in the release notes between
# "<!-- BEGIN SHA linux-<arch> -->" and "<!-- END SHA linux-<arch> -->"; when the API also
# reports the asset's digest, both must agree. The image build verifies the tarball against it.
set -euo pipefail

arch="${1:-x64}"
version="${2:-}"
api="${GITHUB_API_URL:-https://api.github.com}"
api="${api%/}"

die() {
  echo "latest-runner-release: $*" >&2
  exit 1
}

case "$arch" in
x64 | arm64) ;;
*) die "arch must be x64 or arm64, not '${arch}'" ;;
esac

if [[ -n "$version" ]]; then
  path="repos/actions/runner/releases/tags/v${version#v}"
else
  path="repos/actions/runner/releases/latest"
fi

curl_args=(--silent --show-error --fail --location --retry 3
  -H "Accept: application/vnd.github+json")
if [[ -n "${GITHUB_TOKEN:-}" ]]; then
  # From a here-string (a file descriptor), so the token is not in curl's argv.
  curl_args+=(-H @-)
fi
release="$(curl "${curl_args[@]}" "${api}/${path}" <<<"Authorization: Bearer ${GITHUB_TOKEN:-}")" ||
  die "could not read ${api}/${path}"

tag="$(jq -r '.tag_name // empty' <<<"$release")"
found_version="${tag#v}"
[[ "$found_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "release tag '${tag}' is not a version"

marker="linux-${arch}"
notes_sha="$(jq -r '.body // ""' <<<"$release" |
  sed -n "s/.*<!-- BEGIN SHA ${marker} -->\([0-9a-f]\{64\}\)<!-- END SHA ${marker} -->.*/\1/p" |
  head -n 1)"
[[ -n "$notes_sha" ]] || die "release ${tag} publishes no SHA-256 for ${marker}"

asset="actions-runner-${marker}-${found_version}.tar.gz"
asset_digest="$(jq -r --arg name "$asset" \
  '.assets[]? | select(.name == $name) | .digest // empty' <<<"$release")"
asset_digest="${asset_digest#sha256:}"
if [[ -n "$asset_digest" && "$asset_digest" != "$notes_sha" ]]; then
  die "the release notes and the API disagree on the SHA-256 of ${asset}"
fi

echo "runner_version=${found_version}"
echo "runner_sha256=${notes_sha}"

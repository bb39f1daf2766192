#!/usr/bin/env bash
# Image build step 3 (as root): the GitHub Actions runner, verified against a pinned SHA-256.
# Env (required): RUNNER_VERSION (e.g. 2.330.0), RUNNER_SHA256 (of the linux tarball for
# RUNNER_ARCH, from the release notes; packer/tools/latest-runner-release.sh prints both).
# Env (optional): RUNNER_ARCH=x64|arm64 (default x64), RUNNER_DIR (default /opt/actions-runner).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# needrestart (Ubuntu) would otherwise restart services, sshd included, after each apt run.
export NEEDRESTART_SUSPEND=1

: "${RUNNER_VERSION:?RUNNER_VERSION is required (the actions/runner release to install)}"
: "${RUNNER_SHA256:?RUNNER_SHA256 is required (checksum of the runner tarball)}"
arch="${RUNNER_ARCH:-x64}"
runner_dir="${RUNNER_DIR:-/opt/actions-runner}"
version="${RUNNER_VERSION#v}"

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "RUNNER_VERSION '${RUNNER_VERSION}' is not a version like 2.330.0" >&2
  exit 1
fi
if [[ ! "$RUNNER_SHA256" =~ ^[0-9a-f]{64}$ ]]; then
  echo "RUNNER_SHA256 is not a lowercase hex SHA-256" >&2
  exit 1
fi
case "$arch" in
x64 | arm64) ;;
*)
  echo "RUNNER_ARCH '${arch}' is not x64 or arm64" >&2
  exit 1
  ;;
esac

tarball="actions-runner-linux-${arch}-${version}.tar.gz"
url="https://github.com/actions/runner/releases/download/v${version}/${tarball}"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

echo "downloading ${url}"
curl -fsSL --retry 5 --retry-connrefused -o "${workdir}/${tarball}" "$url"
echo "${RUNNER_SHA256}  ${workdir}/${tarball}" | sha256sum --check --strict -

install -d -o runner -g runner "$runner_dir"
tar -xzf "${workdir}/${tarball}" -C "$runner_dir"
# The runner's native dependencies (ICU, OpenSSL, Kerberos, lttng) for this Ubuntu release.
"${runner_dir}/bin/installdependencies.sh"

# Tool cache where actions/setup-* expect it on Ubuntu, and the OS id they key downloads on.
install -d -o runner -g runner /opt/hostedtoolcache
cat >>"${runner_dir}/.env" <<ENV
ImageOS=ubuntu24
AGENT_TOOLSDIRECTORY=/opt/hostedtoolcache
ENV
apt-get clean

installed="$("${runner_dir}/bin/Runner.Listener" --version)"
if [[ "$installed" != "$version" ]]; then
  echo "installed runner reports version '${installed}', expected ${version}" >&2
  exit 1
fi
# After the version check, which may create files as root: the runner writes _diag and _work.
chown -R runner:runner "$runner_dir"
echo "actions runner ${installed} installed in ${runner_dir}"

#!/usr/bin/env bash
# Image build step 4 (as root): the boot script and the systemd unit that runs it once per boot.
# Env: SCALESET_FILES (directory holding packer/files, uploaded by the file provisioner),
#      SCALESET_PROVIDER=gcp|ec2, RUNNER_VERSION.
set -euo pipefail

files="${SCALESET_FILES:?SCALESET_FILES is required}"
provider="${SCALESET_PROVIDER:?SCALESET_PROVIDER is required (gcp or ec2)}"
case "$provider" in
gcp | ec2) ;;
*)
  echo "SCALESET_PROVIDER '${provider}' is not gcp or ec2" >&2
  exit 1
  ;;
esac

install -d -m 0755 /opt/scaleset /etc/scaleset
install -m 0755 "${files}/start-runner.sh" /opt/scaleset/start-runner.sh
install -m 0644 "${files}/scaleset-runner.service" /etc/systemd/system/scaleset-runner.service
cat >/etc/scaleset/image.env <<ENV
SCALESET_PROVIDER=${provider}
SCALESET_RUNNER_VERSION=${RUNNER_VERSION#v}
SCALESET_IMAGE_BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ENV
chmod 0644 /etc/scaleset/image.env

# Enabled, not started: the build VM has no JIT config and must not power itself off.
systemctl daemon-reload
systemctl enable scaleset-runner.service
# verify exits 0 on unparsable settings (it only warns), so fail on any warning about our unit.
verify_output="$(systemd-analyze verify /etc/systemd/system/scaleset-runner.service 2>&1 || true)"
if grep -q "scaleset-runner" <<<"$verify_output"; then
  echo "$verify_output" >&2
  exit 1
fi

#!/usr/bin/env bash
# Image build step 5 (as root): make the disk a clean template for many VMs.
set -euo pipefail

rm -rf "${SCALESET_FILES:-/tmp/scaleset}"
apt-get -y -q autoremove --purge
# Package archives go; the package lists stay, so jobs can `sudo apt-get install` without an
# update first, as on GitHub-hosted runners.
apt-get clean
# Every VM gets fresh cloud-init state, SSH host keys and machine id on first boot
# (cloud-init regenerates host keys on an instance it has not seen).
cloud-init clean --logs --machine-id 2>/dev/null || cloud-init clean --logs
journalctl --rotate >/dev/null 2>&1 || true
journalctl --vacuum-time=1s >/dev/null 2>&1 || true
sync

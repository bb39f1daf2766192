#!/usr/bin/env bash
# Image build step 1 (as root): base packages, the `runner` user, no background apt.
# Env: RUNNER_PASSWORDLESS_SUDO=true|false (default true, like GitHub-hosted runners).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# needrestart (Ubuntu) would otherwise restart services, sshd included, after each apt run.
export NEEDRESTART_SUSPEND=1

# cloud-init may still be running apt on first boot of the build VM; wait for it.
cloud-init status --wait >/dev/null 2>&1 || true

# Background apt on a runner VM would hold the dpkg lock while a job runs `apt-get install`.
# The image is rebuilt weekly instead (see packer/README.md), which is when updates land.
systemctl disable --now apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
systemctl disable --now unattended-upgrades.service >/dev/null 2>&1 || true
# Wait up to 10 minutes for an apt run that started before the timers were disabled.
apt_get() { apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"; }

apt_get update
apt_get -o Dpkg::Options::=--force-confold dist-upgrade
apt_get install --no-install-recommends \
  ca-certificates curl git gnupg jq sudo unzip util-linux zip

if ! id runner >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash runner
fi
if [[ "${RUNNER_PASSWORDLESS_SUDO:-true}" == "true" ]]; then
  echo "runner ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/90-scaleset-runner
  chmod 0440 /etc/sudoers.d/90-scaleset-runner
  visudo -cf /etc/sudoers.d/90-scaleset-runner
fi

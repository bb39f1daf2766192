#!/usr/bin/env bash
# Image build step 2 (as root): Docker Engine from Docker's own apt repository.
# Why not Ubuntu's docker.io: Docker's repository ships the current engine together with the
# buildx and compose v2 plugins that workflows written for GitHub-hosted runners expect
# (`docker buildx`, `docker compose`), in versions that move together; the weekly image rebuild
# picks up new releases.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# needrestart (Ubuntu) would otherwise restart services, sshd included, after each apt run.
export NEEDRESTART_SUSPEND=1

# Docker's release signing key, as published on docs.docker.com/engine/install/ubuntu.
readonly DOCKER_KEY_FINGERPRINT=9DC858229FC7DD38854AE2D88D81803C0EBFCD88

install -m 0755 -d /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
if ! gpg --show-keys --with-colons /etc/apt/keyrings/docker.asc |
  grep -q "^fpr:::::::::${DOCKER_KEY_FINGERPRINT}:"; then
  echo "Docker's apt key does not have the expected fingerprint" >&2
  exit 1
fi
chmod a+r /etc/apt/keyrings/docker.asc

# shellcheck source=/dev/null
. /etc/os-release
cat >/etc/apt/sources.list.d/docker.sources <<SOURCES
Types: deb
URIs: https://download.docker.com/linux/ubuntu
Suites: ${UBUNTU_CODENAME:-$VERSION_CODENAME}
Components: stable
Architectures: $(dpkg --print-architecture)
Signed-By: /etc/apt/keyrings/docker.asc
SOURCES

apt-get -q -o DPkg::Lock::Timeout=600 update
apt-get -y -q -o DPkg::Lock::Timeout=600 install \
  docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin

# Membership of `docker` is root-equivalent; on a single-job, throw-away VM that is the point.
usermod -aG docker runner
systemctl enable docker.service containerd.service
docker --version

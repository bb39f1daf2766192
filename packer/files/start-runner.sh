#!/usr/bin/env bash
# Boot entry point of a scaleset runner VM (GCE or EC2), run once by scaleset-runner.service as
# root. It reads the single-use JIT runner config from the cloud's metadata service, then becomes
# the `runner` user and execs the actions runner with the config in the environment variable
# ACTIONS_RUNNER_INPUT_JITCONFIG — never on a command line, where every process could read it.
# When the runner exits, with any status, the unit's SuccessAction/FailureAction power the VM
# off; EC2 then terminates it (InstanceInitiatedShutdownBehavior=terminate) and scaleset deletes
# the stopped GCE instance.
#
# Usage: start-runner.sh [gcp|ec2]     (default: $SCALESET_PROVIDER, else detected from DMI)
#
# Environment (set by /etc/scaleset/image.env at image build; the overrides exist so the script
# can run against local fakes):
#   SCALESET_PROVIDER            gcp | ec2
#   SCALESET_RUNNER_VERSION      runner version baked into the image (logged)
#   SCALESET_IMAGE_BUILT_AT      image build time, ISO 8601 (logged; warns when old)
#   SCALESET_RUNNER_DIR          default /opt/actions-runner
#   SCALESET_RUNNER_USER         default runner
#   SCALESET_METADATA_ATTEMPTS   metadata reads before giving up, 2 s apart; default 30
#   SCALESET_CLOUD_INIT_DIR      default /var/lib/cloud/instance
#   GCE_METADATA_HOST            default metadata.google.internal
#   AWS_EC2_METADATA_SERVICE_ENDPOINT  default http://169.254.169.254
set -euo pipefail

readonly JIT_ENV_NAME=ACTIONS_RUNNER_INPUT_JITCONFIG
readonly EC2_USER_DATA_MARKER="#scaleset-jit-config"
readonly IMAGE_MAX_AGE_DAYS=21

runner_dir="${SCALESET_RUNNER_DIR:-/opt/actions-runner}"
runner_user="${SCALESET_RUNNER_USER:-runner}"
attempts="${SCALESET_METADATA_ATTEMPTS:-30}"
gce_metadata="http://${GCE_METADATA_HOST:-metadata.google.internal}/computeMetadata/v1"
ec2_imds="${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254}"
ec2_imds="${ec2_imds%/}"
cloud_init_dir="${SCALESET_CLOUD_INIT_DIR:-/var/lib/cloud/instance}"

log() { echo "scaleset-runner: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Prints the cloud this VM runs on, from DMI (no network round trip).
detect_provider() {
  local product vendor
  product="$(cat /sys/class/dmi/id/product_name 2>/dev/null || true)"
  vendor="$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null || true)"
  if [[ "$product" == "Google Compute Engine" ]]; then
    echo gcp
  elif [[ "$vendor" == "Amazon EC2" ]] || grep -qi '^ec2' /sys/hypervisor/uuid 2>/dev/null; then
    echo ec2
  else
    die "cannot tell whether this is GCE or EC2; pass gcp or ec2 as the first argument"
  fi
}

# curl with retries for the early-boot window where the metadata service or the network is not
# up yet. Prints the body; fails after $attempts tries. The caller's arguments never contain
# the JIT config (it only ever arrives in a response body).
fetch() {
  local try
  for ((try = 1; try <= attempts; try++)); do
    if curl --silent --show-error --fail --max-time 5 "$@"; then
      return 0
    fi
    if ((try < attempts)); then sleep 2; fi
  done
  return 1
}

read_gce_jit_config() {
  fetch -H "Metadata-Flavor: Google" \
    "${gce_metadata}/instance/attributes/${JIT_ENV_NAME}"
}

ec2_token() {
  fetch -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "${ec2_imds}/latest/api/token"
}

# User data is "#scaleset-jit-config", a newline, then the encoded JIT config.
read_ec2_jit_config() {
  local token="$1" user_data first_line
  user_data="$(fetch -H "X-aws-ec2-metadata-token: ${token}" "${ec2_imds}/latest/user-data")" ||
    return 1
  first_line="$(head -n 1 <<<"$user_data" | tr -d '\r')"
  if [[ "$first_line" != "$EC2_USER_DATA_MARKER" ]]; then
    log "user data does not start with ${EC2_USER_DATA_MARKER}"
    return 1
  fi
  sed -n 2p <<<"$user_data"
}

# Optional hard deadline: the engine may tag the instance scaleset-expires-at=<ISO 8601>. The tag
# is visible here only when instance metadata tags are enabled; without it nothing is scheduled
# and scaleset's reconciliation (max_runner_lifetime) is the only deadline.
schedule_ec2_expiry() {
  local token="$1" expires_at deadline now minutes
  # One try: a 404 here just means "no tag" or "metadata tags not enabled". (fetch sees this
  # `attempts` through bash's dynamic scoping.)
  local attempts=1
  expires_at="$(fetch -H "X-aws-ec2-metadata-token: ${token}" \
    "${ec2_imds}/latest/meta-data/tags/instance/scaleset-expires-at" 2>/dev/null)" || return 0
  if ! deadline="$(date -d "$expires_at" +%s 2>/dev/null)"; then
    log "ignoring scaleset-expires-at: not a date"
    return 0
  fi
  now="$(date +%s)"
  minutes=$(((deadline - now + 59) / 60))
  if ((minutes < 1)); then minutes=0; fi
  log "scaleset-expires-at ${expires_at}: powering off in ${minutes} min at the latest"
  # --poweroff, not --halt: only a power-off makes EC2 terminate the instance.
  shutdown --poweroff "+${minutes}" "scaleset runner reached scaleset-expires-at" ||
    log "could not schedule the shutdown"
}

warn_if_image_old() {
  local built_at="${SCALESET_IMAGE_BUILT_AT:-}" built age_days
  log "actions runner ${SCALESET_RUNNER_VERSION:-unknown}, image built ${built_at:-unknown}"
  [[ -n "$built_at" ]] || return 0
  built="$(date -d "$built_at" +%s 2>/dev/null)" || return 0
  age_days=$((($(date +%s) - built) / 86400))
  if ((age_days > IMAGE_MAX_AGE_DAYS)); then
    log "warning: the image is ${age_days} days old; GitHub stops assigning jobs to runner" \
      "versions older than about 30 days — rebuild the image (see packer/README.md)"
  fi
}

main() {
  local provider="${1:-${SCALESET_PROVIDER:-}}" jit_config token
  [[ -n "$provider" ]] || provider="$(detect_provider)"
  warn_if_image_old

  case "$provider" in
  gcp)
    jit_config="$(read_gce_jit_config)" ||
      die "could not read instance attribute ${JIT_ENV_NAME} from the GCE metadata server"
    ;;
  ec2)
    token="$(ec2_token)" || die "could not get an IMDSv2 token"
    schedule_ec2_expiry "$token"
    jit_config="$(read_ec2_jit_config "$token")" || die "could not read the JIT config from user data"
    # cloud-init keeps a root-only copy of the user data on the root volume. It has consumed it
    # before network-online.target (this unit runs after), so the copy can go now.
    rm -f "${cloud_init_dir}/user-data.txt" "${cloud_init_dir}/user-data.txt.i" || true
    ;;
  *) die "unknown provider '${provider}' (use gcp or ec2)" ;;
  esac

  jit_config="$(tr -d '[:space:]' <<<"$jit_config")"
  [[ -n "$jit_config" ]] || die "the JIT config is empty"
  # An encoded JIT config is base64; anything else is not one (the value itself is never logged).
  [[ "$jit_config" =~ ^[A-Za-z0-9+/=_-]+$ ]] || die "the JIT config is not base64"

  cd "$runner_dir"
  # The runner reads ACTIONS_RUNNER_INPUT_JITCONFIG as its jitconfig option, drops it from its
  # own environment and masks it in logs. With the deprecated-version opt-in an outdated runner
  # exits with status 7 instead of updating itself; RUNNER_MANUALLY_TRAP_SIG makes run.sh
  # forward SIGTERM to the listener and return the listener's exit status.
  export "${JIT_ENV_NAME}=${jit_config}"
  unset jit_config
  export ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE=1
  export RUNNER_MANUALLY_TRAP_SIG=1

  if [[ "$(id -un)" == "$runner_user" ]]; then
    exec ./run.sh
  fi
  local home
  home="$(getent passwd "$runner_user" | cut -d: -f6)"
  [[ -n "$home" ]] || die "user ${runner_user} does not exist"
  export HOME="$home" USER="$runner_user" LOGNAME="$runner_user" SHELL=/bin/bash
  log "starting the runner as ${runner_user}"
  # setpriv execs (no parent left holding the environment) and keeps the environment, unlike su.
  exec setpriv --reuid="$runner_user" --regid="$(id -g "$runner_user")" --init-groups -- ./run.sh
}

main "$@"

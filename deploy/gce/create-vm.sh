#!/usr/bin/env bash
# Creates a small Container-Optimized OS VM that runs the scaleset image (docs/deploy/gce.md):
#
#   PROJECT=my-runners ZONE=us-central1-a IMAGE_OWNER=my-org VERSION=1.2.3 deploy/gce/create-vm.sh
#
# Needs the secrets scaleset-config and scaleset-github-app-key in Secret Manager, the
# Artifact Registry remote repository "ghcr" (deploy/cloud-run/setup.sh creates it) and the
# scaleset service account with its Compute Engine roles (docs/gcp/README.md, step 3) plus
# roles/secretmanager.secretAccessor on both secrets and roles/artifactregistry.reader.
# This script grants it roles/logging.logWriter: the VM's logging agent writes the container's
# logs to Cloud Logging with that account.
# To upgrade, change VERSION and re-create the VM, or edit the unit's IMAGE and restart it.
set -euo pipefail

: "${PROJECT:?set PROJECT}"
: "${ZONE:?set ZONE, e.g. us-central1-a}"
: "${IMAGE_OWNER:?set IMAGE_OWNER}"
: "${VERSION:?set VERSION}"
NAME="${NAME:-scaleset}"
MACHINE_TYPE="${MACHINE_TYPE:-e2-small}"
SA="${SA:-scaleset@${PROJECT}.iam.gserviceaccount.com}"
region="${ZONE%-*}"
here="$(cd "$(dirname "$0")" && pwd)"

user_data="$(mktemp)"
trap 'rm -f "$user_data"' EXIT
sed -e "s|REGION|${region}|g" -e "s|PROJECT|${PROJECT}|g" \
  -e "s|OWNER|${IMAGE_OWNER,,}|g" -e "s|VERSION|${VERSION}|g" \
  "$here/cloud-init.yaml" >"$user_data"

# Idempotent: re-granting an existing binding changes nothing.
gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:$SA" \
  --role roles/logging.logWriter --condition None >/dev/null

gcloud compute instances create "$NAME" --project "$PROJECT" --zone "$ZONE" \
  --machine-type "$MACHINE_TYPE" \
  --image-family cos-stable --image-project cos-cloud \
  --service-account "$SA" --scopes cloud-platform \
  --shielded-secure-boot --shielded-vtpm --shielded-integrity-monitoring \
  --no-address \
  --metadata-from-file user-data="$user_data" \
  --metadata google-logging-enabled=true,enable-oslogin=true
echo "created $NAME; follow it with: gcloud compute ssh $NAME --zone $ZONE -- sudo journalctl -u scaleset -f"

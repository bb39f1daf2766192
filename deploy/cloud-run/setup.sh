#!/usr/bin/env bash
# Deploys scaleset to Cloud Run as a worker pool with one instance (or, with MODE=service, as a
# service with instance-based billing and exactly one instance). Idempotent: re-run it to
# upgrade (set VERSION) or to change settings. See docs/deploy/cloud-run.md.
#
#   PROJECT=my-runners REGION=us-central1 IMAGE_OWNER=my-org VERSION=1.2.3 \
#     deploy/cloud-run/setup.sh
#
# Before the first run, put the config and the GitHub credential in Secret Manager:
#   gcloud secrets create scaleset-config --data-file=config.yaml
#   gcloud secrets create scaleset-github-app-key --data-file=app.pem     # GitHub App, or a PAT:
#   printf %s "$TOKEN" | gcloud secrets create scaleset-github-token --data-file=-
# and give the scaleset service account its Compute Engine roles (docs/gcp/README.md, step 3).
# With a PAT, run it with TOKEN_SECRET=scaleset-github-token (no App key is then expected).
#
# Needs a gcloud with the GA `run worker-pools` group and its `--instances` flag (earlier
# releases called the manual instance count `--scaling`, in `gcloud beta` only).
set -euo pipefail

: "${PROJECT:?set PROJECT}"
: "${REGION:?set REGION, e.g. us-central1}"
: "${IMAGE_OWNER:?set IMAGE_OWNER, the GitHub owner of ghcr.io/OWNER/scaleset}"
: "${VERSION:?set VERSION, an image tag such as 1.2.3}"
MODE="${MODE:-worker-pool}"                 # worker-pool | service
NAME="${NAME:-scaleset}"
SA_NAME="${SA_NAME:-scaleset}"
AR_REPO="${AR_REPO:-ghcr}"                  # Artifact Registry remote repository proxying ghcr.io
CONFIG_SECRET="${CONFIG_SECRET:-scaleset-config}"
# The GitHub credential: a PAT (TOKEN_SECRET) or an App key (KEY_SECRET, the default). Only an
# unset KEY_SECRET gets the default, and only without a PAT: KEY_SECRET="" means no App key.
TOKEN_SECRET="${TOKEN_SECRET:-}"
if [ -n "$TOKEN_SECRET" ]; then
  KEY_SECRET="${KEY_SECRET:-}"
else
  KEY_SECRET="${KEY_SECRET-scaleset-github-app-key}"
fi
if [ -n "$TOKEN_SECRET" ] && [ -n "$KEY_SECRET" ]; then
  echo "set TOKEN_SECRET (a PAT) or KEY_SECRET (a GitHub App key), not both" >&2
  exit 2
fi
if [ -z "$TOKEN_SECRET" ] && [ -z "$KEY_SECRET" ]; then
  echo "no GitHub credential: set TOKEN_SECRET (a PAT) or KEY_SECRET (a GitHub App key)" >&2
  exit 2
fi
# Cloud Run sends SIGKILL 10 s after SIGTERM: 7 s for in-flight cloud calls leaves room for
# deleting the session, flushing telemetry and exiting.
SHUTDOWN_GRACE="${SHUTDOWN_GRACE:-7s}"
CONFLICT_WAIT="${CONFLICT_WAIT:-10s}"

sa="${SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
image="${REGION}-docker.pkg.dev/${PROJECT}/${AR_REPO}/${IMAGE_OWNER,,}/scaleset:${VERSION}"
gc() { gcloud --project "$PROJECT" --quiet "$@"; }

gc services enable run.googleapis.com artifactregistry.googleapis.com \
  secretmanager.googleapis.com compute.googleapis.com

# Cloud Run pulls only from Artifact Registry (or Docker Hub): a remote repository proxies GHCR.
if ! gc artifacts repositories describe "$AR_REPO" --location "$REGION" >/dev/null 2>&1; then
  gc artifacts repositories create "$AR_REPO" --location "$REGION" \
    --repository-format docker --mode remote-repository \
    --remote-docker-repo https://ghcr.io \
    --description "Proxy of ghcr.io for scaleset images"
fi

if ! gc iam service-accounts describe "$sa" >/dev/null 2>&1; then
  gc iam service-accounts create "$SA_NAME" --display-name "scaleset autoscaler"
fi

# The runtime identity reads its own secrets and nothing else. A missing secret is named here,
# before anything binds or deploys it.
for secret in "$CONFIG_SECRET" ${KEY_SECRET:+"$KEY_SECRET"} ${TOKEN_SECRET:+"$TOKEN_SECRET"}; do
  if ! gc secrets describe "$secret" >/dev/null 2>&1; then
    echo "secret '$secret' does not exist in project $PROJECT: create it first (docs/deploy/cloud-run.md, step 2)" >&2
    exit 1
  fi
  gc secrets add-iam-policy-binding "$secret" \
    --member "serviceAccount:$sa" --role roles/secretmanager.secretAccessor >/dev/null
done

# One secret per mounted directory: the config and the key live in different directories.
secrets="/etc/scaleset/config.yaml=${CONFIG_SECRET}:latest"
env="SCALESET_LOG_LEVEL=info"
if [ -n "$KEY_SECRET" ]; then
  secrets+=",/secrets/github-app/key.pem=${KEY_SECRET}:latest"
  env+=",GITHUB_APP_PRIVATE_KEY_PATH=/secrets/github-app/key.pem"
fi
if [ -n "$TOKEN_SECRET" ]; then
  secrets+=",GITHUB_TOKEN=${TOKEN_SECRET}:latest"
fi
args="run,--config,/etc/scaleset/config.yaml,--scaler.shutdown_grace,${SHUTDOWN_GRACE}"
args+=",--scaler.session_conflict_wait,${CONFLICT_WAIT}"

case "$MODE" in
worker-pool)
  # No ingress, no URL; one always-on instance (manual scaling).
  gc run worker-pools deploy "$NAME" --region "$REGION" --image "$image" \
    --instances 1 --cpu 1 --memory 512Mi \
    --service-account "$sa" \
    --set-secrets "$secrets" --set-env-vars "$env" --args "$args"
  ;;
service)
  # Instance-based billing (CPU outside requests) and exactly one instance; not public.
  # Cloud Run's default startup probe (TCP on the port) is right: the status server listens at
  # once. Never gate startup on /readyz: a new revision waits on the old one's session and would
  # never become ready during a rolling deploy. service.yaml adds a /healthz liveness probe.
  gc run deploy "$NAME" --region "$REGION" --image "$image" \
    --no-cpu-throttling --min-instances 1 --max-instances 1 \
    --no-allow-unauthenticated --ingress internal --port 8080 \
    --cpu 1 --memory 512Mi --service-account "$sa" \
    --set-secrets "$secrets" --set-env-vars "$env" --args "$args"
  ;;
*)
  echo "MODE must be worker-pool or service, not '$MODE'" >&2
  exit 2
  ;;
esac
echo "deployed $image as Cloud Run $MODE '$NAME' in $REGION, running as $sa"

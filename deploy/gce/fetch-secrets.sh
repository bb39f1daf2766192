#!/bin/bash
# Writes Secret Manager secrets to files for the scaleset container on a Container-Optimized OS
# VM, using the VM's service account through the metadata server (COS has curl and base64, no
# gcloud). Usage: fetch-secrets.sh PROJECT DIR SECRET=FILE [SECRET=FILE ...]
# Files are owned by uid 65532 (the image's non-root user) with mode 0400, in a tmpfs directory.
set -euo pipefail

project="$1"
dir="$2"
shift 2
metadata=http://metadata.google.internal/computeMetadata/v1
umask 077
mkdir -p "$dir"
mount | grep -q " $dir type tmpfs" || mount -t tmpfs -o size=1m,mode=0700 tmpfs "$dir"

token_json="$(curl -sSf -H 'Metadata-Flavor: Google' "$metadata/instance/service-accounts/default/token")"
token="${token_json#*\"access_token\":\"}"
token="${token%%\"*}"

for pair in "$@"; do
  secret="${pair%%=*}"
  file="${pair#*=}"
  response="$(curl -sSf -H "Authorization: Bearer $token" \
    "https://secretmanager.googleapis.com/v1/projects/$project/secrets/$secret/versions/latest:access")"
  data="${response#*\"data\": \"}"
  [ "$data" != "$response" ] || data="${response#*\"data\":\"}"
  data="${data%%\"*}"
  printf '%s' "$data" | base64 -d >"$dir/$file"
  chown 65532:65532 "$dir/$file"
  chmod 0400 "$dir/$file"
done
chown 65532:65532 "$dir"
chmod 0500 "$dir"

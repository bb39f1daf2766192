# syntax=docker/dockerfile:1
# scaleset container image: built with npm ci + tsc, run on distroless Node.js as a non-root user.
#
#   docker build -t scaleset .
#   docker run --rm -v "$PWD/config.yaml:/etc/scaleset/config.yaml:ro" -e GITHUB_TOKEN scaleset
#
# The release workflow (.github/workflows/release.yml) builds linux/amd64 and linux/arm64 from this
# file. No dependency has native code, so the build stage runs on the build machine's platform and
# the runtime stage has no RUN step: the arm64 image never needs emulation.

# Both base images are pinned by digest (reproducible builds; a moved tag cannot change an
# image behind our back) and Dependabot (.github/dependabot.yml) proposes new digests weekly.
# Node.js 24 on Debian 13: the distroless debian12 Node.js images no longer receive updates.
# The image's version: the release workflow passes the tag's version (v1.2.3 -> 1.2.3).
ARG VERSION=0.0.0-dev

# ---- build: install everything, compile, then drop dev dependencies ----------------------------
FROM --platform=$BUILDPLATFORM node:24-trixie-slim@sha256:173f125896c3b47ddf056734c7ea789d04595a6a08769a8f78e0df642781fb66 AS build
ARG VERSION
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here, and no dependency needs
# an install script.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/version.mjs ./scripts/version.mjs
# The version goes into package.json, which `scaleset version` and telemetry's service.version
# read. Type declarations, source maps and docs are not needed to run: they are half of
# node_modules.
RUN npm run build \
 && node scripts/version.mjs stamp "$VERSION" \
 && npm prune --omit=dev --ignore-scripts \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.map' -o -name '*.md' \) -delete \
 && rm -rf node_modules/@types

# ---- runtime: distroless (no shell, no package manager), uid 65532 -------------------------------
FROM gcr.io/distroless/nodejs24-debian13:nonroot@sha256:fbbdda866ea71aef98c4abece17e3d61fbf820cc2ef3961522caa2478716171a
ARG VERSION
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
# The release workflow passes the real repository URL; it links the GHCR package to the repo.
ARG SOURCE=https://github.com/scaleset/scaleset
LABEL org.opencontainers.image.title="scaleset" \
      org.opencontainers.image.description="Autoscaler for GitHub Actions self-hosted runners: one ephemeral cloud VM per job" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/tree/main/docs/deploy" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian13:nonroot"
WORKDIR /app
# server.host defaults to 127.0.0.1 outside a container; in one, probes and port mappings
# (Cloud Run, ECS, docker -p) arrive on the container's own interface.
ENV NODE_ENV=production SCALESET_SERVER_HOST=0.0.0.0
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config.example.yaml ./config.example.yaml
USER 65532:65532
# Health and status (/healthz, /readyz, /status) on server.port; $PORT overrides it (Cloud Run).
EXPOSE 8080
# Exec form needs no shell. Cloud Run, ECS and Kubernetes ignore HEALTHCHECK and use their own
# probes; Docker and Compose use it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The scaleset CLI, run directly by node as PID 1 (it handles SIGTERM itself: stops polling,
# deletes its sessions, exits within scaler.shutdown_grace). bin.js checks the Node.js version
# before it loads anything else.
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps", "/app/dist/cli/bin.js"]
CMD ["run", "--config", "/etc/scaleset/config.yaml"]

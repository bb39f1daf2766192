# syntax=docker/dockerfile:1
# scaleset container image: built with npm ci + tsc, run on distroless Node.js as a non-root user.
#
#   docker build -t scaleset .
#   docker run --rm -v "$PWD/config.yaml:/etc/scaleset/config.yaml:ro" -e GITHUB_TOKEN scaleset
#
# The release workflow (.github/workflows/release.yml) builds linux/amd64 and linux/arm64 from this
# file. No dependency has native code, so the build stage runs on the build machine's platform and
# the runtime stage has no RUN step: the arm64 image never needs emulation.

ARG NODE_MAJOR=24

# ---- build: install everything, compile, then drop dev dependencies ----------------------------
FROM --platform=$BUILDPLATFORM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here, and no dependency needs
# an install script.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Type declarations, source maps and docs are not needed to run: they are half of node_modules.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.map' -o -name '*.md' \) -delete \
 && rm -rf node_modules/@types

# ---- runtime: distroless (no shell, no package manager), uid 65532 -------------------------------
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot
ARG NODE_MAJOR
ARG VERSION=0.0.0-dev
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
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot"
WORKDIR /app
ENV NODE_ENV=production
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
# deletes its sessions, exits within scaler.shutdown_grace).
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps", "/app/dist/cli/main.js"]
CMD ["run", "--config", "/etc/scaleset/config.yaml"]

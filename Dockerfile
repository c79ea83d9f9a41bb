# One image for the four services, the admin CLI and the two simulators. The image runs bundled
# JavaScript (esbuild, one file per program, with source maps): no TypeScript sources, no workspace,
# no node_modules tree but the packages that must stay real modules (tools/containers/src/bundle.ts).
#
#   docker build -t provision .
#   docker run -e SERVICE=writer … provision            # or: docker run … provision writer
#   docker run --rm … provision provision salesforce test-connection
#
# The service is chosen by $SERVICE or by the first argument: ingestor | mapper | writer | audit;
# `provision …` runs the CLI; `graph-sim …` / `salesforce-sim …` run a simulator (sandbox only).
# Without an image registry, `./pnpmw containers build` builds node:24-slim (and the rest) locally
# and then this file (tools/containers/README.md).
#
# Only Dockerfile features of the builder built into Docker Engine 20.10 and later are used (no
# `# syntax=` line: that would fetch a frontend image from a registry).

ARG NODE_IMAGE=node:24-slim

# The package manifests alone (each at its place in the workspace): the install below is rebuilt
# only when one of them or the lockfile changes, not on a source change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name pnpm-lock.yaml ! -name pnpm-workspace.yaml ! -name .npmrc -delete \
 && find . -type d -empty -delete

FROM ${NODE_IMAGE} AS install
ENV CI=true PNPM_HOME=/pnpm
# The pnpm version of package.json's packageManager (and of ./pnpmw).
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@10.34.9
WORKDIR /src
COPY --from=manifests /src ./
# What the bundler needs: the programs' production dependencies and esbuild (tools/containers).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod \
      --filter "@provision/ingestor..." --filter "@provision/mapper..." \
      --filter "@provision/writer..." --filter "@provision/audit..." \
      --filter "@provision/cli..." --filter "@provision/telemetry..." \
      --filter "@provision/graph-sim..." --filter "@provision/salesforce-sim..." \
      --filter "@provision/containers"

FROM install AS bundle
COPY . .
RUN node tools/containers/src/cli.ts bundle --out /app

FROM ${NODE_IMAGE}
# glibc's malloc: two arenas, and freed blocks of 64 KiB or more given back to the system (a fixed
# mmap threshold stops glibc raising it after each large free and keeping big buffers in its heap);
# ~15 MB less RSS per service (tools/containers/README.md).
ENV NODE_ENV=production \
    KAFKAJS_NO_PARTITIONER_WARNING=1 \
    HTTP_PORT=8080 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=65536 \
    MALLOC_TRIM_THRESHOLD_=131072
COPY tools/containers/image/entrypoint.sh /usr/local/bin/provision-entrypoint
# Root-owned and read-only to the user the services run as.
COPY --from=bundle /app /app
WORKDIR /app
# The node user of the Node image (uid 1000), not root.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/provision-entrypoint"]

# syntax=docker/dockerfile:1
# Runtime image: Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build stage; only production dependencies and src/ are copied.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
# glibc malloc (docs/reliability.md, "Memory"): V8 compiles on helper threads, each with a malloc
# arena of its own, and glibc raises its trim threshold after large frees, so what boot
# allocated outside the JS heap stayed resident: 133 -> 123 MB at rest (bare Fastify 89 -> 86).
# bench/lib/start-flags.ts starts the benchmarks with these too.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node src ./src
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form), which drains and closes gracefully.
#
# Heap flags: the one place they are chosen and explained (package.json "start" and the benchmarks
# use this line; test/deploy/node-flags.test.ts). Measured in docs/reliability.md, "Memory":
# - --max-semi-space-size=4: the young generation stays at 8 MB. V8's default let it grow to 64 MB
#   while the app boots (on a 24 GB host) and kept it: 205 MB RSS at rest, 149 MB with this flag.
#   1 MB saves a few MB more but cost 45 % more CPU on a listing walk (more scavenges).
# - --heap-growing-percent=50: after a full GC the old generation may grow by half its live size.
#   With V8's own factor a 40,000-incident walk lifted the heap to ~130 MB for a live set of
#   ~45 MB, and the RSS it touched stayed (+100 MB after the walk); with this flag, +17 MB, for
#   8.5 s of CPU against 8.2 s (one walk each).
# - --max-old-space-size-percentage=75: the heap limit follows the container's memory limit
#   (cgroup), leaving a quarter for code, buffers and sockets.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--max-old-space-size-percentage=75", "src/server.ts"]

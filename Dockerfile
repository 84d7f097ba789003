# syntax=docker/dockerfile:1
# heat-sbt-router: build with `docker build -t heat-sbt-router .`; run with docker-compose.yml
# (Redis + worker). docs/deployment.md explains every environment variable.
# Node: Node 20 (20.19 or newer, package.json engines), the version the tests and CI run on.

# ---- build: the root package's dependencies, compile src/ (and only src/) to dist/ ------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first so that the dependency layer is cached until they change. --workspaces=false: the
# HEAT simulator (packages/heat-simulator) is a development tool and is neither copied nor installed.
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsconfig.build.json compiles src/ only: no tools/ (demo, bench, throwaway Redis), no simulator.
RUN npm run build

# ---- runtime: what `worker` needs (the root package's production dependencies, dist/, config/) -----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# service.yaml listens on 127.0.0.1 by default; in a container that would be unreachable from the
# port mapping, so the image listens on every interface and the host's mapping decides the exposure.
ENV HTTP_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false && npm cache clean --force
COPY --from=build /app/dist ./dist
# The shipped policy and service settings; mount another folder and set SBT_CONFIG_DIR to override.
COPY config ./config
# Files stay owned by root: the service user can read the code and config but not change them.
USER node
EXPOSE 8080
# /healthz answers while the process is alive (readiness is /readyz, for load balancers and
# orchestrators). Node 20 has fetch built in, so the slim image needs no curl. PORT overrides 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
# Exec form: no shell in between, so SIGTERM reaches node itself and the worker drains its jobs
# (worker.shutdownDeadlineMs in config/service.yaml) before exiting.
CMD ["node", "dist/cli/index.js", "worker"]

# One image for every relay-sim component; the compose file picks the entry point per service.
# BASE: node:20-slim from a registry (the default); machines without one build
# localhost/relay-sim-node:20 with stack/base-images.sh and pass --build-arg BASE=... (npm run stack does).
ARG BASE=node:20-slim
FROM ${BASE}
WORKDIR /app
# Only what runs: dependencies, not devDependencies (exec form: the local base has no shell tools).
COPY package.json package-lock.json ./
RUN ["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"]
COPY tsconfig.json ./
COPY sim ./sim
COPY loadtests ./loadtests
COPY dashboards ./dashboards
ENV NODE_ENV=production
USER node
# Every component serves /readyz on its ops port; compose sets OPS_PORT per service.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.OPS_PORT ?? 9100}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "run", "sim"]

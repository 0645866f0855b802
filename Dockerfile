# Multi-stage build of the gateway: build the workspace, deploy only the gateway's production files, run as non-root.
FROM node:20-bookworm-slim AS build
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
WORKDIR /repo
RUN npm install -g pnpm@12.4.2
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc turbo.json tsconfig.base.json biome.json ./
COPY packages ./packages
COPY apps ./apps
RUN pnpm install --frozen-lockfile \
 && pnpm run build \
 && pnpm --filter=@llm-gateway/gateway deploy --prod --legacy /out

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8001
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8001)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]

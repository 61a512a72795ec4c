# One image for every relay-sim component; the compose file picks the entry point per service.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN chown -R node:node /app
USER node
CMD ["npm", "run", "sim"]

#!/usr/bin/env bash
# npm run stack -- ACTION [--local-base] [ARGS]
#   up              builds the image, starts relay, backend, connector groups and Prometheus, and
#                   waits until Prometheus has every target up and the relay answers through a connector
#   load ARGS       runs `npm run load -- ARGS` in the load container against the stack (results in
#                   results/containers/), e.g. `load failover --duration 20s`
#   kill SERVICE    kills one container of a service (SIGKILL), e.g. `kill connector-default`
#   test            the container stack test (test/e2e/container-stack.test.ts): up, targets, load, a kill, down
#   down            stops and removes the stack's containers, networks and volumes
#   status          the stack's containers
# Works with Docker (`docker compose`) and with podman (Debian's docker-compose against podman's
# Docker-compatible socket, started here if needed). --local-base: no registry; build on the
# local base images (stack/base-images.sh, made when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:-}"
shift || true
local_base=false
if [ "${1:-}" = --local-base ]; then local_base=true; shift; fi
export COMPOSE_PROJECT_NAME=relay-sim
WAIT_S="${RELAY_SIM_STACK_WAIT_S:-120}"

say() { printf 'stack: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

# The test drives this script itself (up, load, kill, down): it needs no engine set up here.
[ "$action" = test ] && exec node --import tsx --test test/e2e/container-stack.test.ts

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose) engine=docker
elif command -v docker-compose >/dev/null && command -v podman >/dev/null; then
  compose=(docker-compose) engine=podman
  if [ -z "${DOCKER_HOST:-}" ]; then
    export DOCKER_HOST=unix:///run/podman/podman.sock
    if ! curl -sf --unix-socket /run/podman/podman.sock http://d/_ping >/dev/null 2>&1; then
      say "starting podman's Docker-compatible API on $DOCKER_HOST (stopped again by 'down')"
      mkdir -p /run/podman
      podman system service --time=0 "$DOCKER_HOST" >/dev/null 2>&1 </dev/null &
      echo $! >/run/podman/relay-sim-service.pid
      disown
      for _ in $(seq 50); do curl -sf --unix-socket /run/podman/podman.sock http://d/_ping >/dev/null 2>&1 && break; sleep 0.2; done
    fi
  fi
else
  fail "no container engine: install Docker (with compose), or podman and docker-compose (apt-get install podman docker-compose catatonit)"
fi

if $local_base; then
  if ! $engine image exists localhost/relay-sim-node:20 2>/dev/null && ! $engine image inspect localhost/relay-sim-node:20 >/dev/null 2>&1; then
    say "making local base images (no registry)"
    bash stack/base-images.sh "$engine"
  fi
  export RELAY_SIM_BASE=localhost/relay-sim-node:20 RELAY_SIM_PROMETHEUS_IMAGE=localhost/relay-sim-prometheus:latest
fi
# The load container writes results as the image's user (uid 1000), into a directory of its own.
export RELAY_SIM_RESULTS="${RELAY_SIM_RESULTS:-$PWD/results/containers}"
mkdir -p "$RELAY_SIM_RESULTS"
if [ "$(id -u)" = 0 ]; then chown 1000:1000 "$RELAY_SIM_RESULTS"; else chmod a+rwx "$RELAY_SIM_RESULTS"; fi

# Every Prometheus target up (relay, 3 + 2 connectors, backend: 7), and a GET through the relay.
ready() {
  local up
  up=$(curl -sf -G --data-urlencode 'query=sum(up{job=~"relay|connector|backend"})' http://127.0.0.1:9090/api/v1/query |
    node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).data.result[0]?.value[1]??0))') || return 1
  [ "${up:-0}" -ge 7 ] && curl -sf -H 'Host: echo.localhost:8080' http://127.0.0.1:8080/echo >/dev/null
}

case "$action" in
  up)
    say "building the image ($engine)"
    "${compose[@]}" build --quiet relay >&2 || "${compose[@]}" build relay >&2
    # podman's Docker API files the build as docker.io/library/relay-sim; `podman kube play`
    # (deploy/manifests/podman-play.yaml) runs localhost/relay-sim:latest and can pull nothing.
    if [ "$engine" = podman ]; then podman tag relay-sim:latest localhost/relay-sim:latest; fi
    say "starting the stack"
    "${compose[@]}" up -d --no-build >&2
    started=$SECONDS
    until ready; do
      [ $((SECONDS - started)) -lt "$WAIT_S" ] || { "${compose[@]}" ps >&2; fail "not healthy within ${WAIT_S}s: see '${compose[*]} logs'"; }
      sleep 2
    done
    say "up in $((SECONDS - started))s: relay http://127.0.0.1:8080 (Host: echo.localhost:8080), Prometheus http://127.0.0.1:9090"
    ;;
  load)
    "${compose[@]}" --profile load run --rm --use-aliases load "$@"
    ;;
  kill)
    # Not `| head -1`: with pipefail, head closing the pipe early can fail the script (SIGPIPE).
    ids=$("${compose[@]}" ps -q "${1:?name the service}")
    id="${ids%%$'\n'*}"
    [ -n "$id" ] || fail "no running container of service ${1}"
    $engine kill "$id" >/dev/null
    say "killed ${1} container ${id:0:12}"
    ;;
  down)
    "${compose[@]}" --profile load --profile grafana down --volumes --remove-orphans --timeout 5 >&2
    if [ -f /run/podman/relay-sim-service.pid ]; then
      kill "$(cat /run/podman/relay-sim-service.pid)" 2>/dev/null || true
      rm -f /run/podman/relay-sim-service.pid
    fi
    ;;
  status)
    "${compose[@]}" ps
    ;;
  *)
    fail "usage: npm run stack -- up|load ARGS|kill SERVICE|test|down|status [--local-base]"
    ;;
esac

#!/usr/bin/env bash
# Makes the two base images the stack builds on, for machines that cannot pull from a registry:
#   localhost/relay-sim-node:20        this machine's node and npm on a minimal root filesystem
#   localhost/relay-sim-prometheus     this machine's prometheus binary on the same
# Each holds only the binaries and the shared libraries `ldd` lists (podman import of a tar).
# Real users with a registry skip this: the Dockerfile's default base is node:20-slim, and
# compose's Prometheus is prom/prometheus. Usage: stack/base-images.sh [podman|docker]
set -euo pipefail
engine="${1:-podman}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Copies a binary and every library it links into the root filesystem $1, at the same paths.
with_libs() {
  local root="$1" bin="$2"
  mkdir -p "$root$(dirname "$bin")"
  cp -L "$bin" "$root$bin"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# The skeleton every image needs: users (root, and node as uid 1000 like node:20-slim), /tmp, sh, env.
skeleton() {
  local root="$1"
  mkdir -p "$root"/{etc,tmp,bin,usr/bin}
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
  mkdir -p "$root/home/node" "$root/root" && chown 1000:1000 "$root/home/node"
  with_libs "$root" "$(readlink -f /bin/sh)"
  ln -sf "$(readlink -f /bin/sh)" "$root/bin/sh"
  with_libs "$root" /usr/bin/env # npm's `#!/usr/bin/env node`
  # This machine's trusted CAs (as node:20-slim has Debian's): npm ci reaches the registry through them.
  mkdir -p "$root/etc/ssl/certs" && cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

node_root="$work/node"
skeleton "$node_root"
with_libs "$node_root" "$(readlink -f "$(command -v node)")"
[ "$(readlink -f "$(command -v node)")" = /usr/bin/node ] || ln -sf "$(readlink -f "$(command -v node)")" "$node_root/usr/bin/node"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$node_root$npm_dir" && cp -a "$npm_dir/." "$node_root$npm_dir/"
ln -sf "$npm_dir/bin/npm-cli.js" "$node_root/usr/bin/npm"
ln -sf "$npm_dir/bin/npx-cli.js" "$node_root/usr/bin/npx"
tar -C "$node_root" -c . | "$engine" import --change 'CMD ["node"]' --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  - localhost/relay-sim-node:20 >/dev/null
echo "made localhost/relay-sim-node:20 (node $(node --version), npm $(npm --version))"

prom_root="$work/prometheus"
skeleton "$prom_root"
with_libs "$prom_root" "$(command -v prometheus)"
mkdir -p "$prom_root/prometheus" && chown 65534:65534 "$prom_root/prometheus"
tar -C "$prom_root" -c . | "$engine" import \
  --change 'USER nobody' --change 'WORKDIR /prometheus' --change "ENTRYPOINT [\"$(command -v prometheus)\"]" \
  --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]' \
  - localhost/relay-sim-prometheus:latest >/dev/null
echo "made localhost/relay-sim-prometheus:latest ($(prometheus --version 2>&1 | head -1))"

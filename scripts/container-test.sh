#!/usr/bin/env bash
# Container test (issue 19): builds the image of docker/Dockerfile, brings docker/compose.yml up
# (two gateways behind Caddy, Redis with AOF, the sandbox profile) and checks the running stack
# with test/containers/stack-checks.ts: health and readiness; discovery over TLS through Caddy;
# /metrics and client addresses through Caddy; a sign-in during which one gateway container is
# killed; Redis killed and restarted without losing an account or a key; the sandbox in Chromium;
# a bad configuration and keys owned by root each giving one clear line and no restart loop.
#
# STAND-INS, NOT THE OFFICIAL IMAGES. No image registry is reachable from CI, so the base images
# the Dockerfile and compose file name are made here from Debian packages and tagged with those
# names (an image already present under a name that is not a stand-in is used as it is):
#   node:24-bookworm-slim  Debian bookworm (debootstrap --variant=minbase), the Node 24 binary of
#                          the `node` npm package (node_modules/.bin/node), npm 11 (`npm pack
#                          npm@11`), user node 1000:1000 — like the official image where we rely on it
#   redis:7.2-bookworm     that Debian + Debian's redis-server package (Redis 7.0), protected mode
#                          off without a config file, as the official entrypoint does
#   caddy:2                that Debian + Debian's caddy package (Caddy 2.6)
# Production pulls the official images; what this proves is our Dockerfile, compose file,
# Caddyfile and code, on images that behave like them where the stack relies on them.
#
# Engine: podman with runc (crun cannot start containers here; ulimits kept within the machine's
# hard limits), behind `podman system service`, driven by Debian's docker-compose 1.29. The image
# is built with `podman build --format docker` (the OCI format drops HEALTHCHECK); `npm ci` in the
# build reaches the registry with this machine's npm CA settings mounted for the build only. There
# is no systemd to run the health checks: this script runs them every 2 s.
#
# Usage (as root; CI: .ci/run): scripts/container-test.sh
#   CONTAINER_TEST_HTTPS_PORT  Caddy on the host (18443)     CONTAINER_TEST_PSC_PORT  PSC simulator (18444)
#   CONTAINER_TEST_SANDBOX_PORT  first of the sandbox's five ports (13000)
#   CONTAINER_TEST_KEEP=1  leave the stack up at the end (prints how to remove it)
# The stack uses docker/compose.yml's subnet, 172.28.0.0/24: another stack of that file running
# on the same machine (podman) must be stopped first.
# Each long step has a time limit (the whole stays under 10 minutes even when something hangs).
# Installs podman, runc, debootstrap and docker-compose when missing. Everything it starts (the
# podman service, containers, network, volumes, the health-check loop) is removed on exit, failure
# included; the images stay as a cache for the next run (podman rmi to remove them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

log() { printf 'container-test [%3ds]: %s\n' "$((SECONDS - START))" "$*"; }
die() { printf 'container-test: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: podman needs bridge networking and published ports (CI runs .ci/run as root)"
NODE="$ROOT/node_modules/.bin/node"
[ -x "$NODE" ] || die "node_modules/.bin/node is missing: run npm ci first"

HTTPS_PORT=${CONTAINER_TEST_HTTPS_PORT:-18443}
PSC_PORT=${CONTAINER_TEST_PSC_PORT:-18444}
SANDBOX_PORT=${CONTAINER_TEST_SANDBOX_PORT:-13000}
PROJECT=hc-container-test
# The bridge's gateway on docker/compose.yml's internal network: the docker host as the
# containers see it. The PSC simulator (run by the checks on this host) is reached there.
BRIDGE_GATEWAY=172.28.0.1
STANDIN_LABEL=org.hospiconnect.stand-in
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# --- tools ------------------------------------------------------------------------------------
missing=()
for tool in podman:podman runc:runc debootstrap:debootstrap docker-compose:docker-compose openssl:openssl curl:curl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/hc-container-test.XXXXXX)
chmod 0755 "$WORK"
export CONTAINERS_CONF="$WORK/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF

SERVICE_PID=''
HEALTH_PID=''
COMPOSE=(docker-compose --ansi never -p "$PROJECT" --project-directory "$WORK" -f "$WORK/compose.yml" -f "$WORK/compose.test.yml")

# Containers, volumes and the network of this project (a run interrupted before its cleanup
# leaves them holding the ports and the subnet), and the checks' one-off containers.
remove_leftovers() {
  local ids
  ids=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"; podman ps -aq --filter "label=org.hospiconnect.container-test")
  [ -n "$ids" ] && podman rm -f $ids >/dev/null 2>&1
  ids=$(podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
  [ -n "$ids" ] && podman volume rm -f $ids >/dev/null 2>&1
  podman network exists "${PROJECT}_internal" 2>/dev/null && podman network rm -f "${PROJECT}_internal" >/dev/null 2>&1
  return 0
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" != 0 ] && [ -n "$SERVICE_PID" ]; then
    log "failed (exit $rc): the containers' last log lines"
    for id in $(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"); do
      echo "----- $(podman inspect --format '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}' "$id")"
      podman logs --tail 25 "$id" 2>&1 | cut -c1-400
    done
    # The failed checks and why, last, where a reader of the output's tail sees them.
    if [ -s "$WORK/checks.log" ] && grep -Eq 'Failed (Tests|Suites) [0-9]' "$WORK/checks.log"; then
      log "the failed checks (the whole report is above)"
      sed -En '/Failed (Tests|Suites) [0-9]/,$p' "$WORK/checks.log" | cut -c1-400 | head -200
    fi
  fi
  if [ -n "${CONTAINER_TEST_KEEP:-}" ] && [ -n "$SERVICE_PID" ]; then
    log "CONTAINER_TEST_KEEP: the stack stays up (DOCKER_HOST=unix://$WORK/podman.sock CONTAINERS_CONF=$CONTAINERS_CONF ${COMPOSE[*]} down -v; kill $SERVICE_PID $HEALTH_PID)"
    exit "$rc"
  fi
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2>/dev/null && wait "$HEALTH_PID" 2>/dev/null
  if [ -n "$SERVICE_PID" ]; then
    "${COMPOSE[@]}" --profile sandbox down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1
    remove_leftovers # whatever compose did not remove (a one-off container of the checks, a failed start)
    kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
  log "$([ "$rc" = 0 ] && echo passed || echo "FAILED (exit $rc)"); everything it started is removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- stand-in base images (see the header) ----------------------------------------------------
# A stand-in is rebuilt when its recipe (this script) or the Node binary changes: the label holds this stamp.
STAMP="recipe $(sha256sum "$ROOT/scripts/container-test.sh" | cut -c1-12) node $("$NODE" --version)"

image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
# Removes the image a tag named before a rebuild, if nothing uses it any more (disk, not correctness).
drop_replaced() { # previous-id tag
  if [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ]; then podman rmi "$1" >/dev/null 2>&1 || true; fi
}

image_label() { podman image inspect --format "{{ index .Labels \"$STANDIN_LABEL\" }}" "$1" 2>/dev/null || true; }

# Succeeds when the image is there: our current stand-in, or a real image under that name.
image_present() {
  local label
  podman image exists "$1" || return 1
  label=$(image_label "$1")
  if [ -z "$label" ] || [ "$label" = '<no value>' ]; then log "$1 is present and is not a stand-in: using it"; return 0; fi
  [ "$label" = "$STAMP" ]
}

build_debian() {
  local image=localhost/hospiconnect-stand-in/debian:bookworm
  image_present "$image" && return 0
  log "stand-in Debian bookworm: debootstrap --variant=minbase from $DEBIAN_MIRROR"
  timeout 300 debootstrap --variant=minbase bookworm "$WORK/rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$WORK/rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --change "LABEL $STANDIN_LABEL=\"$STAMP\"" - "$image" >/dev/null
  rm -rf "$WORK/rootfs"
}

build_standin() { # name tag context-dir
  local name=$1 tag=$2 context=$3
  image_present "$tag" && return 0
  log "stand-in $tag ($name)"
  timeout 300 podman build --quiet --pull=never --format docker --label "$STANDIN_LABEL=$STAMP" -t "$tag" "$context" >"$WORK/build-$name.log" 2>&1 || { tail -30 "$WORK/build-$name.log"; die "building the $name stand-in failed"; }
}

make_base_images() {
  local node_image=docker.io/library/node:24-bookworm-slim redis_image=docker.io/library/redis:7.2-bookworm caddy_image=docker.io/library/caddy:2
  if image_present "$node_image" && image_present "$redis_image" && image_present "$caddy_image"; then
    log "base images: present (cached)"
    return 0
  fi
  build_debian
  local base=localhost/hospiconnect-stand-in/debian:bookworm

  mkdir -p "$WORK/node"
  cp "$(readlink -f "$NODE")" "$WORK/node/node"
  (cd "$WORK/node" && npm pack --silent npm@11 >/dev/null && tar -xzf npm-*.tgz && mv package npm && rm npm-*.tgz)
  cat >"$WORK/node/Containerfile" <<EOF
# Stand-in for node:24-bookworm-slim (scripts/container-test.sh): not the official image.
FROM $base
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
CMD ["node"]
EOF
  build_standin node "$node_image" "$WORK/node"

  mkdir -p "$WORK/redis"
  cat >"$WORK/redis/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Stand-in entrypoint: like the official redis image's, protected mode off when redis-server runs
# without a configuration file (it listens on the container's network, not only on loopback).
if [ "$1" = redis-server ] && [ ! -f "${2:-}" ]; then set -- "$@" --protected-mode no; fi
exec "$@"
EOF
  chmod 0755 "$WORK/redis/docker-entrypoint.sh"
  cat >"$WORK/redis/Containerfile" <<EOF
# Stand-in for redis:7.2-bookworm (scripts/container-test.sh): Debian's redis-server, not the official image.
FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME /data
USER redis
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
EOF
  build_standin redis "$redis_image" "$WORK/redis"

  mkdir -p "$WORK/caddy"
  cat >"$WORK/caddy/Containerfile" <<EOF
# Stand-in for caddy:2 (scripts/container-test.sh): Debian's caddy package, not the official image.
FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy ca-certificates >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && mkdir -p /config /data
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
EOF
  build_standin caddy "$caddy_image" "$WORK/caddy"
  # The stand-ins these replace, and what was built on them (untagged now, all carrying the label).
  podman image prune -f --filter "label=$STANDIN_LABEL" >/dev/null 2>&1 || true
}

# --- podman's Docker API, for docker-compose ---------------------------------------------------
log "podman system service (runc) for docker-compose $(docker-compose version --short 2>/dev/null)"
podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/podman-service.log" 2>&1 &
SERVICE_PID=$!
export DOCKER_HOST="unix://$WORK/podman.sock"
for _ in $(seq 100); do curl -sf --unix-socket "$WORK/podman.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf --unix-socket "$WORK/podman.sock" http://d/_ping >/dev/null || die "podman system service did not answer: $(tail -5 "$WORK/podman-service.log")"
remove_leftovers

make_base_images

# --- the gateway image -------------------------------------------------------------------------
# npm's CA settings (a TLS-inspecting proxy's CA, another registry) for the build only: mounted,
# never written into a layer.
{
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -f "$cafile" ]; then
    cp "$cafile" "$WORK/npm-ca.pem"; echo 'cafile=/run/npm-build/ca.pem'
  else
    : >"$WORK/npm-ca.pem"
  fi
  registry=$(npm config get registry 2>/dev/null || true)
  [ -n "$registry" ] && echo "registry=$registry"
  for name in proxy https-proxy noproxy; do
    value=$(npm config get "$name" 2>/dev/null || true)
    [ -n "$value" ] && [ "$value" != null ] && echo "$name=$value"
  done
} >"$WORK/npmrc"
log "building hospiconnect-gateway (podman build --format docker, npm CA settings mounted)"
previous_image=$(image_id hospiconnect-gateway)
timeout 300 podman build --quiet --pull=never --format docker -f docker/Dockerfile -t hospiconnect-gateway \
  -v "$WORK/npmrc:/usr/local/etc/npmrc:ro" -v "$WORK/npm-ca.pem:/run/npm-build/ca.pem:ro" . >"$WORK/build-gateway.log" 2>&1 \
  || { tail -30 "$WORK/build-gateway.log"; die "building docker/Dockerfile failed"; }
[ "$(podman image inspect --format '{{.Config.User}} {{if .Config.Healthcheck}}healthcheck{{end}}' hospiconnect-gateway)" = 'node healthcheck' ] \
  || die "the image must run as node with its HEALTHCHECK (podman build --format docker)"
drop_replaced "$previous_image" hospiconnect-gateway # the build cache of its layers stays for the next run

# --- secrets, as docs/operations.md tells an operator to make them ------------------------------
log "secrets: keys (npm run keys -- --owner 1000:1000), clients, environment, TLS"
mkdir -p "$WORK/secrets/tls"
"$NODE" src/signing-keys/cli.ts --dir "$WORK/secrets/keys" --owner 1000:1000 >/dev/null
# What defect 1 was: keys made by root without --owner (the checks mount them on purpose).
"$NODE" src/signing-keys/cli.ts --dir "$WORK/secrets/keys-made-by-root" >/dev/null
random() { "$NODE" -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))'; }
cat >"$WORK/secrets/clients.json" <<'EOF'
[{ "client_id": "container-rp", "client_name": "RP du test des conteneurs", "first_party": true,
   "redirect_uris": ["https://rp.container-test.invalid/callback"], "client_secret_env": "CONTAINER_RP_SECRET" }]
EOF
cat >"$WORK/secrets/gateway.env" <<EOF
PSC_CLIENT_SECRET=$(random)
AUDIT_MAC_KEY=$(random)
CONTAINER_RP_SECRET=$(random)
METRICS_TOKEN=$(random)
EOF
chmod 0600 "$WORK/secrets/gateway.env"
# One test CA for Caddy's certificate (localhost) and the PSC simulator's (the bridge's gateway).
(
  cd "$WORK/secrets/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj '/O=HospiConnect container test/CN=Test CA' -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign' 2>/dev/null
  issue() { # name SANs
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' "$2" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  }
  issue gateway 'DNS:localhost,IP:127.0.0.1'
  issue psc "IP:$BRIDGE_GATEWAY"
  cp gateway.pem cert.pem && cp gateway.key key.pem
)
chmod 0644 "$WORK/secrets/tls/"*.pem

# --- compose files: docker/compose.yml as it is, and what makes it testable here ---------------
cp docker/compose.yml docker/Caddyfile "$WORK/"
cat >"$WORK/.env" <<EOF
PUBLIC_HOST=localhost
HTTPS_PORT=$HTTPS_PORT
PSC_ISSUER=https://$BRIDGE_GATEWAY:$PSC_PORT/auth/realms/esante-wallet
PSC_CLIENT_ID=hospiconnect-gateway
SANDBOX_GATEWAY_PORT=$SANDBOX_PORT
SANDBOX_PSC_PORT=$((SANDBOX_PORT + 1))
SANDBOX_DPI_PORT=$((SANDBOX_PORT + 2))
SANDBOX_DMP_PORT=$((SANDBOX_PORT + 3))
SANDBOX_NATIONAL_PORT=$((SANDBOX_PORT + 4))
EOF
cat >"$WORK/compose.test.yml" <<EOF
# scripts/container-test.sh only: the issuer on the test's HTTPS port, the test CA trusted (the
# PSC simulator's certificate), full client addresses in the audit trail (checked).
services:
  gateway-1: &test
    environment:
      ISSUER: https://localhost:$HTTPS_PORT
      NODE_EXTRA_CA_CERTS: /run/test-ca.pem
      AUDIT_IP: full
    volumes:
      - ./secrets/tls/ca.pem:/run/test-ca.pem:ro
  gateway-2: *test
EOF
# podman reports its IPAM driver as an option; docker-compose 1.29 then refuses to reuse the
# network (the checks run `up` again) unless the file says the same: the network as in
# docker/compose.yml, plus that option.
"$NODE" --input-type=module -e "
  import { readFileSync } from 'node:fs';
  import { parse, stringify } from 'yaml';
  const { networks } = parse(readFileSync('docker/compose.yml', 'utf8'));
  for (const network of Object.values(networks)) network.ipam = { ...network.ipam, options: { driver: 'host-local' } };
  process.stdout.write(stringify({ networks }));
" >>"$WORK/compose.test.yml"
"${COMPOSE[@]}" config -q || die "docker-compose refuses docker/compose.yml"

# --- health checks: no systemd here, so run them ------------------------------------------------
(
  while :; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
      podman healthcheck run "$id" >/dev/null 2>&1 || true
    done
    sleep 2
  done
) &
HEALTH_PID=$!

# Each gateway ready by its own /readyz, asked inside its container (Caddy's answer says only
# that one of them is): it answers 200 once it reaches Redis over the compose network.
gateways_ready() {
  local service id deadline=$((SECONDS + 60))
  for service in gateway-1 gateway-2 sandbox; do
    id=$(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$service")
    [ -n "$id" ] || return 1
    until podman exec "$id" node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || { log "$service not ready within 60 s (its own /readyz); its last lines:"; podman logs --tail 8 "$id" 2>&1 | cut -c1-300; return 1; }
      sleep 1
    done
  done
}

log "docker-compose up: redis, gateway-1, gateway-2, proxy, sandbox"
timeout 300 "${COMPOSE[@]}" --profile sandbox up -d --no-build >"$WORK/compose-up.log" 2>&1 || { cat "$WORK/compose-up.log"; die "docker-compose up failed"; }
# A container of this machine's podman once came up without a working network (its connections
# to Redis and to this host timing out while the others' worked): the stack is started again,
# once, and said so; a gateway that cannot become ready twice fails the test here.
if ! gateways_ready; then
  log "a container is not ready: the stack is started again, once"
  "${COMPOSE[@]}" --profile sandbox down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
  timeout 300 "${COMPOSE[@]}" --profile sandbox up -d --no-build >"$WORK/compose-up.log" 2>&1 || { cat "$WORK/compose-up.log"; die "docker-compose up failed"; }
  gateways_ready || die "a gateway is not ready after starting the stack twice (its last lines above)"
fi

log "checks (test/containers/stack-checks.ts)"
CONTAINER_TEST_DIR="$WORK" CONTAINER_TEST_PROJECT="$PROJECT" \
CONTAINER_TEST_COMPOSE="$(printf '%s\n' "${COMPOSE[@]}")" \
CONTAINER_TEST_ISSUER="https://localhost:$HTTPS_PORT" \
CONTAINER_TEST_PSC_URL="https://$BRIDGE_GATEWAY:$PSC_PORT" CONTAINER_TEST_PSC_PORT="$PSC_PORT" \
CONTAINER_TEST_SANDBOX_PORT="$SANDBOX_PORT" \
NODE_EXTRA_CA_CERTS="$WORK/secrets/tls/ca.pem" \
  NO_COLOR=1 timeout 420 "$NODE" node_modules/vitest/vitest.mjs run --config test/containers/vitest.config.ts 2>&1 | tee "$WORK/checks.log"
log "container test done in $((SECONDS - START)) s"

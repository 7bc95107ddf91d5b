#!/usr/bin/env bash
# Test substrate for evaonline.deploy: host packages, dockerd, debootstrap
# bases, the Molecule host image, the local registry and the test doubles.
# Every step is idempotent; images are rebuilt only when their recipe changes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export DEBIAN_FRONTEND=noninteractive

NET=${EVAONLINE_TEST_NET:-evaonline-test}
REGISTRY_NAME=${EVAONLINE_TEST_REGISTRY:-evaonline-registry}
REGISTRY_PORT=${EVAONLINE_TEST_REGISTRY_PORT:-5000}
REGISTRY=127.0.0.1:${REGISTRY_PORT}
MIRROR=${EVAONLINE_TEST_APT_MIRROR:-http://deb.debian.org/debian}
HOST_PACKAGES=(docker.io debootstrap iproute2 curl ca-certificates openssh-client openssl)
LABEL_KEY=org.evaonline.test.recipe
DOUBLE_LABEL=org.evaonline.test.double

log() { printf '[substrate] %s\n' "$*" >&2; }

# --- host ---------------------------------------------------------------
host_packages() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing host packages: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# bookworm's docker.io has no Compose v2 and no buildx: take both plugins from
# trixie's packages (static Go binaries) without adding trixie to apt sources.
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
host_plugins() {
  if [ -x "$PLUGIN_DIR/docker-compose" ] && [ -x "$PLUGIN_DIR/docker-buildx" ]; then return 0; fi
  log "installing compose v2 and buildx CLI plugins from trixie packages"
  local tmp
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$PLUGIN_DIR"
  echo "deb ${MIRROR} trixie main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=-
              -o "Dir::State::Lists=$tmp/lists" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$tmp" && apt-get "${opts[@]}" download docker-compose docker-buildx -qq)
  local deb
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  install -m 0755 "$tmp"/x/usr/libexec/docker/cli-plugins/docker-{compose,buildx} "$PLUGIN_DIR/"
  rm -rf "$tmp"
}

daemon_up() {
  if docker info >/dev/null 2>&1; then return 0; fi
  log "starting dockerd"
  nohup dockerd >/var/log/evaonline-dockerd.log 2>&1 &
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; see /var/log/evaonline-dockerd.log"
  return 1
}

# --- cache helpers --------------------------------------------------------
# Content hash of a recipe directory (file names + bytes), plus extra words.
recipe_hash() {
  local dir=$1; shift
  { (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); echo "$*"; } \
    | sha256sum | cut -c1-16
}

image_label() {
  docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# --- debootstrap bases ----------------------------------------------------
base() {
  local suite=$1 ref=evaonline-test/debian:$1
  if docker image inspect "$ref" >/dev/null 2>&1; then return 0; fi
  log "debootstrap $suite -> $ref"
  local root
  root=$(mktemp -d /var/tmp/evaonline-rootfs.XXXXXX)
  debootstrap --variant=minbase "$suite" "$root" "$MIRROR" >/dev/null
  # Slim the rootfs the way the official debian:*-slim does.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar -C "$root" -c . | docker import \
    -c 'CMD ["bash"]' -c "LABEL $DOUBLE_LABEL=base" -c "LABEL $LABEL_KEY=$suite" - "$ref" >/dev/null
  rm -rf "$root"
}

bases() { base trixie; base bookworm; }

# --- recipe images (host, registry, doubles) -----------------------------
# build REF DIR: rebuild only when DIR's content or its FROM image changed.
build() {
  local ref=$1 dir=$2 from key
  from=$(awk 'toupper($1)=="FROM"{print $2; exit}' "$dir/Dockerfile")
  key=$(recipe_hash "$dir" "$(docker image inspect -f '{{.Id}}' "$from" 2>/dev/null || echo "$from")")
  if [ "$(image_label "$ref" "$LABEL_KEY")" = "$key" ]; then return 0; fi
  log "building $ref from ${dir#"$here"/}"
  local t0=$SECONDS
  DOCKER_BUILDKIT=0 docker build -q --label "$LABEL_KEY=$key" -t "$ref" "$dir" >/dev/null
  log "built $ref in $((SECONDS - t0)) s"
}

host_image() { build evaonline-test/host:trixie "$here/host"; }

registry() {
  build evaonline-test/registry:2 "$here/registry"
  docker network inspect "$NET" >/dev/null 2>&1 \
    || docker network create --label org.evaonline.test=substrate "$NET" >/dev/null
  local want cur
  want=$(docker image inspect -f '{{.Id}}' evaonline-test/registry:2)
  cur=$(docker inspect -f '{{.Image}}' "$REGISTRY_NAME" 2>/dev/null || true)
  if [ "$cur" != "$want" ]; then
    [ -z "$cur" ] || docker rm -f "$REGISTRY_NAME" >/dev/null
    log "starting registry $REGISTRY_NAME on $NET, published on $REGISTRY"
    docker run -d --name "$REGISTRY_NAME" --network "$NET" --restart unless-stopped \
      --label org.evaonline.test=substrate \
      -p "$REGISTRY:5000" -v evaonline-registry-data:/var/lib/docker-registry \
      evaonline-test/registry:2 >/dev/null
  elif [ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY_NAME")" != true ]; then
    docker start "$REGISTRY_NAME" >/dev/null
  fi
  local i
  for i in $(seq 1 40); do
    curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  log "registry did not answer on http://$REGISTRY/v2/"
  return 1
}

# push REF [PATH]: publish a local image in the test registry under PATH
# (default: the same path as REF). A marker per PATH remembers the pushed image
# ID; the registry is asked too, so a purged registry gets the image again.
PUSHED=/var/tmp/evaonline-pushed
push() {
  local ref=$1 dst=${2:-$1} id marker
  id=$(docker image inspect -f '{{.Id}}' "$ref")
  marker=$PUSHED/$(echo "$dst" | tr '/:' '__')
  if [ "$(cat "$marker" 2>/dev/null)" = "$id" ] && curl -fsS -o /dev/null -I \
       -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
       "http://$REGISTRY/v2/${dst%:*}/manifests/${dst##*:}"; then
    return 0
  fi
  log "pushing $ref to $REGISTRY/$dst"
  docker tag "$ref" "$REGISTRY/$dst"
  docker push -q "$REGISTRY/$dst" >/dev/null
  docker rmi "$REGISTRY/$dst" >/dev/null   # keep the local store free of registry-named copies
  mkdir -p "$PUSHED"
  echo "$id" >"$marker"
}

# Each doubles/<name>/ holds a Dockerfile and IMAGE (the test image ref).
# A double FROM another double (postgis FROM evaonline-test/postgres:15) is built
# after that one, whatever the glob order: each pass builds the doubles whose FROM
# is not the IMAGE of a double still pending (bases and outside images never are).
doubles() {
  local d ref from pending=() waiting queued
  for d in "$here"/doubles/*/; do
    [ -f "$d/Dockerfile" ] || continue
    pending+=("${d%/}")
  done
  while [ ${#pending[@]} -gt 0 ]; do
    queued=$(for d in "${pending[@]}"; do cat "$d/IMAGE"; done)
    waiting=()
    for d in "${pending[@]}"; do
      from=$(awk 'toupper($1)=="FROM"{print $2; exit}' "$d/Dockerfile")
      if grep -qxF "$from" <<<"$queued"; then waiting+=("$d"); continue; fi
      ref=$(cat "$d/IMAGE")
      build "$ref" "$d"
      push "$ref"
    done
    if [ ${#waiting[@]} -eq ${#pending[@]} ]; then
      log "doubles: FROM cycle among ${waiting[*]#"$here"/}"
      return 1
    fi
    pending=("${waiting[@]}")
  done
}

# Docker Hub mirror paths: each line of mirror.txt is "<double ref> <path:tag>";
# the double is pushed to $REGISTRY/<path:tag>, so evaonline_registry_mirror can
# point at the test registry (evaonline-registry:5000/library/postgres:<pinned tag>).
# The tags must equal roles/base_images/defaults/main.yml (tests/unit/substrate/test_mirror.py).
mirror() {
  local ref dst
  while read -r ref dst; do
    case $ref in ''|'#'*) continue ;; esac
    push "$ref" "$dst"
  done <"$here/mirror.txt"
}

# The contract and integration tests build with buildx (BuildKit secrets) on this
# daemon. A BuildKit store left inconsistent (a daemon stopped mid-build, a copied disk)
# fails every such build: prove one small build, and on failure drop the build cache
# and try once more.
buildkit_try() {
  local ctx=$1 iid
  iid=$(mktemp)
  docker buildx build -q --no-cache --iidfile "$iid" \
    --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt "$ctx" >/dev/null 2>"$ctx/err" \
    && docker image rm "$(cat "$iid")" >/dev/null 2>&1
  local rc=$?
  rm -f "$iid"
  return $rc
}
buildkit_check() {
  local ctx rc=0
  ctx=$(mktemp -d)
  printf 'FROM evaonline-test/python:3.13-slim\nRUN --mount=type=secret,id=ca test -s /run/secrets/ca\n' \
    >"$ctx/Dockerfile"
  if ! buildkit_try "$ctx"; then
    log "BuildKit check failed ($(tail -n 1 "$ctx/err")); pruning the build cache and retrying"
    docker builder prune -af >/dev/null 2>&1 || true
    buildkit_try "$ctx" || { log "BuildKit cannot build: $(tail -n 3 "$ctx/err")"; rc=1; }
  fi
  rm -rf "$ctx"
  return $rc
}

up() {
  local t0=$SECONDS
  host_packages
  host_plugins
  daemon_up
  bases
  host_image
  registry
  doubles
  mirror
  buildkit_check
  log "substrate ready in $((SECONDS - t0)) s"
}

# Remove what tests leave behind; keep images (the cache) and the registry.
clean() {
  daemon_up
  local ids
  ids=$(docker ps -aq --filter label=owner=molecule; docker ps -aq --filter label=org.evaonline.test=fixture)
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null
  ids=$(docker network ls -q --filter label=owner=molecule; docker network ls -q --filter label=org.evaonline.test=fixture)
  [ -z "$ids" ] || docker network rm $ids >/dev/null
  docker volume prune -f >/dev/null
  log "clean: test containers, networks and dangling volumes removed; images kept"
}

# Also drop the registry and its data (next `up` re-creates and re-pushes).
purge() {
  clean
  docker rm -f "$REGISTRY_NAME" >/dev/null 2>&1 || true
  docker volume rm evaonline-registry-data >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  rm -rf "$PUSHED"
}

cmd=${1:-up}
case "$cmd" in
  up|host_packages|host_plugins|daemon_up|bases|host_image|registry|doubles|mirror|buildkit_check|clean|purge) shift || true; "$cmd" "$@" ;;
  *) echo "usage: $0 [up|clean|purge|bases|host_image|registry|doubles|mirror]" >&2; exit 2 ;;
esac

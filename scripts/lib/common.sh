# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test (and tests/support/pg.mjs).
# Source it; it defines functions and a few variables and runs nothing else.

PARLEY_ROOT=${PARLEY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PARLEY_BUILD_DIR=${PARLEY_BUILD_DIR:-$PARLEY_ROOT/build}
PARLEY_BIN=${PARLEY_BIN:-$PARLEY_BUILD_DIR/parley}

# Debian 12 packages. Extend here, nowhere else: scripts/run, scripts/test and
# docker/Dockerfile all install from these lists.
# What building Parley needs (the Dockerfile's build stage installs only these).
PARLEY_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libpqxx-dev nlohmann-json3-dev libcurl4-openssl-dev
  libspdlog-dev libgtest-dev libsodium-dev libcmark-dev
  libhowardhinnant-date-dev
  ca-certificates gzip
)
# The build plus the PostgreSQL that scripts/run and the tests start themselves.
# curl: scripts/run waits for /readyz before it prints the addresses.
PARLEY_PACKAGES=("${PARLEY_BUILD_PACKAGES[@]}" postgresql-15 curl)
# What the built binary needs at run time (the Dockerfile's slim stage); curl for health checks.
PARLEY_RUNTIME_PACKAGES=(
  libpqxx-6.4 libspdlog1.10 libfmt9 libcurl4 libsodium23 libcmark0.30.2 libdate-tz3 tzdata ca-certificates curl
)
# What the integration and browser tests need on top (node/npm only when `node` is missing):
# nginx-light and openssl for the reverse-proxy test (tests/integration/nginx.test.mjs).
PARLEY_BROWSER_PACKAGES=(chromium fonts-liberation nginx-light openssl)

log() { printf '[parley] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

_PARLEY_APT_UPDATED=0
# apt_install PKG...: installs those that are missing; `apt-get update` once, only if needed.
apt_install() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root && ! command -v sudo >/dev/null 2>&1; then
    die "missing packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})"
  fi
  log "installing missing packages: ${missing[*]}"
  if [ "$_PARLEY_APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed (see above)"
    _PARLEY_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" </dev/null || die "apt-get could not install: ${missing[*]} (see above)"
}

# without_service_starts CMD...: runs CMD (an apt-get install) with a policy-rc.d that tells
# Debian's maintainer scripts not to start services: installing nginx for the tests must not
# start a system nginx on port 80. An existing policy-rc.d (not ours) is left as it is.
PARLEY_POLICY_RC_D=${PARLEY_POLICY_RC_D:-/usr/sbin/policy-rc.d}
without_service_starts() {
  local policy=$PARLEY_POLICY_RC_D marker='# parley: no service starts while installing' rc=0
  if [ -e "$policy" ] && ! grep -qxF "$marker" "$policy" 2>/dev/null; then
    "$@"
    return
  fi
  printf '#!/bin/sh\n%s (scripts/lib/common.sh)\nexit 101\n' "$marker" | as_root tee "$policy" >/dev/null
  as_root chmod 755 "$policy"
  ( "$@" ) || rc=$? # in a subshell: a `die` inside still gets the policy removed
  as_root rm -f "$policy"
  return $rc
}

ensure_packages() {
  apt_install "${PARLEY_PACKAGES[@]}"
}

ensure_build_packages() {
  apt_install "${PARLEY_BUILD_PACKAGES[@]}"
}

ensure_runtime_packages() {
  apt_install "${PARLEY_RUNTIME_PACKAGES[@]}"
}

ensure_browser_packages() {
  local extra=()
  command -v node >/dev/null 2>&1 || extra+=(nodejs)
  command -v npm >/dev/null 2>&1 || extra+=(npm)
  local had_nginx=0 p absent=0
  [ -x /usr/sbin/nginx ] && had_nginx=1
  for p in "${PARLEY_BROWSER_PACKAGES[@]}" "${extra[@]}"; do pkg_installed "$p" || absent=1; done
  [ "$absent" -eq 1 ] || return 0
  without_service_starts apt_install "${PARLEY_BROWSER_PACKAGES[@]}" "${extra[@]}"
  # The tests run nginx themselves (tests/support/nginx.mjs); the system service we just
  # installed stays stopped and does not start at boot either.
  if [ "$had_nginx" -eq 0 ] && [ -x /usr/sbin/nginx ]; then
    if [ -d /run/systemd/system ]; then
      as_root systemctl disable --now nginx >/dev/null 2>&1 || true
    else
      as_root update-rc.d nginx disable >/dev/null 2>&1 || true
    fi
    log "nginx installed for the tests; its system service is stopped and disabled"
  fi
}

# build_parley: configure (first time only, so a developer's own cache is kept) and build.
# PARLEY_BUILD_TARGETS (e.g. "parley") limits what is built; default everything.
build_parley() {
  local args=()
  if [ ! -f "$PARLEY_BUILD_DIR/CMakeCache.txt" ]; then
    # RelWithDebInfo with line tables only (-g1): backtraces, perf and addr2line work. Full -g
    # at -O2 makes GCC track every variable's location, ~40 % of the compile time
    # (docs/BENCHMARKS.md, "First build"); PARLEY_DEBUG_INFO=-g brings it back (gdb locals).
    args+=(-G Ninja -DCMAKE_BUILD_TYPE="${PARLEY_BUILD_TYPE:-RelWithDebInfo}"
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 ${PARLEY_DEBUG_INFO:--g1} -DNDEBUG")
    if command -v ccache >/dev/null 2>&1; then
      args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    log "first build in $PARLEY_BUILD_DIR: a few minutes (the server alone: about 2 on 2 idle cores); later builds recompile only what changed"
  else
    log "building parley in $PARLEY_BUILD_DIR"
  fi
  # Warnings are errors where PARLEY_WERROR=ON (scripts/test, CI); a plain build only warns.
  [ -n "${PARLEY_WERROR:-}" ] && args+=(-DPARLEY_WERROR="$PARLEY_WERROR")
  # One build at a time on this machine (2 cores; two ninjas in one build dir corrupt it).
  local lock=${PARLEY_BUILD_LOCK:-/tmp/parley-build.lock} rc=0
  if command -v flock >/dev/null 2>&1 && exec 9>>"$lock"; then
    flock -n 9 || { log "waiting for another build to finish ($lock)"; flock 9 || true; }
  fi
  cmake -S "$PARLEY_ROOT" -B "$PARLEY_BUILD_DIR" "${args[@]}" && cmake --build "$PARLEY_BUILD_DIR" ${PARLEY_BUILD_TARGETS:+--target $PARLEY_BUILD_TARGETS} || rc=$?
  exec 9>&- # only closes the lock (a redirection here would apply to the whole shell)
  [ "$rc" -eq 0 ] || die "the build failed (exit $rc)"
  [ -x "$PARLEY_BIN" ] || die "the build did not produce $PARLEY_BIN"
}

# build_sanitized: the server, the unit tests and the libFuzzer targets built with clang,
# AddressSanitizer and UBSan, in $PARLEY_SANITIZE_DIR (build-sanitize/). Used by scripts/test
# (the integration tests run against this binary too) and scripts/fuzz.
PARLEY_SANITIZE_DIR=${PARLEY_SANITIZE_DIR:-$PARLEY_ROOT/build-sanitize}
build_sanitized() {
  apt_install clang libclang-rt-14-dev
  local args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++
    -DPARLEY_FUZZ=ON -DPARLEY_SANITIZE=ON -DPARLEY_WERROR=OFF)
  if command -v ccache >/dev/null 2>&1; then args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  log "building the sanitized server, unit tests and fuzzers in $PARLEY_SANITIZE_DIR"
  local lock=${PARLEY_BUILD_LOCK:-/tmp/parley-build.lock} rc=0
  if command -v flock >/dev/null 2>&1 && exec 9>>"$lock"; then
    flock 9 || true
  fi
  cmake -S "$PARLEY_ROOT" -B "$PARLEY_SANITIZE_DIR" "${args[@]}" >/dev/null &&
    cmake --build "$PARLEY_SANITIZE_DIR" --target parley parley_unit_tests fuzz_http_inputs fuzz_json_inputs || rc=$?
  exec 9>&- # only closes the lock (a redirection here would apply to the whole shell)
  [ "$rc" -eq 0 ] || die "the sanitized build failed (exit $rc)"
}

# build_packager_config TYPE: the server alone as a packager builds it — CMAKE_BUILD_TYPE=TYPE
# (Debug, Release), warnings as errors — in build-TYPE/ (lower case). scripts/test runs it for
# the build types its main build does not use, so every one compiles clean at every commit.
build_packager_config() {
  local type=$1 dir
  dir=$PARLEY_ROOT/build-$(tr '[:upper:]' '[:lower:]' <<<"$type")
  local args=(-G Ninja -DCMAKE_BUILD_TYPE="$type" -DPARLEY_WERROR=ON)
  if command -v ccache >/dev/null 2>&1; then args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  log "building parley as a packager would ($type) in $dir"
  local lock=${PARLEY_BUILD_LOCK:-/tmp/parley-build.lock} rc=0
  if command -v flock >/dev/null 2>&1 && exec 9>>"$lock"; then
    flock 9 || true
  fi
  { cmake -S "$PARLEY_ROOT" -B "$dir" "${args[@]}" >/dev/null && cmake --build "$dir" --target parley; } || rc=$?
  exec 9>&-
  [ "$rc" -eq 0 ] || { log "error: the $type build failed (exit $rc)"; return 1; }
}

# run_fuzzers SECONDS: each libFuzzer target for SECONDS on an empty corpus; fails on a crash.
run_fuzzers() {
  local seconds=$1 target corpus rc=0
  for target in fuzz_http_inputs fuzz_json_inputs; do
    corpus=$(mktemp -d)
    log "fuzzing $target for ${seconds}s"
    "$PARLEY_SANITIZE_DIR/$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus" \
      >"$corpus.log" 2>&1 || { rc=1; tail -40 "$corpus.log" >&2; }
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "$corpus.log" | sed "s/^/[parley] $target /" >&2
    rm -rf "$corpus" "$corpus.log"
  done
  return $rc
}

# ---------------------------------------------------------------- PostgreSQL
# PostgreSQL refuses to run as root: when we are root, the cluster belongs to and runs as
# `postgres`; otherwise it runs as the current user. Clusters listen on a unix socket only.

pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ] || die "PostgreSQL server binaries not found in PG_BINDIR=$PG_BINDIR"
    echo "$PG_BINDIR"
    return
  fi
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  die "PostgreSQL server binaries not found (install postgresql-15, or give DATABASE_URL to use your own PostgreSQL)"
}

pg_owner() { if is_root; then echo postgres; else id -un; fi; }

# pg_as_owner CMD...: run CMD as the cluster's owner.
pg_as_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_can_reach DIR: true when the cluster owner can traverse every folder down to DIR.
pg_can_reach() {
  is_root || return 0
  runuser -u postgres -- test -x "$1" 2>/dev/null
}

# pg_first_blocking_dir DIR: the first folder on the way to DIR that postgres cannot pass.
pg_first_blocking_dir() {
  local path=$1 d="" part
  local IFS=/
  for part in $path; do
    [ -z "$part" ] && continue
    d="$d/$part"
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then echo "$d"; return; fi
  done
}

# pg_chown_owner PATH...: hand paths to the cluster owner (no-op unless root).
pg_chown_owner() {
  is_root || return 0
  chown postgres:postgres "$@"
}

# pg_init DATADIR [SOCKETDIR]: a new cluster (superuser `postgres`, trust auth, unix socket
# only, fsync on). SOCKETDIR defaults to DATADIR.
pg_init() {
  local data=$1 sock=${2:-$1} bin
  bin=$(pg_bindir)
  mkdir -p "$data" "$sock"
  pg_chown_owner "$data" "$sock"
  chmod 700 "$data"
  pg_as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --no-locale --no-instructions >"$data.initdb.log" 2>&1 || {
    cat "$data.initdb.log" >&2
    die "initdb failed for $data"
  }
  rm -f "$data.initdb.log"
  cat >>"$data/postgresql.conf" <<CONF

# --- parley (scripts/lib/common.sh) ---
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
fsync = on
max_connections = ${PG_MAX_CONNECTIONS:-200}
logging_collector = off
CONF
}

pg_is_running() {
  local bin
  bin=$(pg_bindir)
  pg_as_owner "$bin/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# pg_start DATADIR: start (no-op if already running) and wait until it accepts connections.
# The server log is DATADIR/postgres.log.
pg_start() {
  local data=$1 bin
  bin=$(pg_bindir)
  pg_is_running "$data" && return 0
  pg_as_owner "$bin/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 120 start >/dev/null || {
    tail -n 30 "$data/postgres.log" >&2 2>/dev/null || true
    die "PostgreSQL failed to start in $data"
  }
}

# pg_stop DATADIR: fast shutdown (rolls back open transactions, writes a checkpoint).
pg_stop() {
  local data=$1 bin
  bin=$(pg_bindir)
  pg_is_running "$data" || return 0
  pg_as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 120 stop >/dev/null
}

# pg_socket_dir DATADIR: the socket folder configured by pg_init.
pg_socket_dir() {
  sed -n "s/^unix_socket_directories = '\(.*\)'$/\1/p" "$1/postgresql.conf" | tail -n 1
}

# pg_psql SOCKETDIR DB ARGS...: psql as superuser over the socket, stopping on the first error.
pg_psql() {
  local sock=$1 db=$2 bin
  shift 2
  bin=$(pg_bindir)
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d "$db" "$@"
}

# pg_create_db SOCKETDIR NAME: create the database unless it exists.
pg_create_db() {
  local sock=$1 name=$2
  if [ "$(pg_psql "$sock" postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
    pg_psql "$sock" postgres -c "CREATE DATABASE \"$name\""
  fi
}

# url_encode STRING: percent-encode for a libpq URI query value.
url_encode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# pg_url SOCKETDIR DB: a libpq URI for DB over the unix socket.
pg_url() {
  printf 'postgresql:///%s?host=%s&user=postgres' "$2" "$(url_encode "$1")"
}

# shellcheck shell=bash
# Shared by the bench/* commands. Source it; it defines functions and runs nothing else.
# Placement: the server under test and PostgreSQL on CPU $BENCH_SERVER_CPU, the load
# generator (and wrk) on CPU $BENCH_LOAD_CPU — the same for Parley and for its peers.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARLEY_ROOT=${PARLEY_ROOT:-$(cd "$BENCH_DIR/.." && pwd)}
# shellcheck source=../scripts/lib/common.sh
source "$PARLEY_ROOT/scripts/lib/common.sh"

BENCH_SERVER_CPU=${BENCH_SERVER_CPU:-0}
BENCH_LOAD_CPU=${BENCH_LOAD_CPU:-1}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results/results.md}
LOADGEN=${LOADGEN:-$PARLEY_BUILD_DIR/parley_loadgen}
BENCH_AGENT_EMAIL=bench@localhost
BENCH_AGENT_PASSWORD=bench-password-1234
PEER_DIR=$BENCH_DIR/peers/seed-node

BENCH_TMP=""
BENCH_PIDS=()

bench_cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${BENCH_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [ -n "$BENCH_TMP" ]; then
    pg_stop "$BENCH_TMP/data" >/dev/null 2>&1 || true
    rm -rf "$BENCH_TMP"
  fi
}

# bench_init: build what is missing, a private PostgreSQL cluster pinned to the server CPU,
# and the cleanup trap. fsync and synchronous_commit are on (durable commits).
bench_init() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [ "$(nproc --all)" -ge 2 ] || log "warning: fewer than 2 CPUs; server and load generator share one"
  if [ "${BENCH_BUILD:-1}" = 1 ]; then
    flock /tmp/parley-build.lock cmake --build "$PARLEY_BUILD_DIR" -j2 --target parley parley_loadgen >&2 ||
      die "build failed"
  fi
  [ -x "$LOADGEN" ] || die "no load generator at $LOADGEN (build the parley_loadgen target)"
  BENCH_TMP=$(mktemp -d /tmp/parley-bench.XXXXXX)
  pg_chown_owner "$BENCH_TMP"
  chmod 700 "$BENCH_TMP"
  PG_MAX_CONNECTIONS=100 pg_init "$BENCH_TMP/data"
  cat >>"$BENCH_TMP/data/postgresql.conf" <<CONF
synchronous_commit = on
log_min_messages = warning
CONF
  # A bench's own settings (e.g. pg_stat_statements), one per line, before the first start.
  [ -z "${BENCH_PG_CONF:-}" ] || printf '%s\n' "$BENCH_PG_CONF" >>"$BENCH_TMP/data/postgresql.conf"
  # pg_ctl's children (the postmaster and every backend) inherit this affinity.
  taskset -c "$BENCH_SERVER_CPU" bash -c "source '$PARLEY_ROOT/scripts/lib/common.sh'; pg_start '$BENCH_TMP/data'" ||
    die "PostgreSQL did not start"
  BENCH_PG_SOCK=$BENCH_TMP/data
}

# bench_db NAME: a new migrated database; prints its URL.
bench_db() {
  pg_create_db "$BENCH_PG_SOCK" "$1" >&2
  local url
  url=$(pg_url "$BENCH_PG_SOCK" "$1")
  DATABASE_URL=$url "$PARLEY_BIN" migrate >/dev/null 2>&1 || die "migrating $1 failed"
  printf '%s\n' "$BENCH_AGENT_PASSWORD" |
    DATABASE_URL=$url "$PARLEY_BIN" agent add --email "$BENCH_AGENT_EMAIL" --name Bench >/dev/null 2>&1 || true
  printf '%s' "$url"
}

# bench_prefill_history DB [TARGET]: a history like a deployment's (HISTORY_CONVERSATIONS resolved
# conversations of 20 messages each), then VACUUM ANALYZE, so plans and statistics are those of
# a database in use rather than of an empty one. The same for Parley and the peer. For a Parley
# TARGET (the default) the messages get their search vectors as they are inserted, as in a
# deployment that has been running: otherwise Parley's first start rebuilds them in the
# background (a one-off after an upgrade), which took PostgreSQL's time during the first
# minute of every relay run. The peer's database keeps none (its inserts then skip the work).
bench_prefill_history() {
  local index_config=""
  if [[ "${2:-parley}" == parley* ]]; then
    index_config="UPDATE message_search SET config = '${PARLEY_TEXT_SEARCH_CONFIG:-english}', rebuild_below = NULL;"
  fi
  pg_psql "$BENCH_PG_SOCK" "$1" -q <<SQL >/dev/null
$index_config
INSERT INTO visitor (name) SELECT 'history ' || g FROM generate_series(1, ${BENCH_HISTORY_CONVERSATIONS:-10000}) g;
INSERT INTO conversation (visitor_id, status, page_url, created_at, updated_at)
  SELECT id, 'RESOLVED', 'https://shop.example/', now() - interval '30 days', now() - interval '30 days' FROM visitor;
INSERT INTO message (conversation_id, sender, client_id, body, created_at)
  SELECT c.id, 'VISITOR', 'h' || g, 'an earlier message of this conversation', c.created_at
  FROM conversation c, generate_series(1, 20) g;
VACUUM ANALYZE;
SQL
}

# _bench_wait_listening LOG PID: the port a server logs as "listening on HOST:PORT".
_bench_wait_listening() {
  local log=$1 pid=$2 i port
  for ((i = 0; i < 600; i++)); do
    port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$log" 2>/dev/null | head -n 1)
    if [ -n "$port" ]; then printf '%s' "$port"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "the server exited before listening"; }
    sleep 0.05
  done
  die "the server did not listen within 30 s (log: $log)"
}

# bench_start_parley DB_URL [ENV=VALUE…]: Parley pinned to the server CPU; sets SERVER_PID,
# SERVER_URL. Its log (access lines included) goes to a file, as under a service manager.
bench_start_parley() {
  local url=$1 log
  shift
  log=$(mktemp "$BENCH_TMP/parley.XXXXXX.log")
  env DATABASE_URL="$url" "$@" taskset -c "$BENCH_SERVER_CPU" "$PARLEY_BIN" serve --listen 127.0.0.1:0 >"$log" 2>&1 &
  SERVER_PID=$!
  BENCH_PIDS+=("$SERVER_PID")
  SERVER_URL="http://127.0.0.1:$(_bench_wait_listening "$log" "$SERVER_PID")"
  SERVER_LOG=$log
}

# bench_start_parley_pair DB_URL: two Parley processes, A and B, on one database (several
# processes, docs/OPERATIONS.md), both pinned to the server CPU like one would be. Sets
# SERVER_PID/SERVER_URL/SERVER_LOG (A) and SERVER_B_PID/SERVER_B_URL/SERVER_B_LOG (B).
bench_start_parley_pair() {
  local a_pid a_url a_log
  bench_start_parley "$1"
  a_pid=$SERVER_PID a_url=$SERVER_URL a_log=$SERVER_LOG
  bench_start_parley "$1"
  SERVER_B_PID=$SERVER_PID SERVER_B_URL=$SERVER_URL SERVER_B_LOG=$SERVER_LOG
  SERVER_PID=$a_pid SERVER_URL=$a_url SERVER_LOG=$a_log
}

# bench_peer_install: the seed-node peer's npm dependencies (never committed).
bench_peer_install() {
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  if [ ! -d "$PEER_DIR/node_modules/ws" ] || [ ! -d "$PEER_DIR/node_modules/pg" ]; then
    log "installing the seed-node peer's dependencies (npm install)"
    if [ -f "$PEER_DIR/package-lock.json" ]; then
      (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2) || die "npm ci failed"
    else
      (cd "$PEER_DIR" && npm install --no-audit --no-fund --loglevel=error </dev/null >&2) || die "npm install failed"
    fi
  fi
}

# bench_start_peer DB_URL: the seed-node peer pinned to the server CPU; sets SERVER_PID etc.
bench_start_peer() {
  local url=$1 log
  log=$(mktemp "$BENCH_TMP/peer.XXXXXX.log")
  env DATABASE_URL="$url" PORT=0 PEER_AGENT_PASSWORD="$BENCH_AGENT_PASSWORD" \
    taskset -c "$BENCH_SERVER_CPU" node "$PEER_DIR/server.mjs" >"$log" 2>&1 &
  SERVER_PID=$!
  BENCH_PIDS+=("$SERVER_PID")
  SERVER_URL="http://127.0.0.1:$(_bench_wait_listening "$log" "$SERVER_PID")"
  SERVER_LOG=$log
}

# bench_start TARGET DB_URL: TARGET is parley, parley-cross (two processes A and B, see
# bench_start_parley_pair) or seed-node.
bench_start() {
  case "$1" in
    parley) bench_start_parley "$2" ;;
    parley-cross) bench_start_parley_pair "$2" ;;
    seed-node) bench_start_peer "$2" ;;
    *) die "unknown target $1" ;;
  esac
}

# bench_stop: stops the server(s) under test (A, and B when there is one).
bench_stop() {
  local p
  for p in ${SERVER_PID:-} ${SERVER_B_PID:-}; do kill -TERM "$p" 2>/dev/null || true; done
  for p in ${SERVER_PID:-} ${SERVER_B_PID:-}; do wait "$p" 2>/dev/null || true; done
  SERVER_PID="" SERVER_B_PID="" SERVER_B_URL=""
}

# loadgen ARGS…: the load generator pinned to the load CPU.
loadgen() { taskset -c "$BENCH_LOAD_CPU" "$LOADGEN" "$@"; }

# bench_server_cpu_sample: "TOTAL BUSY OURS" clock ticks so far — all of the server CPU, its busy
# part (user + nice + system), and what the servers under test and PostgreSQL used (children
# already reaped included). Two samples tell how much of the server CPU something else took.
bench_server_cpu_sample() {
  local pm p ours pids=()
  pm=$(head -n 1 "$BENCH_PG_SOCK/postmaster.pid" 2>/dev/null || true)
  # shellcheck disable=SC2207
  [ -n "$pm" ] && pids+=("$pm" $(ps -o pid= --ppid "$pm" 2>/dev/null || true))
  for p in ${SERVER_PID:-} ${SERVER_B_PID:-}; do pids+=("$p"); done
  # utime stime cutime cstime are fields 14-17; the command name (field 2) may hold spaces.
  ours=$(for p in "${pids[@]}"; do cat "/proc/$p/stat" 2>/dev/null; done |
    sed 's/^.*) //' | awk '{s += $12 + $13 + $14 + $15} END {print s + 0}')
  awk -v c="cpu$BENCH_SERVER_CPU" -v ours="$ours" '$1 == c {print $2+$3+$4+$5+$6+$7+$8+$9, $2+$3+$4, ours}' /proc/stat
}

# bench_others_pct BEFORE AFTER: the share (%) of the server CPU used by processes other than
# the servers under test and PostgreSQL between two bench_server_cpu_sample.
bench_others_pct() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    total = y[1] - x[1]; others = (y[2] - x[2]) - (y[3] - x[3])
    printf "%.1f", (total > 0 && others > 0) ? 100 * others / total : 0 }'
}

# bench_ours_ms BEFORE AFTER: CPU time (ms) the servers under test and PostgreSQL used between
# two bench_server_cpu_sample.
bench_ours_ms() {
  awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); printf "%d", (y[3] - x[3]) * 1000 / hz }'
}

bench_machine() {
  local model
  model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  printf 'nproc %s, %s' "$(nproc --all)" "${model:-unknown CPU}"
}

# bench_mmm V…: "min / median / max" of numbers (blank when none).
bench_mmm() {
  [ $# -gt 0 ] || { printf 'n/a'; return; }
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
    printf "%s / %s / %s", v[1], m, v[NR] }'
}

# bench_median V…: the median of numbers (blank when none).
bench_median() {
  [ $# -gt 0 ] || return 0
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}

# bench_ratio A B [FORMAT]: A ÷ B (default "%.2f×"), or n/a when either is missing or B is 0.
bench_ratio() {
  awk -v a="$1" -v b="$2" -v f="${3:-%.2f×}" 'BEGIN {
    if (a == "" || b == "" || a !~ /^[0-9.eE+-]+$/ || b !~ /^[0-9.eE+-]+$/ || b + 0 == 0) { printf "n/a"; exit }
    printf f, a / b }'
}

# bench_row CELLS…: prints a markdown table row and appends it to $BENCH_RESULTS.
bench_row() {
  local row="|"
  local c
  for c in "$@"; do row+=" $c |"; done
  mkdir -p "$(dirname "$BENCH_RESULTS")"
  printf '%s\n' "$row" | tee -a "$BENCH_RESULTS"
}

bench_header() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  mkdir -p "$(dirname "$BENCH_RESULTS")"
  printf '\n<!-- %s: %s, %s, load average %s at start -->\n' "$1" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(bench_machine)" "$load" >>"$BENCH_RESULTS"
  if awk -v l="$load" 'BEGIN {exit !(l > 1.0)}'; then
    log "warning: load average $load — something else is running; these numbers will not be meaningful"
  fi
  log "$1 on $(bench_machine); server+PostgreSQL on CPU $BENCH_SERVER_CPU, load on CPU $BENCH_LOAD_CPU; $BENCH_RUNS runs"
}

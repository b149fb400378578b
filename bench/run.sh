#!/usr/bin/env bash
# The API load benchmark of galleryd (make bench). Usage: bench/run.sh [BUILD_DIR]
#
# Starts galleryd and the raw-HTTPS baseline (bench/https_baseline.cc) in a temporary
# directory, creates 1,000 image versions, then drives both with wrk over keep-alive HTTPS:
#   base      https_baseline, a constant body the size of one version's GET response
#   get       GET of one image version
#   list      GET of the list of 1,000 versions (listPageSize 1000: one response, all items)
#   base-list https_baseline, a constant body the size of the list response
#   put       PUT of an image definition (an update, same body every time)
# at 1, 16 and 64 connections, 3 runs of RUN_SECONDS each after a WARMUP_SECONDS warm-up.
# bench/report.py turns the wrk outputs into docs/benchmarks.md and prints it; then
# bench/ingest_bench.py measures image ingest (gallery disk upload) and appends its section, and
# bench/replication_bench.py measures replication to 3 regions and appends its own.
# BENCH_ONLY=replication runs only the replication benchmark and replaces its section in the
# existing docs/benchmarks.md (BENCH_REPL_MIB=256 BENCH_REPL_RUNS=1 makes it a quick check).
# Everything it starts is stopped, and the temporary directory removed, on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
GALLERYD="$BUILD/src/apps/galleryd"
BASELINE="$BUILD/bench/https_baseline"
OUT="${BENCH_OUT:-$ROOT/docs/benchmarks.md}"
CONNECTIONS=(${BENCH_CONNECTIONS:-1 16 64})
RUNS="${BENCH_RUNS:-3}"
RUN_SECONDS="${BENCH_SECONDS:-5}"
WARMUP_SECONDS=1
VERSIONS=1000
# wrk's default 2 s timeout would turn the slow list responses at 64 connections into errors
# with no latency recorded; a request is only counted as timed out after this long.
WRK_TIMEOUT=30s

die() { echo "bench/run.sh: $*" >&2; exit 1; }

case "${BENCH_ONLY:-}" in
  "") ;;
  replication)
    [ -x "$GALLERYD" ] || die "$GALLERYD not found: build first (make build)"
    echo "bench: replication only (2 GiB image, 3 runs: about 10 min)"
    python3 "$ROOT/bench/replication_bench.py" "$BUILD" "$OUT" || die "replication benchmark failed"
    echo "bench: replaced the replication section of $OUT"
    exit 0 ;;
  *) die "BENCH_ONLY=$BENCH_ONLY: the only section that runs alone is replication" ;;
esac

[ -x "$GALLERYD" ] || die "$GALLERYD not found: build first (make build, or cmake -S . -B build -G Ninja && ninja -C build)"
[ -x "$BASELINE" ] || die "$BASELINE not found: build first (the https_baseline target of bench/CMakeLists.txt)"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/gallery-bench.XXXXXX")"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- machine facts, before anything runs ------------------------------------------------------
FACTS="$TMP/facts.env"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]; then
    commit="$commit (working tree has uncommitted changes)"
  fi
  echo "commit=$commit"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "project_version=$(sed -n 's/^project(gallery VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
  echo "galleryd_sha=$(sha256sum "$GALLERYD" | cut -c1-12)"
  echo "galleryd_built=$(date -u -r "$GALLERYD" '+%Y-%m-%d %H:%M UTC')"
  echo "build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)"
  echo "clk_tck=$(getconf CLK_TCK)"
  echo "run_seconds=$RUN_SECONDS"
  echo "warmup_seconds=$WARMUP_SECONDS"
  echo "runs=$RUNS"
  echo "wrk_timeout=$WRK_TIMEOUT"
  echo "versions=$VERSIONS"
} >"$FACTS"

# ---- helpers --------------------------------------------------------------------------------
# wait_listening NAME LOGFILE PID: prints the port once LOGFILE has "... listening on https://H:PORT/".
wait_listening() {
  local name=$1 log=$2 pid=$3 port=""
  for _ in $(seq 300); do
    port="$(sed -n 's|.* listening on https://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)"
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$name exited at start"; }
    sleep 0.1
  done
  cat "$log" >&2
  die "$name did not print its port within 30 s"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in clock ticks
vm_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }  # kB
# wait_idle PID: until the process used no CPU for 0.25 s (at most 10 s), so that no run starts
# while the previous one's work (operations completed by the runner thread, list responses
# still being built for connections wrk already closed) goes on.
wait_idle() {
  local before after
  for _ in $(seq 40); do
    before=$(cpu_ticks "$1"); sleep 0.25; after=$(cpu_ticks "$1")
    [ $((after - before)) -le 1 ] && return 0
  done
}

# ---- galleryd and its data ------------------------------------------------------------------
echo "bench: starting galleryd (listPageSize 1000) in $TMP"
echo '{"limits": {"listPageSize": 1000}}' >"$TMP/galleryd.json"
"$GALLERYD" --data-dir "$TMP/data" --port 0 --config "$TMP/galleryd.json" \
  >"$TMP/galleryd.out" 2>"$TMP/galleryd.err" &
GPID=$!
PIDS+=("$GPID")
GPORT="$(wait_listening galleryd "$TMP/galleryd.out" "$GPID")"
CA="$TMP/data/tls/ca.pem"
SUB="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["subscriptionId"])' "$TMP/data/bootstrap.json")"
G="https://127.0.0.1:$GPORT"
DEF="/subscriptions/$SUB/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d"
GET_URL="$G$DEF/versions/1.0.0?api-version=2022-03-03"
LIST_URL="$G$DEF/versions?api-version=2022-03-03"
PUT_URL="$G$DEF?api-version=2021-10-01"
PUT_BODY='{"location":"southcentralus","properties":{"osType":"Linux","osState":"Generalized","identifier":{"publisher":"p","offer":"o","sku":"s"}}}'

# Every ARM call carries the bootstrap administrator's access token (client credentials grant
# at galleryd's token endpoint; it lives an hour, longer than the whole run). wrk sends the same
# header to the baseline, so both parse requests of the same size.
GALLERY_TOKEN="$(python3 "$ROOT/bench/token.py" "$TMP/data" "$G")" || die "cannot get an access token"
export GALLERY_TOKEN
AUTH="Authorization: Bearer $GALLERY_TOKEN"

echo "bench: creating the resource group, gallery, definition, managed image and $VERSIONS versions"
python3 "$ROOT/bench/setup_data.py" "$G/" "$CA" "$SUB" "$VERSIONS" 8
echo "galleryd_rss_after_setup_kb=$(vm_field "$GPID" VmRSS)" >>"$FACTS"

# What each scenario answers, checked once before measuring.
curl -sS --fail --cacert "$CA" -H "$AUTH" -o "$TMP/get.json" "$GET_URL" || die "GET of version 1.0.0 failed"
curl -sS --fail --cacert "$CA" -H "$AUTH" -o "$TMP/list.json" "$LIST_URL" || die "list of versions failed"
python3 - "$TMP/list.json" "$VERSIONS" <<'EOF' || die "the list response does not carry all versions"
import json, sys
doc = json.load(open(sys.argv[1]))
n, want = len(doc.get("value", [])), int(sys.argv[2])
print(f"bench: the list response carries {n} items (nextLink: {'nextLink' in doc})")
sys.exit(0 if n == want and "nextLink" not in doc else 1)
EOF
put_status="$(curl -sS --cacert "$CA" -H "$AUTH" -o /dev/null -w '%{http_code}' -X PUT \
  -H 'Content-Type: application/json' --data "$PUT_BODY" "$PUT_URL")"
[ "$put_status" = 200 ] || die "PUT of the definition answered $put_status, expected 200"
GET_BYTES=$(stat -c %s "$TMP/get.json")
LIST_BYTES=$(stat -c %s "$TMP/list.json")
{ echo "get_bytes=$GET_BYTES"; echo "list_bytes=$LIST_BYTES"; } >>"$FACTS"

cat >"$TMP/put.lua" <<EOF
wrk.method = "PUT"
wrk.body = '$PUT_BODY'
wrk.headers["Content-Type"] = "application/json"
EOF

# ---- the baselines: the same HttpsServer, a constant body -----------------------------------
start_baseline() {  # start_baseline NAME BODY_BYTES: sets BASE_PID_<NAME>, BASE_PORT_<NAME>
  local name=$1 bytes=$2 pid port
  "$BASELINE" --tls-dir "$TMP/tls-$name" --port 0 --body-bytes "$bytes" \
    >"$TMP/$name.out" 2>"$TMP/$name.err" &
  pid=$!
  PIDS+=("$pid")
  port="$(wait_listening https_baseline "$TMP/$name.out" "$pid")"
  printf -v "BASE_PID_$name" '%s' "$pid"
  printf -v "BASE_PORT_$name" '%s' "$port"
}
start_baseline small "$GET_BYTES"
start_baseline large "$LIST_BYTES"
BASE_URL="https://127.0.0.1:$BASE_PORT_small/baseline"
BASE_LIST_URL="https://127.0.0.1:$BASE_PORT_large/baseline"
curl -sS --fail --cacert "$TMP/tls-small/ca.pem" -o "$TMP/base.json" "$BASE_URL"
[ "$(stat -c %s "$TMP/base.json")" = "$GET_BYTES" ] || die "the baseline body is not $GET_BYTES bytes"

# ---- the runs -------------------------------------------------------------------------------
SCENARIOS=(base get list base-list put)
scenario_url() {
  case $1 in
    base) echo "$BASE_URL" ;; get) echo "$GET_URL" ;; list) echo "$LIST_URL" ;;
    base-list) echo "$BASE_LIST_URL" ;; put) echo "$PUT_URL" ;;
  esac
}
scenario_pid() {
  case $1 in base) echo "$BASE_PID_small" ;; base-list) echo "$BASE_PID_large" ;; *) echo "$GPID" ;; esac
}
# run_wrk SCENARIO CONNECTIONS SECONDS OUTFILE
run_wrk() {
  local threads=$(( $2 < 2 ? $2 : 2 )) script=()
  [ "$1" = put ] && script=(-s "$TMP/put.lua")
  wrk -t "$threads" -c "$2" -d "${3}s" --timeout "$WRK_TIMEOUT" --latency -H "$AUTH" "${script[@]}" \
    "$(scenario_url "$1")" >"$4" 2>&1 || die "wrk failed: $(cat "$4")"
}

# CPU accounting over the whole measurement, to tell how much of the machine other users took:
# machine-wide busy/idle/steal ticks (/proc/stat), the servers' ticks, and this script's
# children's ticks (wrk, curl and the helpers, once waited for).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6, $9}' /proc/stat; }
servers_ticks() { echo $(( $(cpu_ticks "$GPID") + $(cpu_ticks "$BASE_PID_small") + $(cpu_ticks "$BASE_PID_large") )); }
clients_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
read -r busy0 idle0 steal0 < <(machine_ticks)
servers0=$(servers_ticks)
clients0=$(clients_ticks)

mkdir -p "$TMP/raw"
RESULTS="$TMP/runs.tsv"
printf 'scenario\tconnections\trun\tcpu_ticks\tfile\n' >"$RESULTS"
total=$(( ${#CONNECTIONS[@]} * ${#SCENARIOS[@]} * (RUNS * RUN_SECONDS + WARMUP_SECONDS) ))
echo "bench: measuring (${#SCENARIOS[@]} scenarios x ${#CONNECTIONS[@]} connection counts x $RUNS runs of ${RUN_SECONDS} s, about $((total / 60 + 1)) min)"
for c in "${CONNECTIONS[@]}"; do
  for s in "${SCENARIOS[@]}"; do  # warm-up: caches, SQLite pages, allocator; not recorded
    run_wrk "$s" "$c" "$WARMUP_SECONDS" "$TMP/raw/warmup-$s-c$c.txt"
    wait_idle "$(scenario_pid "$s")"
  done
  # Rounds: each run of a scenario sits next to the baseline's, so noise from other users of
  # the machine spreads over galleryd and the baseline alike.
  for r in $(seq "$RUNS"); do
    for s in "${SCENARIOS[@]}"; do
      pid="$(scenario_pid "$s")"
      f="$TMP/raw/$s-c$c-r$r.txt"
      t0=$(cpu_ticks "$pid")
      run_wrk "$s" "$c" "$RUN_SECONDS" "$f"
      t1=$(cpu_ticks "$pid")
      wait_idle "$pid"
      # PUT: the runner thread completes the operations after the answers; count that work too.
      [ "$s" = put ] && t1=$(cpu_ticks "$pid")
      printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$c" "$r" $((t1 - t0)) "$f" >>"$RESULTS"
      printf 'bench [%3ss]: %-9s c=%-3s run %s: %s\n' "$SECONDS" "$s" "$c" "$r" \
        "$(grep -h '^Requests/sec' "$f" | tr -s ' ')"
    done
  done
done

read -r busy1 idle1 steal1 < <(machine_ticks)
{
  echo "measure_busy_ticks=$((busy1 - busy0))"
  echo "measure_idle_ticks=$((idle1 - idle0))"
  echo "measure_steal_ticks=$((steal1 - steal0))"
  echo "measure_servers_ticks=$(( $(servers_ticks) - servers0 ))"
  echo "measure_clients_ticks=$(( $(clients_ticks) - clients0 ))"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "galleryd_hwm_kb=$(vm_field "$GPID" VmHWM)"
  echo "baseline_hwm_kb=$(vm_field "$BASE_PID_small" VmHWM)"
  echo "baseline_list_hwm_kb=$(vm_field "$BASE_PID_large" VmHWM)"
  echo "galleryd_threads=$(vm_field "$GPID" Threads)"
  echo "galleryd_db_kb=$(du -sk "$TMP/data" | cut -f1)"
} >>"$FACTS"

mkdir -p "$(dirname "$OUT")"
python3 "$ROOT/bench/report.py" "$FACTS" "$RESULTS" >"$TMP/report.md"

# ---- image ingest: gallery disk upload vs cp + sync (bench/ingest_bench.py) ------------------
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
echo "bench: image ingest (2 GiB VHDs, about 10 min)"
TMPDIR="$TMP" python3 "$ROOT/bench/ingest_bench.py" "$BUILD" "$TMP/report.md" || die "ingest benchmark failed"
echo "bench: replication (2 GiB image to 3 regions x 2 replicas, about 10 min)"
TMPDIR="$TMP" python3 "$ROOT/bench/replication_bench.py" "$BUILD" "$TMP/report.md" ||
  die "replication benchmark failed"
mv "$TMP/report.md" "$OUT"
echo
cat "$OUT"
echo "bench: wrote $OUT"

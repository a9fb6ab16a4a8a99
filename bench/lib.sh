# bench/lib.sh - shared helpers for the cross-tool benchmarks (sourced, not run).
# Every benchmark runs its servers and clients inside network namespaces it creates (prefix
# "leob"), on their loopback, and deletes them at exit. Only processes it started are stopped.

LEO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_PIDS=()
BENCH_NS=()

bench_log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${BENCH_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${BENCH_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  BENCH_PIDS=(); BENCH_NS=()
}

# bench_ns NAME: a namespace with loopback up and one configured (never used) address, because
# getaddrinfo(AI_ADDRCONFIG), which tftpd-hpa uses, fails in a namespace with only loopback.
bench_ns() {
  local ns=$1
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"; BENCH_NS+=("$ns")
  ip -n "$ns" link set lo up
  ip -n "$ns" link add leob-a type veth peer name leob-b
  ip -n "$ns" addr add 198.51.100.1/32 dev leob-a
  ip -n "$ns" link set leob-a up; ip -n "$ns" link set leob-b up
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_unprivileged_port_start=0
}

# bench_bg NS CMD...: start CMD in NS in the background, remember its PID.
bench_bg() {
  local ns=$1; shift
  ip netns exec "$ns" "$@" >"$BENCH_WORK/$(basename "$1")-$ns.log" 2>&1 &
  BENCH_PIDS+=($!)
  echo $!
}

# bench_wait_udp NS PORT: wait until something listens on UDP PORT in NS.
bench_wait_udp() {
  for _ in $(seq 100); do
    ip netns exec "$1" ss -uln | grep -q ":$2 " && return 0
    sleep 0.1
  done
  bench_log "nothing listens on udp/$2 in $1"; return 1
}

bench_wait_tcp() {
  for _ in $(seq 100); do
    ip netns exec "$1" ss -tln | grep -q ":$2 " && return 0
    sleep 0.1
  done
  bench_log "nothing listens on tcp/$2 in $1"; return 1
}

# bench_time CMD...: print the wall time of CMD in seconds (fails if CMD fails).
bench_time() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || return 1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# bench_median a b c ...: the median of the numbers.
bench_median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench_replace_section FILE NAME CONTENT_FILE: replace the block between
# <!-- NAME:begin --> and <!-- NAME:end --> in FILE (appended when absent).
bench_replace_section() {
  local file=$1 name=$2 content=$3
  touch "$file"
  if grep -q "<!-- $name:begin -->" "$file"; then
    awk -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" -v c="$content" '
      $0==b {print; while ((getline line < c) > 0) print line; skip=1; next}
      $0==e {skip=0}
      !skip {print}' "$file" > "$file.tmp" && mv "$file.tmp" "$file"
  else
    { echo; echo "<!-- $name:begin -->"; cat "$content"; echo "<!-- $name:end -->"; } >> "$file"
  fi
}

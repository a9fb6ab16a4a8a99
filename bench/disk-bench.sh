#!/usr/bin/env bash
# disk-bench.sh - disk fingerprint throughput: the agent's RFC 6962 Merkle tree of SHA-256 leaves
# (DiskFingerprinter, 1 MiB chunks) with 1 and 2 threads, in the agent's own JVM options
# (hpc-agent/jvm.options), with libcrypto's SHA-256 (the agent's default) and with the JDK's under
# C1 (as the agent runs) and C2 (for scale), side by side in one run with
# `openssl speed -evp sha256` (the per-core SHA-256 limit), `sha256sum` and `b3sum` (1 thread and
# default), over one random file in /var/tmp. Nothing drops the page cache: the file is read once
# before timing, so every tool hashes from a warm page cache (this measures hashing, not the disk).
# Also records the agent JVM's peak RSS (VmHWM) in the 1-thread run.
#
# usage: bench/disk-bench.sh            (writes the table into docs/benchmarks.md)
# env:   SIZE_MB=1024   RUNS=3 (tool runs; for the JVM: runs in one JVM, the first is warm-up)
#        CHUNK=1048576
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
SIZE_MB=${SIZE_MB:-1024}; RUNS=${RUNS:-3}; CHUNK=${CHUNK:-1048576}
BENCH_WORK=$(mktemp -d /var/tmp/leo-disk-bench.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT

scripts/install-deps bench
./mvnw -q -B -ntp -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile="$BENCH_WORK/cp.txt" -DincludeScope=runtime
# The agent JVM as it runs on the HPC.
AGENT_OPTS=$(grep -v '^#' hpc-agent/jvm.options | xargs)
BENCH=(java @hpc-agent/jvm.options -cp "bench/target/classes:$(cat "$BENCH_WORK/cp.txt")")

FILE=$BENCH_WORK/disk.img
bench_log "writing $SIZE_MB MiB of random data to $FILE"
head -c $((SIZE_MB << 20)) /dev/urandom > "$FILE"
cat "$FILE" > /dev/null   # page-cache warm for every tool below
BYTES=$(stat -c %s "$FILE")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# gbps SECONDS: decimal GB/s for the file.
gbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN {printf "%.3f", b / s / 1e9}'; }
# tool_gbps CMD...: median GB/s of RUNS timed runs of CMD over the file.
tool_gbps() {
  local times=() t
  for _ in $(seq "$RUNS"); do t=$(bench_time "$@") || { echo FAIL; return; }; times+=("$t"); done
  gbps "$(bench_median "${times[@]}")"
}

RESULTS=$BENCH_WORK/results.tsv
: > "$RESULTS"
# openssl speed reports thousands of bytes per second per block size, single-threaded, in memory.
bench_log "openssl speed -evp sha256"
OPENSSL_K=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^sha256/ {print $NF}' | tr -d k)
OPENSSL=$(awk -v k="$OPENSSL_K" 'BEGIN {printf "%.3f", k * 1000 / 1e9}')
printf 'openssl\t%s\t1\t%s\n' "openssl speed -evp sha256 -bytes 1048576 (in memory)" "$OPENSSL" >> "$RESULTS"
bench_log "sha256sum"
printf 'sha256sum\t%s\t1\t%s\n' "sha256sum" "$(tool_gbps sha256sum "$FILE")" >> "$RESULTS"
bench_log "b3sum"
printf 'b3sum-1\t%s\t1\t%s\n' "b3sum --num-threads 1 (BLAKE3)" "$(tool_gbps b3sum --num-threads 1 "$FILE")" >> "$RESULTS"
printf 'b3sum\t%s\t%s\t%s\n' "b3sum (BLAKE3, default threads)" "$(nproc)" "$(tool_gbps b3sum "$FILE")" >> "$RESULTS"

# leo NAME THREADS LABEL JVM-OPTS...: GB/s of the median of JVM runs 2..RUNS (run 1 warms the JIT up)
# and the JVM's VmHWM.
ROOTS=()
leo() {
  local name=$1 threads=$2 label=$3 out secs med hwm; shift 3
  bench_log "leo fingerprint: $label, $threads thread(s)"
  out=$("${BENCH[@]}" "$@" org.leo.bench.disk.DiskHashBench "$FILE" "$threads" "$RUNS" "$CHUNK")
  secs=$(awk '/^run / && $2 > 1 {print $3}' <<<"$out")
  # shellcheck disable=SC2086
  med=$(bench_median $secs)
  ROOTS+=("$(awk '/^root / {print $2}' <<<"$out")")
  hwm=$(awk '/^vmhwm_kib / {printf "%.1f", $2 / 1024}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "Leo DiskFingerprinter ($label; SHA-256 Merkle, $((CHUNK >> 10)) KiB chunks)" \
    "$threads" "$(gbps "$med")" "$hwm" >> "$RESULTS"
}
leo leo-1 1 "libcrypto, the agent's default"
leo leo-2 2 "libcrypto, the agent's default"
leo leo-jdk-c1 1 "JDK SHA-256 under C1, as the agent's JVM runs" -Dleo.agent.sha256=jdk
leo leo-jdk-c2 1 "JDK SHA-256 under C2, for scale" -Dleo.agent.sha256=jdk -XX:TieredStopAtLevel=4 -XX:CICompilerCount=2
for r in "${ROOTS[@]}"; do
  [ "$r" = "${ROOTS[0]}" ] || { bench_log "the Merkle roots differ: ${ROOTS[*]}"; exit 1; }
done
RSS_1=$(awk -F'\t' '$1=="leo-1" {print $5}' "$RESULTS")
SHA_FLAGS=$(java -XX:+UnlockDiagnosticVMOptions -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 ~ /^Use(SHA|SHA256Intrinsics)$/ {printf "%s%s=%s", sep, $2, $4; sep=", "}')

# ---- render ---------------------------------------------------------------------------------
TABLE=$BENCH_WORK/table.md
{
  echo "## Disk fingerprint throughput"
  echo
  echo "Command: \`bench/disk-bench.sh\` (${SIZE_MB} MiB random file in /var/tmp, page-cache warm: read once before"
  echo "timing, nothing dropped; RUNS=$RUNS, median; the JVM makes $RUNS runs in one process and the first is JIT warm-up),"
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)$(grep -qw sha_ni /proc/cpuinfo && echo ', SHA extensions')),"
  echo "load average at start $LOAD; $(openssl version | cut -d' ' -f1-2), $(b3sum --version), $(java -version 2>&1 | head -1)."
  echo
  echo "| tool | threads | GB/s | vs openssl |"
  echo "|---|---|---|---|"
  awk -F'\t' -v o="$OPENSSL" '{printf "| %s | %s | %.2f | %.2fx |\n", $2, $3, $4, $4 / o}' "$RESULTS"
  echo
  echo "GB = 10^9 bytes. \`openssl speed\` hashes one buffer in memory (no read), so it is the per-core"
  echo "SHA-256 ceiling; the other rows read the file through the page cache. b3sum is BLAKE3, a different"
  echo "hash, listed for scale. The Merkle roots of every Leo row are equal (checked by the script)."
  awk -F'\t' '$1=="leo-1" {a=$4} $1=="leo-2" {b=$4} END {
    printf "2 threads (disjoint chunk ranges) hash %.1fx as fast as 1. The 1-thread fingerprint pays for the read\n", b / a
    print "(a copy from the page cache into its buffer) that `openssl speed` does not." }' "$RESULTS"
  echo
  echo "Agent JVM (\`hpc-agent/jvm.options\`: $AGENT_OPTS): peak RSS (VmHWM) of the 1-thread fingerprint"
  echo "process $RSS_1 MiB. HotSpot SHA flags: $SHA_FLAGS (C2 only: C1 does not use the intrinsic)."
} > "$TABLE"
cat "$TABLE"
bench_replace_section docs/benchmarks.md disk-fingerprint "$TABLE"

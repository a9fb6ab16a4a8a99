#!/usr/bin/env bash
# attest-bench.sh - attestation server capacity: how many agents one server holds on this machine
# with p99 challenge-to-verdict under 100 ms, each agent challenged once per second on average.
#
# The server (the real AttestationNode: mutual TLS, signature checks, appraisal, durable hash-chained
# log) runs in one JVM, N real agents (each its own key, enrollment and stream from its own
# 127.0.a.b source address) in another, on loopback. After a warm-up the server measures, for a
# window, the time from sending each challenge to its verdict; CPU is read from /proc for both JVMs.
#
# usage: bench/attest-bench.sh            (writes its table into docs/benchmarks.md)
# env:   AGENTS="100 250 500 1000"  MEAN=1 (seconds between challenges per agent)  WARMUP=40  WINDOW=30
#        SERVER_HEAP=512m
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
AGENTS=${AGENTS:-"100 250 500 1000"}; MEAN=${MEAN:-1}; WARMUP=${WARMUP:-40}; WINDOW=${WINDOW:-30}; SERVER_HEAP=${SERVER_HEAP:-512m}
BENCH_WORK=$(mktemp -d /var/tmp/leo-attest-bench.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT

./mvnw -q -B -ntp -pl bench -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$BENCH_WORK/cp.txt" >/dev/null
CP="bench/target/classes:$(cat "$BENCH_WORK/cp.txt")"
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ROWS=$BENCH_WORK/rows.md
: > "$ROWS"
for n in $AGENTS; do
  d=$BENCH_WORK/n$n; mkdir -p "$d"
  ep=$(free_port); ap=$(free_port)
  bench_log "N=$n: starting the server"
  coproc SRV { exec java -Xmx$SERVER_HEAP -cp "$CP" org.leo.bench.attest.AttestBenchServer "$d/data" "$d/boot.db" "$ep" "$ap" "$MEAN" 2>"$d/server.err"; }
  spid=$SRV_PID; BENCH_PIDS+=("$spid")
  read -r ready ca <&"${SRV[0]}"
  [ "$ready" = READY ] || { bench_log "server did not start: $(tail -3 "$d/server.err")"; exit 1; }
  # One JVM signs for all simulated agents: BouncyCastle, so their signing leaves the cores to the server
  # (each real agent signs its own few answers with the JDK, ~2 ms each).
  java -Xmx2g -Xss512k -Dleo.evidence.signer=bc -cp "$CP" org.leo.bench.attest.AttestBenchAgents "$n" "$d/boot.db" "$ep" "$ap" "$ca" >"$d/agents.out" 2>"$d/agents.err" &
  apid=$!; BENCH_PIDS+=("$apid")
  for _ in $(seq 600); do grep -q STARTED "$d/agents.out" 2>/dev/null && break; sleep 0.1; done
  bench_log "N=$n: $n agents started; warm-up ${WARMUP}s"
  sleep "$WARMUP"
  echo RESET >&"${SRV[1]}"; read -r _ <&"${SRV[0]}"
  s0=$(cpu_ticks "$spid"); a0=$(cpu_ticks "$apid"); t0=$(date +%s.%N)
  sleep "$WINDOW"
  echo REPORT >&"${SRV[1]}"; read -r report <&"${SRV[0]}"
  s1=$(cpu_ticks "$spid"); a1=$(cpu_ticks "$apid"); t1=$(date +%s.%N)
  rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$spid/status")
  bench_log "N=$n: $report"
  eval "$(echo "$report" | sed 's/^REPORT //; s/ /;/g')"
  el=$(echo "$t1 - $t0" | bc -l)
  scpu=$(echo "($s1 - $s0) / $TCK / $el * 100" | bc -l); acpu=$(echo "($a1 - $a0) / $TCK / $el * 100" | bc -l)
  rate=$(echo "$answered / $seconds" | bc -l)
  printf '| %d | %.0f | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %d | %s |\n' "$n" "$rate" "$p50_ms" "$p99_ms" "$max_ms" "$scpu" "$acpu" "$rss" "$findings" >> "$ROWS"
  kill "$apid" 2>/dev/null || true; wait "$apid" 2>/dev/null || true
  exec {SRV[1]}>&-; wait "$spid" 2>/dev/null || true
  bench_cleanup
done

OUT=$BENCH_WORK/section.md
{
  echo "Command: \`bench/attest-bench.sh\` (MEAN=${MEAN} s between challenges per agent, exponential; WARMUP=${WARMUP} s, WINDOW=${WINDOW} s; server -Xmx$SERVER_HEAP; the simulated agents sign with BouncyCastle, -Dleo.evidence.signer=bc), $(date +%F), $(nproc) cores shared by the server and the agents; $(java -version 2>&1 | head -1)."
  echo
  echo "Each agent is the real agent (own key, enrollment, mutual TLS stream); each answer is signature-checked, appraised against its baseline and"
  echo "written to the durable hash-chained log. Latency is from sending a challenge to its verdict, on the server. CPU is % of one core."
  echo
  echo "| agents | answers/s | p50 ms | p99 ms | max ms | server CPU | agents CPU | server peak RSS MiB | findings |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cat "$ROWS"
} > "$OUT"
bench_replace_section docs/benchmarks.md attest-capacity "$OUT"
cat "$OUT"

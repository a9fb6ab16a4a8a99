#!/usr/bin/env bash
# detection-latency.sh - the time from tampering with an HPC to the finding that reports it, for the
# tamper catalogue (disk write, USB and PCI hot-plug, new process, new listening socket, kernel
# command line, agent silence, reconnect storm), against the mean challenge interval.
#
# One JVM runs the real attestation server (AttestationNode: TLS, appraisal, durable hash-chained
# log, actions with a power control that only records) and the real agent (Agent, HostEvidence)
# reading the agent tests' crafted /proc, /sys, /dev and root tree (CraftedHost), on loopback; the
# agent's stream passes a TCP relay that can cut it. Each case is tampered with RUNS times at a
# random moment and undone after its finding (a silent agent: a fresh boot). Once with the policy's
# default check probabilities, once with every check kind in every challenge.
#
# usage: bench/detection-latency.sh      (writes its table into docs/benchmarks.md)
# env:   RUNS=10  MEAN=2  MIN=0.2  MAX=10  DEADLINE=1  SILENCE=1  DISK_MIB=64  CHUNK_KIB=1024  SPOT=4
#        PROFILES=default,every-challenge
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
RUNS=${RUNS:-10}; MEAN=${MEAN:-2}; MIN=${MIN:-0.2}; MAX=${MAX:-10}; DEADLINE=${DEADLINE:-1}; SILENCE=${SILENCE:-1}
DISK_MIB=${DISK_MIB:-64}; CHUNK_KIB=${CHUNK_KIB:-1024}; SPOT=${SPOT:-4}; PROFILES=${PROFILES:-default,every-challenge}
BENCH_WORK=$(mktemp -d /var/tmp/leo-detection-latency.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT

./mvnw -q -B -ntp -pl bench -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$BENCH_WORK/cp.txt" >/dev/null
CP="$LEO_ROOT/bench/target/classes:$(cat "$BENCH_WORK/cp.txt")"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
bench_log "RUNS=$RUNS MEAN=$MEAN s; profiles $PROFILES"
# From bench/: CraftedHost finds the crafted tree at ../hpc-agent/src/test/resources/collect/host.
(cd bench && java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=error -Druns="$RUNS" -Dmean="$MEAN" -Dmin="$MIN" -Dmax="$MAX" \
    -Ddeadline="$DEADLINE" -Dsilence="$SILENCE" -Ddisk.mib="$DISK_MIB" -Dchunk.kib="$CHUNK_KIB" -Dspot="$SPOT" -Dprofiles="$PROFILES" \
    -cp "$CP" org.leo.bench.attest.DetectionLatency "$BENCH_WORK/run") > "$BENCH_WORK/table.md" 2> >(tee "$BENCH_WORK/run.err" >&2)
load1=$(cut -d' ' -f1-3 /proc/loadavg)

OUT=$BENCH_WORK/section.md
{
  echo "## Detection latency"
  echo
  echo "Command: \`bench/detection-latency.sh\` (RUNS=$RUNS per case; challenge mean $MEAN s, min $MIN s, max $MAX s; deadline $DEADLINE s;"
  echo "contain.silence-seconds $SILENCE; scratch disk /dev/vdb of $DISK_MIB MiB in $CHUNK_KIB KiB chunks, $SPOT spot chunks per spot check, with the Pi's"
  echo "reference copy), $(date +%F), $(nproc) cores shared with other work (load average $load0 at the start, $load1 at the end); $(java -version 2>&1 | head -1)."
  echo
  echo "The real server and the real agent in one JVM over TLS on loopback; the agent's collectors read a crafted host tree"
  echo "(CraftedHost) that the benchmark tampers with. Latency: from the tampering (the file write or rename done) to the verdict"
  echo "carrying the finding, after the server logged it durably and ran its actions. Expected mean: computed from the policy"
  echo "(see below). Ratios are to the policy's mean challenge interval."
  echo
  cat "$BENCH_WORK/table.md"
} > "$OUT"
bench_replace_section docs/benchmarks.md detection-latency "$OUT"
cat "$OUT"

#!/usr/bin/env bash
# round-latency.sh - consensus round latency (issue 12): lab fleets of 7, 31 and 100 consensus nodes in one
# JVM, each node its own gRPC server with mutual TLS on loopback, around one HPC (the attestation server
# with a real agent over a crafted host, swtpm as the HPC's Pi's TPM), rounds one after another from the
# members' draws to the certificate on the ledger: latency, members drawn, Fleet messages and bytes, where
# the time goes; once more with an 80 MiB HPC root file system; then 31 members on the EVM ledger on anvil
# (automine, then a block a second). RoundLatencyBench in consensus-service's test sources, run from the
# test class path (it reuses the fleet tests' LabFleet); rewrites the "round-latency" section of
# docs/benchmarks.md.
#
# usage: bench/round-latency.sh
# env:   ROUNDS=20 WARMUP=3 SIZES=7,31,100 ROOTFS_MIB=80 (0: skip) EVM_ROUNDS=10 BLOCK_SECONDS=1 (0: skip anvil)
#        MVN_FLAGS (e.g. -o)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
ROUNDS=${ROUNDS:-20}; WARMUP=${WARMUP:-3}; SIZES=${SIZES:-7,31,100}; ROOTFS_MIB=${ROOTFS_MIB:-80}
EVM_ROUNDS=${EVM_ROUNDS:-10}; BLOCK_SECONDS=${BLOCK_SECONDS:-1}
BENCH_WORK=$(mktemp -d /var/tmp/leo-round-latency.XXXXXX)
JAVA_PID=

# stop_run: the benchmark JVM if it still runs, and its children (swtpm, anvil), by PID.
stop_run() {
  if [ -n "$JAVA_PID" ] && kill -0 "$JAVA_PID" 2>/dev/null; then
    # shellcheck disable=SC2207
    BENCH_PIDS+=($(pgrep -P "$JAVA_PID" || true) "$JAVA_PID")
    bench_cleanup
  fi
}
trap 'stop_run; rm -rf "$BENCH_WORK"' EXIT

command -v swtpm >/dev/null || { bench_log "swtpm is needed (the HPC's Pi's TPM): scripts/install-deps test"; exit 1; }
bench_log "building consensus-service and its test classes"
./mvnw -q -B -ntp ${MVN_FLAGS:-} -pl consensus-service -am -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$BENCH_WORK/cp.txt" >"$BENCH_WORK/build.log" 2>&1 || { cat "$BENCH_WORK/build.log"; exit 1; }
CP="$LEO_ROOT/consensus-service/target/test-classes:$LEO_ROOT/consensus-service/target/classes:$(cat "$BENCH_WORK/cp.txt")"
ANVIL=$(ls consensus-service/node_modules/@foundry-rs/anvil-linux-*/bin/anvil 2>/dev/null | head -1 || true)

load0=$(cut -d' ' -f1-3 /proc/loadavg)
bench_log "SIZES=$SIZES ROUNDS=$ROUNDS WARMUP=$WARMUP ROOTFS_MIB=$ROOTFS_MIB EVM_ROUNDS=$EVM_ROUNDS BLOCK_SECONDS=$BLOCK_SECONDS"
# From consensus-service/: CraftedHost finds the crafted tree at ../hpc-agent/src/test/resources/collect/host.
cd consensus-service
java -Dleo.evm.nodeModules=node_modules -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dsizes="$SIZES" -Drounds="$ROUNDS" \
    -Dwarmup="$WARMUP" -Drootfs.mib="$ROOTFS_MIB" -Devm.rounds="$EVM_ROUNDS" -Devm.blockSeconds="$BLOCK_SECONDS" \
    -cp "$CP" org.leo.consensus.fleet.RoundLatencyBench > "$BENCH_WORK/table.md" 2> >(tee "$BENCH_WORK/run.err" >&2) &
JAVA_PID=$!
cd "$LEO_ROOT"
wait "$JAVA_PID" || { bench_log "the benchmark failed"; exit 1; }
JAVA_PID=
load1=$(cut -d' ' -f1-3 /proc/loadavg)

OUT=$BENCH_WORK/section.md
{
  echo "## Consensus round latency"
  echo
  echo "Command: \`bench/round-latency.sh\` (SIZES=$SIZES, ROUNDS=$ROUNDS measured after WARMUP=$WARMUP per fleet; ROOTFS_MIB=$ROOTFS_MIB;" \
       "EVM_ROUNDS=$EVM_ROUNDS, BLOCK_SECONDS=$BLOCK_SECONDS), $(date +%F)."
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); $(java -version 2>&1 | head -1);" \
       "$(swtpm --version 2>&1 | head -1)${ANVIL:+; $("$ANVIL" --version | head -1) (npm @foundry-rs/anvil)};" \
       "load average $load0 at the start, $load1 at the end (the cores are shared with other builds)."
  echo
  echo "Set-up (RoundLatencyBench, consensus-service test sources, over the fleet tests' LabFleet): every fleet runs in this one JVM," \
       "each member a ConsensusNode with its own gRPC server and client channels, mutual TLS over its Ed25519 member certificate, on" \
       "loopback. The issue allows the members beyond 7 real processes to share JVMs; here all of them share one, so all members, the" \
       "HPC's Pi and the HPC's agent share these cores. Node 0 is the HPC's Pi: the attestation server (TestAppliance: CA, durable" \
       "hash-chained log, engine, TLS ports) with the real agent in the same JVM reading a crafted host tree (CraftedHost), the relay" \
       "over EvidenceRelay with swtpm as the Pi's TPM. Every member has the starting credit (10); tau is the default expected" \
       "committee, 63 (below every fleet's total credit). The HPC's own schedule is the shipped policy's (a challenge every 30 s on" \
       "average). Each round number is one whose draw reaches the TRUSTED threshold (43 votes; known from the keys before the round;" \
       "with 31 and 100 members about 1 draw in 200 does not), every node takes part at once, and the HPC's Pi closes the round" \
       "(closeRound) as soon as every selected member's verdict is counted; every answer must pass every check and the certificate" \
       "must be TRUSTED, or the run stops. Fleet messages and bytes are counted at the HPC's Pi's Fleet port" \
       "(consensus.fleet.messages and consensus.fleet.bytes, the serialized protobuf sizes; HTTP/2 framing and TLS come on top): every" \
       "message of a round goes to or comes from it. Each selected member also costs one Challenge and one Evidence on the agent's" \
       "stream, not counted here (the evidence is inside the Challenge answer)."
  echo
  cat "$BENCH_WORK/table.md"
} > "$OUT"
bench_replace_section docs/benchmarks.md round-latency "$OUT"
cat "$OUT"

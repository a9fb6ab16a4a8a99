#!/usr/bin/env bash
# evm-gas.sh - gas per record kind of the EVM ledger (consensus-service, LeoLedger.sol): a private
# anvil from consensus-service/node_modules (the build's npm ci), a fresh contract, every record kind
# once and certificates of 1, 5, 43 and 63 verdicts (EvmGasReport). The records are deterministic, so
# the figures only change with the contract, the compiler or anvil.
#
# usage: bench/evm-gas.sh             (writes its table into docs/benchmarks.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
BENCH_WORK=$(mktemp -d /var/tmp/leo-evm-gas.XXXXXX)
trap 'rm -rf "$BENCH_WORK"' EXIT
./mvnw -q -B -ntp -pl consensus-service -am -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$BENCH_WORK/cp.txt" >/dev/null
[ -f consensus-service/target/classes/org/leo/consensus/ledger/LeoLedger.bin ] \
  || { bench_log "LeoLedger.sol was not compiled: node and npm are needed (scripts/install-deps test)"; exit 1; }
CP="consensus-service/target/test-classes:consensus-service/target/classes:$(cat "$BENCH_WORK/cp.txt")"
OUT=$BENCH_WORK/section.md
{
  echo "## EVM ledger: gas per record kind"
  echo
  java -Dleo.evm.nodeModules=consensus-service/node_modules -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
      org.leo.consensus.ledger.EvmGasReport
} > "$OUT"
bench_replace_section docs/benchmarks.md evm-gas "$OUT"
cat "$OUT"

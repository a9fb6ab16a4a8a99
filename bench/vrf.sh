#!/usr/bin/env bash
# vrf.sh - ECVRF-EDWARDS25519-SHA512-TAI prove and verify throughput (JMH, one thread:
# bench/src/main/java/org/leo/bench/vrf/VrfBench.java) against `openssl speed ed25519` in the same
# run, on the same machine; rewrites the "vrf-vs-ed25519" section of docs/benchmarks.md.
# openssl runs before and after JMH and the ratio uses the mean of the two, so drift from other
# work on the machine shows as a difference between them.
#
# usage: bench/vrf.sh     env: OPENSSL_SECONDS=5, JMH_ARGS (extra JMH options), MVN_FLAGS (e.g. -o)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
OPENSSL_SECONDS=${OPENSSL_SECONDS:-5}
GOAL=2.5
BENCH_WORK=$(mktemp -d /var/tmp/leo-vrf-bench.XXXXXX)
trap 'rm -rf "$BENCH_WORK"' EXIT

bench_log "building bench and its modules (package, no tests)"
# dependency:build-classpath in the same reactor resolves consensus-service to this tree's jar.
./mvnw -q -B -ntp ${MVN_FLAGS:-} -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile="$BENCH_WORK/cp.txt" >"$BENCH_WORK/build.log" 2>&1 \
  || { cat "$BENCH_WORK/build.log"; exit 1; }
CP="bench/target/classes:$(cat "$BENCH_WORK/cp.txt")"

# openssl_speed: "sign/s verify/s" from the Ed25519 row of openssl speed.
openssl_speed() {
  openssl speed -seconds "$OPENSSL_SECONDS" ed25519 2>/dev/null | awk '/\(Ed25519\)/ {print $(NF-1), $NF}'
}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_log "openssl speed -seconds $OPENSSL_SECONDS ed25519 (1/2)"
read -r OSSL_SIGN1 OSSL_VERIFY1 < <(openssl_speed)
bench_log "JMH VrfBench"
# shellcheck disable=SC2086
java -cp "$CP" org.openjdk.jmh.Main 'org.leo.bench.vrf.VrfBench' -rf csv -rff "$BENCH_WORK/jmh.csv" ${JMH_ARGS:-} \
  >"$BENCH_WORK/jmh.log" 2>&1 || { tail -50 "$BENCH_WORK/jmh.log"; exit 1; }
bench_log "openssl speed -seconds $OPENSSL_SECONDS ed25519 (2/2)"
read -r OSSL_SIGN2 OSSL_VERIFY2 < <(openssl_speed)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# jmh SCORE|ERROR NAME: a column of the JMH CSV row of VrfBench.NAME.
jmh() {
  awk -F, -v n="\"org.leo.bench.vrf.VrfBench.$2\"" -v col="$1" \
    '$1==n {gsub(/"/, "", $5); gsub(/"/, "", $6); print (col=="SCORE") ? $5 : $6}' "$BENCH_WORK/jmh.csv"
}
PROVE=$(jmh SCORE prove); PROVE_ERR=$(jmh ERROR prove)
VERIFY=$(jmh SCORE verify); VERIFY_ERR=$(jmh ERROR verify)
BC=$(jmh SCORE bouncyCastleEd25519Verify); BC_ERR=$(jmh ERROR bouncyCastleEd25519Verify)
OSSL_SIGN=$(echo "($OSSL_SIGN1 + $OSSL_SIGN2) / 2" | bc -l)
OSSL_VERIFY=$(echo "($OSSL_VERIFY1 + $OSSL_VERIFY2) / 2" | bc -l)
RATIO=$(echo "$OSSL_VERIFY / $VERIFY" | bc -l)
us() { printf '%.1f' "$(echo "1000000 / $1" | bc -l)"; }
ops() { printf '%.0f' "$1"; }
if (( $(echo "$RATIO <= $GOAL" | bc -l) )); then
  VERDICT="met"
else
  VERDICT="NOT met ($(printf '%.0f' "$(echo "($RATIO / $GOAL - 1) * 100" | bc -l)")% over)"
fi

SECTION=$BENCH_WORK/section.md
{
  echo "Command: \`bench/vrf.sh\` (JMH 1.37: 1 fork, 3 x 2 s warm-up, 5 x 2 s measured, one thread; then" \
       "\`openssl speed -seconds $OPENSSL_SECONDS ed25519\` before and after), $(date -u +%Y-%m-%d)."
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
       "$(java -version 2>&1 | head -1); $(openssl version | cut -d' ' -f1-2);" \
       "load average $LOAD_START at the start, $LOAD_END at the end (the cores are shared with other builds)."
  echo
  echo "| operation | ops/s | us/op |"
  echo "|---|---|---|"
  echo "| ECVRF prove (leo, Java, constant time in the secret) | $(ops "$PROVE") ± $(ops "$PROVE_ERR") | $(us "$PROVE") |"
  echo "| ECVRF verify (leo, Java) | $(ops "$VERIFY") ± $(ops "$VERIFY_ERR") | $(us "$VERIFY") |"
  echo "| Ed25519 verify, BouncyCastle 1.86, same JVM | $(ops "$BC") ± $(ops "$BC_ERR") | $(us "$BC") |"
  echo "| Ed25519 sign, openssl (runs: $(ops "$OSSL_SIGN1"), $(ops "$OSSL_SIGN2")) | $(ops "$OSSL_SIGN") | $(us "$OSSL_SIGN") |"
  echo "| Ed25519 verify, openssl (runs: $(ops "$OSSL_VERIFY1"), $(ops "$OSSL_VERIFY2")) | $(ops "$OSSL_VERIFY") | $(us "$OSSL_VERIFY") |"
  echo
  echo "± is JMH's 99.9% confidence interval. **verify-time(ECVRF, leo) / verify-time(Ed25519, openssl) =" \
       "$(printf '%.2f' "$RATIO")**: the goal of at most ${GOAL}x is $VERDICT. Against BouncyCastle's Ed25519 verify in" \
       "the same JVM: $(printf '%.2f' "$(echo "$BC / $VERIFY" | bc -l)")x."
} > "$SECTION"
bench_replace_section docs/benchmarks.md vrf-vs-ed25519 "$SECTION"
cat "$SECTION"

#!/usr/bin/env bash
# compile-contract.sh OUT_DIR - the EVM ledger's build step (run by Maven in generate-resources):
# installs the pinned npm packages of package-lock.json (solc, and anvil for the tests) when they are
# missing or the lock changed, then compiles src/main/solidity/LeoLedger.sol into OUT_DIR.
#
# Without node and npm (Debian packages nodejs npm; scripts/install-deps test) it warns and compiles
# nothing: the Java code builds, and the tests that need the contract skip themselves. Set
# LEO_REQUIRE_EVM=1 to make that an error instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  msg="node and npm are not installed (Debian: apt-get install nodejs npm): LeoLedger.sol is not compiled and the EVM ledger tests will skip"
  [ "${LEO_REQUIRE_EVM:-0}" = 1 ] && { echo "[ERROR] $msg" >&2; exit 1; }
  echo "[WARNING] $msg" >&2
  exit 0
fi
# npm ci removes node_modules and downloads everything again: only when the lock differs from the
# one installed last (the stamp), so an offline rebuild works once the packages are there.
stamp=node_modules/.leo-package-lock.json
if ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
if [ -f "$out/LeoLedger.bin" ] && [ "$out/LeoLedger.bin" -nt src/main/solidity/LeoLedger.sol ] \
    && [ "$out/LeoLedger.bin" -nt src/build/compile-contract.js ] && [ "$out/LeoLedger.bin" -nt "$stamp" ]; then
  exit 0
fi
node src/build/compile-contract.js "$out"

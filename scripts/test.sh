#!/usr/bin/env bash
# The whole test suite: toolchain, lint + format check, types, then every jest tier
# (unit, emulator, registry against a real registry server, e2e on the real Pulumi engine).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/toolchain.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

echo "[test] lint and format (biome)"
biome ci .
echo "[test] types (tsc)"
tsc -p tsconfig.json --noEmit
echo "[test] build (tsc)"
tsc -p tsconfig.build.json
echo "[test] jest: unit, emulator, registry, e2e"
report="$(mktemp)"
status=0
jest --ci --maxWorkers=2 --json --outputFile="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report"
rm -f "$report"
exit "$status"

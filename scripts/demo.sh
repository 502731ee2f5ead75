#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, installs what it needs (node_modules with Node 24, the
# Pulumi CLI), then runs scripts/demo.js: emulator → pulumi up → guest view → pulumi up again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -x node_modules/.bin/node ]; then
  echo "[demo] installing dependencies (npm ci)"
  npm ci --no-audit --no-fund >/dev/null
fi
if [ ! -f dist/emulator/index.js ]; then
  echo "[demo] building the package (npm run build)"
  npm run --silent build
fi
CVM_SECRETS_SKIP_APT="${CVM_SECRETS_SKIP_APT:-1}" CVM_SECRETS_SKIP_SDKGEN="${CVM_SECRETS_SKIP_SDKGEN:-1}" bash scripts/toolchain.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
exec node scripts/demo.js "$@"

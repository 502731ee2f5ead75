#!/usr/bin/env bash
# Packs the npm package as it will be published: `npm pack` of the built tree (dist/ must be
# built: `npm test` builds it first) into DEST (default dist/release). Prints the tarball's path.
# No lifecycle scripts run: the tarball holds exactly the dist/ the tests ran against.
#
#   scripts/release/npm-pack.sh [DEST]
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEST="$(mkdir -p "${1:-$ROOT/dist/release}" && cd "${1:-$ROOT/dist/release}" && pwd)"
[ -f "$ROOT/dist/provider/index.js" ] || die "dist/ is not built: run 'npm run build' first"
out="$(cd "$ROOT" && npm pack --json --ignore-scripts --pack-destination "$DEST")"
file="$(node -e 'const s=process.argv[1]; console.log(JSON.parse(s.slice(s.indexOf("[")))[0].filename)' "$out")"
[ -f "$DEST/$file" ] || die "npm pack did not write $DEST/$file"
say "packed $file ($VERSION)"
echo "$DEST/$file"

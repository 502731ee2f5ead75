#!/usr/bin/env bash
# Packs the npm package as it was at a git revision of this repository: the tracked files of
# REV (`git archive`) in a scratch directory, built there with that revision's
# tsconfig.build.json against this checkout's node_modules (linked, not installed: the build
# needs only the compiler and the dependencies' types), then `npm pack` with that revision's
# package.json "files". Used to make test/fixtures/pulumi-cvm-secrets-<rev>.tgz, the package
# an older release's state was written with (test/e2e/state-compat.test.ts).
#
# Usage: scripts/pack-revision.sh REV OUT.tgz
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
say() { printf '[pack-revision] %s\n' "$*" >&2; }
die() { printf '[pack-revision] error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: scripts/pack-revision.sh REV OUT.tgz"
REV="$1"
OUT="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
[ -d "$ROOT/node_modules" ] || die "node_modules is missing: run 'npm ci' first"
git -C "$ROOT" rev-parse --verify --quiet "$REV^{commit}" >/dev/null || die "no such revision: $REV"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "git archive $REV"
git -C "$ROOT" archive --format=tar "$REV" | tar -x -C "$work"
ln -s "$ROOT/node_modules" "$work/node_modules"

say "build (its tsconfig.build.json)"
(cd "$work" && tsc -p tsconfig.build.json)

say "npm pack"
# --ignore-scripts: `prepare` would build again and link the package into node_modules, which
# is this checkout's.
name="$(cd "$work" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -1)"
mv "$work/$name" "$OUT"
printf '%s\n' "$OUT"

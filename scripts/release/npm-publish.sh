#!/usr/bin/env bash
# Publishes a packed tarball (scripts/release/npm-pack.sh) to the npm registry npm is configured
# with (`registry` in npm's configuration: .npmrc, or npm_config_registry), with provenance: npm
# then records, signed through the CI's OpenID Connect token, which workflow run and commit built
# it (docs.npmjs.com, "Generating provenance statements"; the workflow needs `id-token: write`).
# Provenance can only be made on a supported CI; `--no-provenance` leaves it out, e.g. for the
# rehearsal against a local registry (test/e2e/npm-publish.test.ts). The token comes from npm's
# configuration too (NODE_AUTH_TOKEN through the .npmrc actions/setup-node writes).
#
#   scripts/release/npm-publish.sh [--no-provenance] TARBALL
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

provenance=(--provenance)
if [ "${1:-}" = "--no-provenance" ]; then
  provenance=()
  shift
fi
[ $# -eq 1 ] || die "usage: npm-publish.sh [--no-provenance] TARBALL"
tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -f "$tarball" ] || die "no tarball at $1"
# The tarball's own manifest must be this version: a stale pack is not published.
packed="$(tar -xOzf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).version')"
[ "$packed" = "$VERSION" ] || die "$(basename "$tarball") holds version $packed, package.json says $VERSION"
# From a scratch directory: npm must not read the repository's package.json or run its scripts.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm publish "$tarball" --access public --ignore-scripts "${provenance[@]}")
say "published pulumi-cvm-secrets@$VERSION to $(cd "$scratch" && npm config get registry)"

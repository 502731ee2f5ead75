#!/usr/bin/env bash
# Installs verdaccio, a local npm registry, for the npm publish rehearsal
# (test/e2e/npm-publish.test.ts, test/unit/release-scripts.test.ts): `npm publish` of the packed
# package to a registry on 127.0.0.1, then the README's install line against it.
#
# Not a devDependency: its tree is large and would slow every `npm ci`. It is installed on
# demand, once, into the cache scripts/toolchain.sh uses, keyed by its pinned version:
#   <cache>/verdaccio-<version>/node_modules/verdaccio
# (one install at a time, whichever clone asks). Prints that package directory on stdout.
#
# Environment:
#   CVM_SECRETS_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets)
set -euo pipefail

VERDACCIO_VERSION="6.10.4"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
CACHE="${CVM_SECRETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets}"
DIR="$CACHE/verdaccio-$VERDACCIO_VERSION"
PKG="$DIR/node_modules/verdaccio"
say() { printf '[verdaccio] %s\n' "$*" >&2; }

installed() { [ -f "$PKG/package.json" ] && [ -f "$DIR/.complete" ]; }

if ! installed; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.install-verdaccio.lock"
  flock 9
  if ! installed; then
    start=$SECONDS
    say "installing verdaccio $VERDACCIO_VERSION (first run only)"
    rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
    echo '{"name":"verdaccio-install","private":true}' >"$DIR.tmp/package.json"
    # --ignore-scripts: nothing in its tree needs an install script to serve packages.
    npm install --prefix "$DIR.tmp" --no-audit --no-fund --no-save --ignore-scripts \
      --loglevel=error "verdaccio@$VERDACCIO_VERSION" >&2
    touch "$DIR.tmp/.complete"
    rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
    say "installed verdaccio $VERDACCIO_VERSION in $((SECONDS - start)) s"
  fi
  flock -u 9
fi
echo "$PKG"

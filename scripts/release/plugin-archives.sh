#!/usr/bin/env bash
# Builds the provider plugin's release archives into dist/release
# (pulumi-resource-cvm-secrets-v<version>-<os>-<arch>.tar.gz) with the project's own command,
# `npm run plugin:archives` (scripts/plugin-archives.sh), from the dist/ the job built
# (`--prebuilt`). The release workflow runs it once per runner with the platforms that runner
# builds. darwin-arm64 has no Node.js >= 22.19 on the npm registry, so it carries the runner's
# own `node` (`--node-binary`), which must then be a darwin arm64 binary. Prints the archives of
# this version that are there afterwards.
#
#   scripts/release/plugin-archives.sh PLATFORM...     e.g. linux-amd64 windows-arm64
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -gt 0 ] || die "usage: scripts/release/plugin-archives.sh PLATFORM... (e.g. linux-amd64 darwin-arm64)"
for platform in "$@"; do
  args=(--prebuilt --platform "$platform")
  if [ "$platform" = darwin-arm64 ]; then
    [ "$(uname -s)-$(uname -m)" = Darwin-arm64 ] ||
      die "darwin-arm64 carries the runner's own node: run this on a macOS arm64 runner"
    args+=(--node-binary "$(command -v node)")
  fi
  (cd "$ROOT" && npm run --silent plugin:archives -- "${args[@]}") >&2
done
shopt -s nullglob
archives=("$ROOT"/dist/release/pulumi-resource-cvm-secrets-v"$VERSION"-*.tar.gz)
[ ${#archives[@]} -gt 0 ] || die "npm run plugin:archives wrote no archive of v$VERSION to dist/release"
printf '%s\n' "${archives[@]}"

#!/usr/bin/env bash
# Builds the provider plugin's release archives into dist/release
# (pulumi-resource-cvm-secrets-v<version>-<os>-<arch>.tar.gz) with the project's own command,
# `npm run plugin:archives`, passing the arguments through (the release workflow runs it once
# per runner with the platforms that runner builds, e.g. `darwin-arm64` on macOS). Prints the
# archives of this version that are there afterwards.
#
#   scripts/release/plugin-archives.sh [PLATFORM...]
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(cd "$ROOT" && npm run --silent plugin:archives -- "$@") >&2
shopt -s nullglob
archives=("$ROOT"/dist/release/pulumi-resource-cvm-secrets-v"$VERSION"-*.tar.gz)
[ ${#archives[@]} -gt 0 ] || die "npm run plugin:archives wrote no archive of v$VERSION to dist/release"
printf '%s\n' "${archives[@]}"

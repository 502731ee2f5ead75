#!/usr/bin/env bash
# The release's tag against the package: `check-tag.sh vX.Y.Z` fails unless the tag is exactly
# `v` + package.json's version, so a tag pushed on the wrong commit publishes nothing.
#
#   scripts/release/check-tag.sh TAG      (the workflow passes its ref name, e.g. v0.2.0)
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || die "usage: check-tag.sh TAG"
[ "$1" = "v$VERSION" ] || die "the tag is '$1' but package.json says version $VERSION (expected tag v$VERSION)"
say "tag $1 matches package.json $VERSION"

#!/usr/bin/env bash
# Creates the GitHub release of tag TAG with the CHANGELOG section of its version as notes, and
# attaches the given files (the npm tarball, the plugin archives, the Python sdist and wheel),
# with the GitHub CLI `gh` (GH_TOKEN from the workflow). Re-running it for the same tag uploads
# the files again (--clobber) instead of failing on the existing release.
#
#   scripts/release/github-release.sh [--dry-run] [--changelog FILE] TAG FILE...
#     --dry-run    print the notes and the gh commands instead of running them
#     --changelog  where to read the notes (default CHANGELOG.md)
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dry_run=0
changelog="$ROOT/CHANGELOG.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --changelog) changelog="$2"; shift ;;
    *) break ;;
  esac
  shift
done
[ $# -ge 2 ] || die "usage: github-release.sh [--dry-run] [--changelog FILE] TAG FILE..."
tag="$1"
shift
version="${tag#v}"
for file in "$@"; do [ -f "$file" ] || die "no file $file"; done

# The notes: the lines under `## [<version>]` up to the next `## ` heading (Keep a Changelog),
# from the first non-blank one.
notes="$(awk -v v="$version" '
  /^## / { if (found) exit; if (index($0, "## [" v "]") == 1) { found = 1; next } }
  found && (started || NF) { started = 1; print }
' "$changelog")"
[ -n "$(printf '%s' "$notes" | tr -d '[:space:]')" ] || die "$changelog has no section '## [$version]'"
notes_file="$(mktemp)"
trap 'rm -f "$notes_file"' EXIT
printf '%s\n' "$notes" >"$notes_file"

if [ "$dry_run" = 1 ]; then
  cat "$notes_file"
  echo "gh release create $tag --verify-tag --title $tag --notes-file NOTES"
  echo "gh release upload $tag --clobber $*"
  exit 0
fi
gh release view "$tag" >/dev/null 2>&1 ||
  gh release create "$tag" --verify-tag --title "$tag" --notes-file "$notes_file"
gh release upload "$tag" --clobber "$@"
say "attached $# files to the release $tag"

#!/usr/bin/env bash
# Tags the Go SDK module. The Go SDK is generated, not kept in the repository: its module path
# (the schema's language.go.importBasePath less the package directory) is
# github.com/<owner>/<repo>/sdk/go, a module in the repository's sdk/go directory, so Go resolves
# version X.Y.Z from the tag `sdk/go/vX.Y.Z` (go.dev/ref/mod, "Mapping versions to commits": a
# module in a subdirectory is tagged with that directory as prefix). This script generates the
# SDK from the schema the plugin serves (cvm-sdkgen, Pulumi's Go generator), makes a commit whose
# parent is HEAD and whose tree is HEAD's plus sdk/go (through a scratch index: the work tree,
# the index and the branch are untouched), tags it `sdk/go/v<version>` (annotated) and pushes the
# tag. The go.mod is the generator's own (`pulumi package gen-sdk` writes the same): a consumer's
# `go mod tidy` completes it.
#
#   scripts/release/go-sdk-tag.sh [--dry-run] [--repo DIR] [--remote NAME]
#     --dry-run  make the commit and the tag, do not push
#     --repo     the git repository to tag (default: this one)
#     --remote   where to push the tag (default: origin)
# Prints the tag and its commit.
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/release/sdk-schema.sh
source "$(dirname "${BASH_SOURCE[0]}")/sdk-schema.sh"

dry_run=0
repo="$ROOT"
remote=origin
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --repo) repo="$2"; shift ;;
    --remote) remote="$2"; shift ;;
    *) die "usage: go-sdk-tag.sh [--dry-run] [--repo DIR] [--remote NAME]" ;;
  esac
  shift
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
served_schema "$work/schema.json"
cvm-sdkgen -schema "$work/schema.json" -language go -out "$work/go"

# The module path the generator wrote, and the directory it must be in: the path below the
# repository's own (package.json's repository URL), which must be where the module path says.
module="$(sed -n 's/^module //p' "$work/go/go.mod")"
repo_path="$(node -p 'require(process.argv[1]).repository.url.replace(/^git\+/, "").replace(/^https:\/\//, "").replace(/\.git$/, "")' "$ROOT/package.json")"
case "$module" in
  "$repo_path"/*) subdir="${module#"$repo_path"/}" ;;
  *) die "the Go module path '$module' is not under the repository's '$repo_path'" ;;
esac
plugin_version="$(node -p 'require(process.argv[1]).version' "$work/go/cvmsecrets/pulumi-plugin.json")"
[ "$plugin_version" = "$VERSION" ] || die "the Go SDK says version $plugin_version, package.json $VERSION"
tag="$subdir/v$VERSION"

git -C "$repo" rev-parse --verify --quiet "refs/tags/$tag" >/dev/null && die "tag $tag exists already"
head="$(git -C "$repo" rev-parse --verify HEAD)"
# Identity for the commit and tag: the configured one, else the release bot's.
ident=()
git -C "$repo" config user.email >/dev/null || ident=(-c user.name="pulumi-cvm-secrets release" -c user.email="release@pulumi-cvm-secrets.invalid")

export GIT_INDEX_FILE="$work/index"
git -C "$repo" read-tree "$head"
git -C "$repo" rm -r -q --cached --ignore-unmatch -- "$subdir"
(cd "$work/go" && find . -type f | sed 's|^\./||' | sort) | while IFS= read -r file; do
  blob="$(git -C "$repo" hash-object -w -- "$work/go/$file")"
  git -C "$repo" update-index --add --cacheinfo "100644,$blob,$subdir/$file"
done
tree="$(git -C "$repo" write-tree)"
unset GIT_INDEX_FILE
commit="$(git -C "$repo" "${ident[@]}" commit-tree "$tree" -p "$head" -m "Go SDK $VERSION ($module)")"
git -C "$repo" "${ident[@]}" tag -a "$tag" "$commit" -m "Go SDK $VERSION"
if [ "$dry_run" = 1 ]; then
  say "dry run: tagged $tag at $commit, not pushed"
else
  git -C "$repo" push "$remote" "refs/tags/$tag"
  say "pushed $tag to $remote"
fi
echo "$tag $commit"

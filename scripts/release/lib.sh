# Shared by the scripts in scripts/release/ (sourced, not run): the repository root as ROOT, the
# package version as VERSION, Node 24 and the toolchain first on PATH, and `say`/`die` that
# prefix messages with the calling script's name.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$ROOT/.toolchain/bin:$ROOT/node_modules/.bin:$PATH"
_release_name="$(basename "${BASH_SOURCE[1]:-release}" .sh)"
say() { printf '[release/%s] %s\n' "$_release_name" "$*" >&2; }
die() { printf '[release/%s] error: %s\n' "$_release_name" "$*" >&2; exit 1; }
VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"

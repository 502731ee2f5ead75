#!/usr/bin/env bash
# Builds the Python SDK's sdist and wheel into OUT (default dist/release/python): the SDK is
# generated from the schema the plugin serves by Pulumi's Python code generator (cvm-sdkgen, the
# generator `pulumi package gen-sdk` runs), then built by PyPA `build` without network access
# (--no-isolation: the build backend, setuptools, is the one installed; here Debian's
# python3-build/-setuptools/-wheel from scripts/install-debian-packages.sh, run with
# /usr/bin/python3; PYTHON picks another interpreter that has `build`, setuptools and wheel).
# The generator writes the package README inside the package directory, where pyproject.toml's
# `readme = "README.md"` does not find it: it is copied beside pyproject.toml first.
# Prints the sdist's and the wheel's paths.
#
#   scripts/release/python-sdk.sh [OUT]
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/release/sdk-schema.sh
source "$(dirname "${BASH_SOURCE[0]}")/sdk-schema.sh"

OUT="$(mkdir -p "${1:-$ROOT/dist/release/python}" && cd "${1:-$ROOT/dist/release/python}" && pwd)"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c 'import build, setuptools, wheel' 2>/dev/null; then
      PYTHON="$candidate"
      break
    fi
  done
fi
[ -n "$PYTHON" ] || die "no python3 with build, setuptools and wheel: run scripts/install-debian-packages.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
served_schema "$work/schema.json"
cvm-sdkgen -schema "$work/schema.json" -language python -out "$work/python"
src="$work/python"
[ -f "$src/README.md" ] || cp "$src/pulumi_cvm_secrets/README.md" "$src/README.md"
"$PYTHON" -m build --no-isolation --sdist --wheel --outdir "$OUT" "$src" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; die "python -m build failed"; }
sdist="$OUT/pulumi_cvm_secrets-$VERSION.tar.gz"
wheel="$OUT/pulumi_cvm_secrets-$VERSION-py3-none-any.whl"
[ -f "$sdist" ] && [ -f "$wheel" ] || die "expected $(basename "$sdist") and $(basename "$wheel") in $OUT: $(ls "$OUT")"
say "built the Python SDK $VERSION"
echo "$sdist"
echo "$wheel"

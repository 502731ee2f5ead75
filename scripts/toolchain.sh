#!/usr/bin/env bash
# Sets up everything the tests, the demo and the examples need, from a fresh clone:
#   - Node >= 22 (the npm package `node`, a devDependency, puts Node 24 in node_modules/.bin)
#   - the Pulumi CLI at the version of the pinned @pulumi/pulumi SDK, built from Pulumi's Go
#     modules with a throw-away wrapper module (`go install mod@v` fails because Pulumi's
#     go.mod files carry replace directives, which only apply in a main module) and cached
#     outside the clone, keyed by version
#   - the Node.js language host and the pulumi-resource-pulumi-nodejs shim
#   - the YAML language host pulumi-language-yaml, built from the Go module
#     github.com/pulumi/pulumi-yaml and cached beside the CLI, keyed by version
#   - the SDK generators for Go, Python and .NET (scripts/sdkgen: Pulumi's own code generators,
#     which test the schema's SDKs without those languages' hosts), cached the same way
#   - Debian packages the registry tests need (scripts/install-debian-packages.sh)
# and links them into .toolchain/bin. Source scripts/env.sh afterwards to put them on PATH.
#
# Environment:
#   CVM_SECRETS_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets)
#   PULUMI_CLI          use this `pulumi` binary instead of building one
#   PULUMI_LANGUAGE_YAML  use this `pulumi-language-yaml` binary instead of building one
#   CVM_SECRETS_SKIP_SDKGEN=1  do not build the SDK generators (the demo needs none)
#   CVM_SECRETS_LOCK_WAIT  seconds to wait for another run's build of the same thing (default
#                          1800); the wait names the lock and its holder and prints progress
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lock-wait.sh
source "$ROOT/scripts/lock-wait.sh"
say() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] error: %s\n' "$*" >&2; exit 1; }

# --- Node -----------------------------------------------------------------------------------
[ -x node_modules/.bin/node ] || die "node_modules is missing: run 'npm ci' first (it also installs Node 24)."
NODE_MAJOR="$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 22 ] || die "node_modules/.bin/node is Node $NODE_MAJOR; Node >= 22 is required."
export PATH="$ROOT/node_modules/.bin:$PATH"
# The checkout's node_modules/pulumi-cvm-secrets → .. (examples and tests resolve the package by
# name). Not an install script: the published package has none. The npm package ships this
# script without scripts/link-self.js.
[ ! -f scripts/link-self.js ] || node scripts/link-self.js

SDK_VERSION="$(node -p 'require("@pulumi/pulumi/package.json").version')"
V="v$SDK_VERSION"
CACHE="${CVM_SECRETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cvm-secrets}"
CLI_DIR="$CACHE/pulumi-$V"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN" "$CACHE"

# The Go language host has no semver tags; its pseudo-version is that of the commit the
# pkg/vX tag points at (Pulumi's repository: tags `pkg/vX.Y.Z`; the language host module,
# sdk/nodejs/cmd/pulumi-language-nodejs, has none of its own). Known mappings, newest first;
# a version without one (e.g. v3.276.0: its tag commit is not recorded here, and the module
# proxy this project's CI reaches refuses the language host at every version, v3.259.0's
# included) uses the stand-in in scripts/langhost.
langhost_pseudo_version() {
  case "$1" in
    v3.259.0) echo "v3.0.0-20260820084410-a05d88f24d05" ;;
    *) echo "" ;;
  esac
}

# cached_go_build DIR EXE LOCK WHAT ETA HINT BUILD
# Makes sure DIR/EXE exists. If it does not, then under the lock file LOCK (one build at a time,
# whichever clone asks) the function BUILD runs with two arguments: a scratch directory, and the
# directory to put the binaries in, which becomes DIR only when BUILD succeeds. WHAT names the
# build in messages, ETA says how long a first build takes, HINT what to do without Go.
cached_go_build() {
  local dir="$1" exe="$2" lock="$3" what="$4" eta="$5" hint="$6" build="$7"
  [ -x "$dir/$exe" ] && return 0
  exec 9>"$lock"
  wait_for_flock 9 "$lock" "another run is building $what" "${CVM_SECRETS_LOCK_WAIT:-1800}" ||
    die "another run held $lock for longer than ${CVM_SECRETS_LOCK_WAIT:-1800} s; when it has finished, run again (or raise CVM_SECRETS_LOCK_WAIT)"
  if [ ! -x "$dir/$exe" ]; then
    command -v go >/dev/null 2>&1 || die "Go >= 1.25 is needed to build $what (none on PATH).
$hint"
    local work start=$SECONDS
    work="$(mktemp -d)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    say "building $what (first run only; $eta)"
    "$build" "$work" "$dir.tmp" || { rm -rf "$work" "$dir.tmp"; die "building $what failed"; }
    rm -rf "$work"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    say "built $what in $((SECONDS - start)) s"
  fi
  flock -u 9
}

# The flags of Pulumi's release builds (its .goreleaser.yml). The SDK generators below are
# built with them too, so that they reuse the CLI build's compiled packages from the Go build cache.
GO_RELEASE_FLAGS=(-trimpath -tags osusergo,grpcnotrace)

build_cli() {
  local work="$1" out="$2"
  cat >"$work/go.mod" <<EOF
module pulumi-cli-build.invalid

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $V
	github.com/pulumi/pulumi/sdk/v3 $V
)

// Upstream pkg/go.mod carries this replace; replaces only apply in the main module.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
EOF
  (cd "$work" && go mod tidy >"$work/tidy.log" 2>&1) ||
    { tail -20 "$work/tidy.log" >&2; say "resolving the Pulumi $V modules failed"; return 1; }
  (cd "$work" && GOBIN="$work/bin" CGO_ENABLED=0 go install "${GO_RELEASE_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$V" tool) || return 1
  mv "$work/bin/pulumi" "$out/pulumi" || return 1

  # The official Node.js language host, if the module proxy serves it.
  local pseudo
  pseudo="$(langhost_pseudo_version "$V")"
  if [ -n "$pseudo" ]; then
    (cd "$work" && go get -tool "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$pseudo" >"$work/lh.log" 2>&1 &&
      GOBIN="$work/bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
        github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 >>"$work/lh.log" 2>&1 &&
      mv "$work/bin/pulumi-language-nodejs" "$out/") \
      || say "the official pulumi-language-nodejs is not available from the Go module proxy; using scripts/langhost (see CONTRIBUTING.md)"
  fi
}

if [ -n "${PULUMI_CLI:-}" ]; then
  PULUMI="$PULUMI_CLI"
elif command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version 2>/dev/null)" = "$V" ] &&
  [ "$(dirname "$(command -v pulumi)")" != "$BIN" ]; then
  PULUMI="$(command -v pulumi)"
  say "using pulumi $V from PATH"
else
  cached_go_build "$CLI_DIR" pulumi "$CACHE/.build-$V.lock" "the Pulumi CLI $V from Pulumi's Go modules" \
    "takes several minutes" "Install Go, or put a pulumi $V on PATH, or set PULUMI_CLI to one." build_cli
  PULUMI="$CLI_DIR/pulumi"
fi
[ "$("$PULUMI" version)" = "$V" ] || die "$PULUMI is not version $V"

# --- The YAML language host ------------------------------------------------------------------
# pulumi-yaml's go.mod has no replace directives, so unlike the CLI it installs with a plain
# `go install module/cmd@version`, against the pkg/sdk versions its go.mod requires (v3.206.0
# for v1.25.0; it does not compile against pkg v3.276.0, whose plugin API changed). Older hosts
# talking to a newer engine is how Pulumi's own releases ship it.
YAML_VERSION="v1.25.0"
YAML_DIR="$CACHE/pulumi-language-yaml-$YAML_VERSION"

build_yaml_host() {
  local work="$1" out="$2"
  (cd "$work" && GOBIN="$work/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
    "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION" >"$work/build.log" 2>&1) \
    || { tail -20 "$work/build.log" >&2; return 1; }
  mv "$work/bin/pulumi-language-yaml" "$out/pulumi-language-yaml"
}

if [ -n "${PULUMI_LANGUAGE_YAML:-}" ]; then
  YAML_HOST="$PULUMI_LANGUAGE_YAML"
elif [ "$(dirname "$PULUMI")" != "$CLI_DIR" ] && [ -x "$(dirname "$PULUMI")/pulumi-language-yaml" ]; then
  YAML_HOST="$(dirname "$PULUMI")/pulumi-language-yaml" # a Pulumi install bundles it next to the CLI
  say "using the pulumi-language-yaml next to $PULUMI"
else
  cached_go_build "$YAML_DIR" pulumi-language-yaml "$CACHE/.build-yaml-$YAML_VERSION.lock" \
    "the YAML language host pulumi-language-yaml $YAML_VERSION from its Go module" "about two minutes" \
    "Install Go, or put a pulumi-language-yaml on PATH, or set PULUMI_LANGUAGE_YAML to one." build_yaml_host
  YAML_HOST="$YAML_DIR/pulumi-language-yaml"
fi
[ -x "$YAML_HOST" ] || die "$YAML_HOST is not an executable"
ln -sfn "$YAML_HOST" "$BIN/pulumi-language-yaml"

# --- The SDK generators ----------------------------------------------------------------------
# For test/e2e/sdk-languages.test.ts: scripts/sdkgen runs Pulumi's Go and Python SDK generators
# at the CLI's pkg version (its go.mod must say $V; the CLI build's module and build caches then
# serve most of it), scripts/sdkgen/dotnet the .NET generator at the last pkg version that had
# it. Cached by pkg version and a digest of their sources; CVM_SECRETS_SKIP_SDKGEN=1 skips them,
# and so does the npm package (it ships this script, not scripts/sdkgen).
SDKGEN="$ROOT/scripts/sdkgen"
SDKGEN_TIMEOUT=1200 # seconds a first build may take (measured: CONTRIBUTING.md, Toolchain)
pkg_version_of() { sed -n 's|^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 \(v[^ ]*\).*|\1|p' "$1/go.mod" | head -1; }
sources_digest() { (cd "$1" && cat go.mod go.sum ./*.go) | sha256sum | cut -c1-12; }

# build_sdkgen SRC EXE WORK OUT: go build in place (the sources' go.sum pins every module).
build_sdkgen() {
  (cd "$1" && CGO_ENABLED=0 timeout "$SDKGEN_TIMEOUT" go build -buildvcs=false "${GO_RELEASE_FLAGS[@]}" \
    -ldflags "-s -w" -o "$4/$2" .) >"$3/build.log" 2>&1 || { tail -20 "$3/build.log" >&2; return 1; }
}
build_sdkgen_go_python() { build_sdkgen "$SDKGEN" cvm-sdkgen "$@"; }
build_sdkgen_dotnet() { build_sdkgen "$SDKGEN/dotnet" cvm-sdkgen-dotnet "$@"; }

if [ "${CVM_SECRETS_SKIP_SDKGEN:-}" != "1" ] && [ -f "$SDKGEN/go.mod" ]; then
  [ "$(pkg_version_of "$SDKGEN")" = "$V" ] || die "scripts/sdkgen/go.mod requires pkg/v3 $(pkg_version_of "$SDKGEN"), the CLI is $V.
Set github.com/pulumi/pulumi/pkg/v3 to $V there and run 'go mod tidy' in scripts/sdkgen."
  GEN_DIR="$CACHE/sdkgen-$V-$(sources_digest "$SDKGEN")"
  cached_go_build "$GEN_DIR" cvm-sdkgen "$CACHE/.build-sdkgen.lock" \
    "the Go and Python SDK generators (scripts/sdkgen, pkg $V)" "seconds after the CLI's" \
    "Install Go, or set CVM_SECRETS_SKIP_SDKGEN=1 (the SDK generation tests then fail)." build_sdkgen_go_python
  DOTNET_PKG="$(pkg_version_of "$SDKGEN/dotnet")"
  DOTNET_DIR="$CACHE/sdkgen-dotnet-$DOTNET_PKG-$(sources_digest "$SDKGEN/dotnet")"
  cached_go_build "$DOTNET_DIR" cvm-sdkgen-dotnet "$CACHE/.build-sdkgen.lock" \
    "the .NET SDK generator (scripts/sdkgen/dotnet, pkg $DOTNET_PKG)" "about three minutes" \
    "Install Go, or set CVM_SECRETS_SKIP_SDKGEN=1 (the SDK generation tests then fail)." build_sdkgen_dotnet
  ln -sfn "$GEN_DIR/cvm-sdkgen" "$BIN/cvm-sdkgen"
  ln -sfn "$DOTNET_DIR/cvm-sdkgen-dotnet" "$BIN/cvm-sdkgen-dotnet"
fi

# A hard link (or copy), not a symlink: the CLI looks for its bundled plugins next to its own
# resolved path, and finding them there avoids "using ... from $PATH" warnings in every run.
rm -f "$BIN/pulumi"
ln "$PULUMI" "$BIN/pulumi" 2>/dev/null || cp "$PULUMI" "$BIN/pulumi"
if [ -x "$CLI_DIR/pulumi-language-nodejs" ]; then
  ln -sfn "$CLI_DIR/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
elif [ -x "$(dirname "$PULUMI")/pulumi-language-nodejs" ]; then
  ln -sfn "$(dirname "$PULUMI")/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
else
  chmod +x "$ROOT/scripts/langhost/pulumi-language-nodejs.js"
  ln -sfn "$ROOT/scripts/langhost/pulumi-language-nodejs.js" "$BIN/pulumi-language-nodejs"
fi
SHIM="$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
chmod +x "$SHIM"
ln -sfn "$SHIM" "$BIN/pulumi-resource-pulumi-nodejs"

# --- Debian packages for the registry tests ---------------------------------------------------
if [ -f "$ROOT/scripts/install-debian-packages.sh" ] && [ "${CVM_SECRETS_SKIP_APT:-}" != "1" ]; then
  bash "$ROOT/scripts/install-debian-packages.sh"
fi

say "ready: node $(node --version), pulumi $("$BIN/pulumi" version), language host $(readlink "$BIN/pulumi-language-nodejs" | sed "s|$ROOT/||"), pulumi-language-yaml $YAML_VERSION"

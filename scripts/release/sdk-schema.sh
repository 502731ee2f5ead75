# Sourced by the SDK release scripts: `served_schema FILE` writes the schema the provider plugin
# serves (`pulumi package get-schema` of bin/pulumi-resource-cvm-secrets, on the built dist/):
# the one `pulumi package add` and `gen-sdk` generate users' SDKs from, with the package version
# (the committed schema.json carries none). Needs scripts/toolchain.sh's pulumi and cvm-sdkgen.
served_schema() {
  local out="$1" home
  command -v pulumi >/dev/null 2>&1 || die "pulumi is not set up: run scripts/toolchain.sh first"
  command -v cvm-sdkgen >/dev/null 2>&1 || die "cvm-sdkgen is not set up: run scripts/toolchain.sh first"
  [ -f "$ROOT/dist/provider/index.js" ] || die "dist/ is not built: run 'npm run build' first"
  home="$(mktemp -d)"
  PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    pulumi package get-schema "$ROOT/bin/pulumi-resource-cvm-secrets" >"$out" || { rm -rf "$home"; die "pulumi package get-schema failed"; }
  rm -rf "$home"
  local version
  version="$(node -p 'require(process.argv[1]).version' "$out")"
  [ "$version" = "$VERSION" ] || die "the plugin serves a schema of version $version, package.json says $VERSION"
}

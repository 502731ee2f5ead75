# Source this after scripts/toolchain.sh: puts Node 24 and the Pulumi toolchain first on PATH
# and keeps every Pulumi run offline (no update check, no plugin downloads; Pulumi CLI
# environment variables PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).
_cvm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_cvm_root/.toolchain/bin:$_cvm_root/node_modules/.bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
unset _cvm_root

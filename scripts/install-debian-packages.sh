#!/usr/bin/env bash
# Installs the Debian packages the registry test tier needs:
#   docker-registry  (CNCF distribution, binary /usr/bin/docker-registry)
#   apache2-utils    (htpasswd, for bcrypt entries)
#   openssl          (only if missing: the token-auth and TLS tests make self-signed certificates)
#   python3-build, python3-wheel, python3-setuptools, python3-venv
#                    (Debian's Python build tools: scripts/release/python-sdk.sh builds the Python
#                    SDK's sdist and wheel with /usr/bin/python3 -m build, without pip)
# Idempotent: does nothing when the binaries and the Python modules are present. Set CVM_SECRETS_SKIP_APT=1 to skip.
# The packaged docker-registry service is not used (tests start their own instance on a free
# loopback port); on hosts without systemd the package does not start it.
set -euo pipefail

if [[ "${CVM_SECRETS_SKIP_APT:-}" == "1" ]]; then
  echo "install-debian-packages: CVM_SECRETS_SKIP_APT=1, skipping" >&2
  exit 0
fi

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/bin/$1" || -x "/usr/sbin/$1" ]]; }

# Debian's python3 (not whichever python3 is first on PATH): the modules the packages install.
have_python_build() { [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import build, wheel, setuptools, venv' 2>/dev/null; }

if have docker-registry && have htpasswd && have openssl && have_python_build; then
  exit 0
fi

PACKAGES=(docker-registry apache2-utils python3-build python3-wheel python3-setuptools python3-venv)
have openssl || PACKAGES+=(openssl)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-debian-packages: apt-get not found; install ${PACKAGES[*]} by hand" >&2
  exit 1
fi

SUDO=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "install-debian-packages: not root and sudo is unavailable; install ${PACKAGES[*]} by hand" >&2
    exit 1
  fi
fi

# Another apt-get or dpkg (an unattended upgrade, another engineer's install) may hold the
# package locks: say which and who, and wait for them (bounded) instead of failing at once.
# apt's and dpkg's locks are fcntl locks; apt-get itself also waits for dpkg's with
# DPkg::Lock::Timeout (apt >= 1.9.11), which covers one taken between this check and apt-get.
# shellcheck source=lock-wait.sh
source "$(dirname "${BASH_SOURCE[0]}")/lock-wait.sh"
LOCK_LOG_PREFIX="install-debian-packages:"
APT_LOCK_WAIT="${CVM_SECRETS_APT_LOCK_WAIT:-600}"
for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
  [[ -e "$lock" ]] || continue
  wait_for_unlocked "$lock" "another apt-get or dpkg is running" "$APT_LOCK_WAIT" || {
    echo "install-debian-packages: the package lock $lock is still held; when that install has finished, run again" >&2
    exit 1
  }
done
APT=("${SUDO[@]}" apt-get -o "DPkg::Lock::Timeout=$APT_LOCK_WAIT")
export DEBIAN_FRONTEND=noninteractive
"${APT[@]}" update
"${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}"

if ! have docker-registry || ! have htpasswd || ! have openssl || ! have_python_build; then
  echo "install-debian-packages: docker-registry, htpasswd, openssl or Python's build, wheel, setuptools, venv still missing after apt-get install" >&2
  exit 1
fi

#!/usr/bin/env bash
# apt-install.sh "<what to do without apt-get>" <package>...: Debian packages for `make deps`
# (ensure-java.sh, ensure-chromium.sh), through sudo when not root.
set -euo pipefail
without_apt="$1"
shift
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$without_apt" >&2
  exit 1
fi
echo "Installing $* with apt-get ..." >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null

#!/usr/bin/env bash
# The browser test of the /docs page drives Debian's headless Chromium through Playwright
# (never Playwright's own browser download): install Debian's `chromium` when it is missing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The /docs browser test needs Chromium at $CHROMIUM: install it and retry" >&2
  exit 1
fi
echo "Installing Debian's chromium for the /docs browser test..." >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$CHROMIUM" --version

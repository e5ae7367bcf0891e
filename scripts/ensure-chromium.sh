#!/usr/bin/env bash
# The browser test of the /docs page drives Debian's headless Chromium through Playwright
# (never Playwright's own browser download): install Debian's `chromium` when it is missing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" \
  "The /docs browser test needs Chromium at $CHROMIUM: install it and retry" chromium
"$CHROMIUM" --version

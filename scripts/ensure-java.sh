#!/usr/bin/env bash
# DynamoDB Local needs Java 17 or newer; install Debian's headless JRE when it is missing.
set -euo pipefail
major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if command -v java >/dev/null 2>&1 && [ "$(major)" -ge 17 ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" \
  "DynamoDB Local needs Java 17+: install a JRE (for example Temurin 17) and retry" openjdk-17-jre-headless
java -version

#!/usr/bin/env bash
# DynamoDB Local needs Java 17 or newer; install Debian's headless JRE when it is missing.
set -euo pipefail
major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if command -v java >/dev/null 2>&1 && [ "$(major)" -ge 17 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "DynamoDB Local needs Java 17+: install a JRE (for example Temurin 17) and retry" >&2
  exit 1
fi
echo "Installing Java 17 (openjdk-17-jre-headless) for DynamoDB Local..." >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
java -version

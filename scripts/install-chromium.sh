#!/usr/bin/env bash
# Installs Debian's chromium when it is missing. The HTML report's browser test
# (test/e2e/report-html-chromium.test.ts) renders the report in it headless: a screenshot, the DOM
# and the console. Nothing is downloaded by npm: the test uses this system browser.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is not installed and this script is not running as root." >&2
  echo "Install it yourself (Debian: sudo apt-get update && sudo apt-get install -y chromium)," >&2
  echo "or set CHROMIUM_PATH to a Chromium or Chrome binary you already have." >&2
  exit 1
fi
echo "Installing chromium from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (another job on a shared machine) instead of failing at once.
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
command -v chromium >/dev/null 2>&1 || { echo "chromium still missing after install" >&2; exit 1; }

#!/usr/bin/env bash
# Installs Debian's redis-server when it is missing. Tests and the demo start their own throwaway
# instance on a free loopback port (tools/devtools/throwaway-redis.ts); this script only installs.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "redis-server is not installed and this script is not running as root." >&2
  echo "Install it yourself (Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y redis-server)," >&2
  echo "or set REDIS_URL to a Redis 7 you already run." >&2
  exit 1
fi
echo "Installing redis-server from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends redis-server >&2
# The package starts a system instance on :6379 on some images; we never use it.
command -v redis-server >/dev/null 2>&1 || { echo "redis-server still missing after install" >&2; exit 1; }

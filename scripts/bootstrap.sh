#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lock file. Docker and the engine images are
# prepared by dr-drill itself (`dr-drill setup`, or the first drill), which knows how to start and build them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "dr-drill needs Node.js >= 20 and npm: install them first (e.g. apt-get install nodejs npm)" >&2
  exit 3
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

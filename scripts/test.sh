#!/usr/bin/env bash
# The whole test suite from nothing: dependencies, static checks, a Docker engine and the engine images, then the unit
# tests and the real drills. Ends with one plain "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "[test] typecheck"; npx tsc --noEmit
echo "[test] lint"; npx eslint .
echo "[test] docker and engine images"; node bin/dr-drill.js setup
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?
node scripts/test-summary.js test-artifacts/vitest.json
exit "$status"

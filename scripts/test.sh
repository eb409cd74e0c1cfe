#!/usr/bin/env bash
# The whole test suite from nothing: dependencies, static checks, the tools the tests drive (actionlint, Chromium),
# a Docker engine and the engine images, then the unit tests and the real drills. Ends with one plain
# "tests: N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "[test] typecheck"; npx tsc --noEmit
echo "[test] lint"; npm run --silent lint

# actionlint lints the GitHub workflows; Go builds it from the module proxy into .cache/bin.
if [ ! -x .cache/bin/actionlint ] && ! command -v actionlint >/dev/null; then
  if command -v go >/dev/null; then
    echo "[test] installing actionlint (go install)"
    GOBIN="$PWD/.cache/bin" go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7
  else
    echo "[test] actionlint missing and no Go toolchain to build it: the workflow test will say so" >&2
  fi
fi
# The HTML report is checked in a real browser: Debian's Chromium, driven by playwright-core.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[test] installing Debian's chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

echo "[test] docker and engine images"; node bin/dr-drill.js setup
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?
node scripts/test-summary.js test-artifacts/vitest.json
exit "$status"

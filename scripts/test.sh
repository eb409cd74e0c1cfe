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
# SeaweedFS (Apache-2.0) is the real S3-compatible server the S3 artifact tests start (test/unit/seaweedfs.ts). Its
# module has replace directives, which `go install pkg@version` refuses: the module is downloaded from the proxy and
# built inside it, once, into .cache/bin (a new version rebuilds). The build runs beside the Docker setup below.
SEAWEEDFS=v0.0.0-20261109003541-7506e5f91cd6
weed_build=""
if [ -z "${WEED:-}" ] && [ "$(cat .cache/bin/weed.version 2>/dev/null)" != "$SEAWEEDFS" ]; then
  if command -v go >/dev/null; then
    echo "[test] building SeaweedFS $SEAWEEDFS (weed) in the background"
    mkdir -p .cache/bin
    (
      set -e
      dir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
      out="$PWD/.cache/bin"
      cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$out/weed" ./weed
      echo "$SEAWEEDFS" >"$out/weed.version"
    ) >.cache/weed-build.log 2>&1 &
    weed_build=$!
  else
    echo "[test] weed missing and no Go toolchain to build it: the S3 tests will say so" >&2
  fi
fi
# The HTML report is checked in a real browser: Debian's Chromium, driven by playwright-core.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[test] installing Debian's chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

echo "[test] docker and engine images"; node bin/dr-drill.js setup
if [ -n "$weed_build" ]; then
  start=$SECONDS
  if wait "$weed_build"; then echo "[test] weed built (waited $((SECONDS - start))s more for it; log: .cache/weed-build.log)" >&2
  else echo "[test] building weed failed (the S3 tests will say so):" >&2; tail -n 20 .cache/weed-build.log >&2; fi
fi
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?
node scripts/test-summary.js test-artifacts/vitest.json
exit "$status"

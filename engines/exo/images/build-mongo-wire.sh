#!/usr/bin/env bash
# Builds the MongoDB-wire side of the offline eXo tier on the host, from the Go module proxy only:
# FerretDB v1.24.2 (server) and mongo-tools 100.6.1 (mongodump, mongorestore), static (CGO_ENABLED=0), into $1.
# Debian's Go (1.19) is too old for both; the host's Go builds them and the image only copies the binaries.
# The proxy answers 403 to version lists, so `go install pkg@v` fails: download the module, build a copy of it.
set -euo pipefail
OUT="$1"
FERRETDB_VERSION=v1.24.2
# mongo-tools publishes no semver tags to the proxy: 100.6.1 is this pseudo-version (the checksum database agrees).
MONGO_TOOLS_PSEUDO=v0.0.0-20221102190735-6d9d341edd33
MONGO_TOOLS_VERSION=100.6.1
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

module_dir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
copy_module() { # module@version → writable copy under $WORK
  local src; src="$(module_dir "$1")"
  [ -n "$src" ] || { echo "go mod download $1 gave no directory" >&2; exit 1; }
  cp -r "$src" "$WORK/$2"; chmod -R u+w "$WORK/$2"
}
count_packages() { local n=0; while read -r line; do n=$((n + 1)); [ $((n % 50)) -eq 0 ] && echo "  $1: $n packages compiled…"; done; echo "  $1: $n packages compiled"; }

mkdir -p "$OUT"
if [ ! -x "$OUT/ferretdb" ]; then
  echo "downloading github.com/FerretDB/FerretDB@$FERRETDB_VERSION from the module proxy…"
  copy_module "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" ferretdb
  # FerretDB reads its version from this embedded file and panics when it is missing (build/version/version.go).
  echo "$FERRETDB_VERSION" > "$WORK/ferretdb/build/version/version.txt"
  echo "building ferretdb (go $(go env GOVERSION), first build ~90 s)…"
  (cd "$WORK/ferretdb" && go build -v -trimpath -o "$OUT/ferretdb.partial" ./cmd/ferretdb 2>&1 | count_packages ferretdb)
  mv "$OUT/ferretdb.partial" "$OUT/ferretdb"
fi
if [ ! -x "$OUT/mongodump" ] || [ ! -x "$OUT/mongorestore" ]; then
  echo "downloading github.com/mongodb/mongo-tools@$MONGO_TOOLS_PSEUDO ($MONGO_TOOLS_VERSION) from the module proxy…"
  copy_module "github.com/mongodb/mongo-tools@$MONGO_TOOLS_PSEUDO" mongo-tools
  for tool in mongodump mongorestore; do
    echo "building $tool $MONGO_TOOLS_VERSION…"
    (cd "$WORK/mongo-tools" && go build -v -mod=mod -trimpath -ldflags "-X main.VersionStr=$MONGO_TOOLS_VERSION" -o "$OUT/$tool.partial" "./$tool/main" 2>&1 | count_packages "$tool")
    mv "$OUT/$tool.partial" "$OUT/$tool"
  done
fi
# sed reads to the end (head would close the pipe early: SIGPIPE under pipefail).
"$OUT/ferretdb" --version | sed -n 1p
"$OUT/mongodump" --version | sed -n 1p

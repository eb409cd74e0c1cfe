#!/usr/bin/env bash
# "mongod" (the official image's command) starts FerretDB on the official port and data directory; anything else runs
# as given (a toolbox, a check).
set -Eeuo pipefail
if [ "${1:-}" = 'mongod' ]; then
	exec ferretdb --listen-addr=0.0.0.0:27017 --handler=sqlite --sqlite-url=file:/data/db/ --state-dir=/data/configdb --telemetry=disable --log-level=WARN
fi
exec "$@"

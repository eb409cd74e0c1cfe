#!/usr/bin/env bash
# Entrypoint of the offline QuestDB image, written to behave like the official image's for what dr-drill relies on:
# - QUESTDB_DATA_DIR (default /var/lib/questdb) is the root, passed to the server with -d;
# - started as root, it hands the root's standard directories to the questdb user, then runs the server as that user
#   with gosu (RUN_AS_ROOT=true keeps root; DO_CHOWN=false skips the ownership pass);
# - no arguments: the default server command line; arguments starting with "-" are JVM arguments;
#   a command line starting with /app/bin/java is run as given; JVM_PREPEND adds JVM options.
# The server's exit code is the container's exit code (exec), which is how a failed _restore (exit 55) is seen.
set -Eeo pipefail
export QDB_PACKAGE=${QDB_PACKAGE:-docker}
QUESTDB_DATA_DIR=${QUESTDB_DATA_DIR:-/var/lib/questdb}
RUN_AS_ROOT=${RUN_AS_ROOT:-false}
DO_CHOWN=${DO_CHOWN:-true}
QUESTDB_UID=${QUESTDB_UID:-$(id -u questdb)}
QUESTDB_GID=${QUESTDB_GID:-$(id -g questdb)}
JAVA_COMMAND=/app/bin/java
if [ -n "${JVM_PREPEND:-}" ]; then JAVA_COMMAND="$JAVA_COMMAND $JVM_PREPEND"; fi

own_root() {
	chown "$QUESTDB_UID:$QUESTDB_GID" "$QUESTDB_DATA_DIR"
	local dir
	for dir in conf public db .checkpoint snapshot; do
		if [ -e "$QUESTDB_DATA_DIR/$dir" ]; then
			find "$QUESTDB_DATA_DIR/$dir" \( ! -user "$QUESTDB_UID" -o ! -group "$QUESTDB_GID" \) -exec chown "$QUESTDB_UID:$QUESTDB_GID" '{}' +
		fi
	done
}

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2086 # JAVA_COMMAND may carry JVM_PREPEND options
	set -- $JAVA_COMMAND -XX:+UseParallelGC -XX:ErrorFile="$QUESTDB_DATA_DIR/db/hs_err_pid+%p.log" -Dout="$QUESTDB_DATA_DIR/conf/log.conf" \
		-m io.questdb/io.questdb.ServerMain -d "$QUESTDB_DATA_DIR" -f
elif [ "${1:0:1}" = '-' ]; then
	# shellcheck disable=SC2086
	set -- $JAVA_COMMAND "$@"
fi

if [ "$(id -u)" = '0' ] && [ "$RUN_AS_ROOT" = 'false' ]; then
	echo "Running as questdb user"
	if [ "$DO_CHOWN" = 'true' ]; then own_root; fi
	exec gosu "$QUESTDB_UID:$QUESTDB_GID" "$@"
fi
echo "Running as $(id -un 2>/dev/null || id -u) user"
exec "$@"

#!/bin/bash
# Entrypoint of the offline Neo4j image, written to behave like the official image's for what dr-drill relies on:
# - `neo4j` (the default command): NEO4J_AUTH=neo4j/<password> sets the initial password on a data directory that has
#   none yet (NEO4J_AUTH=none switches authentication off), NEO4J_<setting> variables are appended to neo4j.conf
#   (`_` for `.`, `__` for `_`), the server listens on every interface, and it runs as neo4j (uid 7474) in the
#   foreground;
# - any other command (e.g. `neo4j-admin database dump neo4j --to-path=/backups`) runs as neo4j too.
set -Eeo pipefail
conf="${NEO4J_HOME}/conf/neo4j.conf"
as_neo4j=()
if [ "$(id -u)" = 0 ]; then
	chown -R neo4j:neo4j /data /logs
	as_neo4j=(gosu neo4j:neo4j)
fi

if [ "${1:-}" = neo4j ]; then
	{
		echo "server.default_listen_address=0.0.0.0"
		echo "server.directories.data=/data"
		echo "server.directories.logs=/logs"
		while IFS='=' read -r name value; do
			case "$name" in
				NEO4J_AUTH|NEO4J_HOME|NEO4J_EDITION|NEO4J_CONF|NEO4J_JAVA_OPTS|NEO4J_ADMIN_JAVA_OPTS) continue ;;
			esac
			setting=$(echo "${name#NEO4J_}" | sed -e 's/__/\x01/g' -e 's/_/./g' -e 's/\x01/_/g')
			echo "${setting}=${value}"
		done < <(env | grep '^NEO4J_' || true)
	} > "$conf"
	chown neo4j:neo4j "$conf"
	if [ "${NEO4J_AUTH:-}" = none ]; then
		echo "dbms.security.auth_enabled=false" >> "$conf"
	elif [ -n "${NEO4J_AUTH:-}" ] && [ ! -e /data/dbms/auth.ini ] && [ ! -d /data/databases/system ]; then
		"${as_neo4j[@]}" neo4j-admin dbms set-initial-password "${NEO4J_AUTH#neo4j/}" > /dev/null
	fi
	exec "${as_neo4j[@]}" neo4j console
fi
exec "${as_neo4j[@]}" "$@"

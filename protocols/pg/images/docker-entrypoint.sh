#!/usr/bin/env bash
# Offline re-implementation of the official postgres image's entrypoint, covering
# what dr-drill relies on: same env vars, same first-run init, same "existing
# PGDATA is used as-is" behaviour (which is what makes restores work).
set -Eeuo pipefail

# VAR or VAR_FILE (Docker secrets), exactly one of them, like the official image.
file_env() {
	local var="$1" fileVar="${1}_FILE" val="${2:-}"
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
		exit 1
	fi
	if [ -n "${!var:-}" ]; then val="${!var}"
	elif [ -n "${!fileVar:-}" ]; then val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# psql against the socket-only temporary server.
process_sql() {
	PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

# First-run initialisation: only ever called on a directory without PG_VERSION.
# Arguments are the server options (the command line minus "postgres").
init_cluster() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.

			       See PostgreSQL documentation about "trust":
			       https://www.postgresql.org/docs/current/auth-trust.html
		EOE
		exit 1
	fi
	# fail before initdb (not half-way through) if the scripts dir is unreadable
	ls /docker-entrypoint-initdb.d/ > /dev/null

	# POSTGRES_INITDB_ARGS is a shell-quoted string, hence eval (as upstream does);
	# the "\n" is needed because --pwfile rejects a truly empty file.
	eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"

	# Remote access uses the server's password_encryption (scram-sha-256 on 14+)
	# unless POSTGRES_HOST_AUTH_METHOD overrides it.
	local auth="${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption "$@")}"
	printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

	# Temporary server on the unix socket only, so nothing can connect over TCP
	# before setup is finished. PGPASSWORD covers --auth-local=scram-sha-256 etc.
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -w start \
		-o "$(printf '%q ' "$@" -c listen_addresses='' -p "${PGPORT:-5432}")"

	if [ "$POSTGRES_DB" != 'postgres' ]; then
		process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi

	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)  # executable scripts run, others are sourced (upstream semantics)
				if [ -x "$f" ]; then echo "$0: running $f"; "$f"
				else echo "$0: sourcing $f"; . "$f"; fi ;;
			*.sql)     echo "$0: running $f"; process_sql --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz)  echo "$0: running $f"; gunzip -c "$f" | process_sql --dbname "$POSTGRES_DB" ;;
			*.sql.xz)  echo "$0: running $f"; xzcat "$f" | process_sql --dbname "$POSTGRES_DB" ;;
			*.sql.zst) echo "$0: running $f"; zstd -dc "$f" | process_sql --dbname "$POSTGRES_DB" ;;
			*'/*')     ;; # empty directory: the glob did not match
			*)         echo "$0: ignoring $f" ;;
		esac
	done

	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
	unset PGPASSWORD
	printf '\nPostgreSQL init process complete; ready for start up.\n\n'
}

# "docker run image -c foo=bar" means "postgres -c foo=bar", as upstream.
if [ "${1:-}" ] && [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

want_help=
for arg; do
	case "$arg" in -'?'|--help|--describe-config|-V|--version) want_help=1 ;; esac
done

if [ "${1:-}" = 'postgres' ] && [ -z "$want_help" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"

	if [ "$(id -u)" = '0' ]; then
		# A restored PGDATA is often copied in as root (docker cp, tar): hand it all
		# to postgres and tighten the mode, or the server refuses to start.
		mkdir -p "$PGDATA" /var/run/postgresql
		find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
		chmod 700 "$PGDATA"
		exec gosu postgres "$BASH_SOURCE" "$@"
	fi
	# Started with --user: do what we can, postgres itself reports anything fatal.
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA" || :

	# PG_VERSION marks an existing cluster (fresh or restored): never re-init it.
	if [ -s "$PGDATA/PG_VERSION" ]; then
		printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
	else
		init_cluster "${@:2}"
	fi
fi

exec "$@"

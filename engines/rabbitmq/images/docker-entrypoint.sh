#!/bin/bash
# Offline re-implementation of the official rabbitmq image's entrypoint (docker-library/rabbitmq docker-entrypoint.sh,
# 3.9+): as root, hand the data directory to rabbitmq (a restored Mnesia base is often copied in as root) and step
# down with gosu; then run the command.
set -euo pipefail

if [[ "${1:-}" == rabbitmq* ]] && [ "$(id -u)" = '0' ]; then
	if [ "$1" = 'rabbitmq-server' ]; then
		find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' +
	fi
	exec gosu rabbitmq "$BASH_SOURCE" "$@"
fi

exec "$@"

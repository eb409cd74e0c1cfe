#!/bin/sh
# As the official eclipse-mosquitto image's entrypoint: started as root, hand /mosquitto to the mosquitto user (a
# restored mosquitto.db copied in as root must stay readable and writable), then run the command.
set -e
if [ "$(id -u)" = '0' ]; then
	[ -d "/mosquitto" ] && chown -R mosquitto:mosquitto /mosquitto || true
fi
exec "$@"

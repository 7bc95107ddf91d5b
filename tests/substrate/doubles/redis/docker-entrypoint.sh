#!/bin/sh
# Entrypoint of the redis:7 test double, after the official one.
set -e

# First arg `-f`/`--some-option` or `something.conf`: run redis-server with it.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
	# The official build compiles in protected-mode=no (it binds all interfaces
	# by default already); Debian's binary defaults to yes. Without a config
	# file, prepend the official default so later user args still override it.
	case "${2:-}" in
		''|-*) shift; set -- redis-server --protected-mode no "$@" ;;
	esac
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi
exec "$@"

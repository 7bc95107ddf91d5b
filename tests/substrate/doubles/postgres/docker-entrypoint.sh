#!/usr/bin/env bash
# Entrypoint of the postgres:15 test double: a compact re-implementation of the
# official docker-entrypoint.sh contract (env vars, *_FILE secrets, initdb.d
# scripts on first init only, privilege drop, exec postgres).
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR or VAR_FILE (docker secrets), never both.
file_env() {
	local var=$1 fileVar="${1}_FILE" def=${2:-} val
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	val=$def
	if [ -n "${!var:-}" ]; then
		val=${!var}
	elif [ -n "${!fileVar:-}" ]; then
		val=$(<"${!fileVar}")
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`.
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

# As root: own the data and socket dirs, then re-exec as postgres.
if [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA" || :
	chmod 03775 /var/run/postgresql || :
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=}"

if [ -s "$PGDATA/PG_VERSION" ]; then
	echo
	echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	echo
	exec "$@"
fi

if [ -z "$POSTGRES_PASSWORD" ] && [ 'trust' != "$POSTGRES_HOST_AUTH_METHOD" ]; then
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

mkdir -p "$PGDATA"
chmod 00700 "$PGDATA"
# initdb leaves local socket and loopback as trust (like official); only the
# superuser password is set here. Word splitting of INITDB_ARGS is intended.
# shellcheck disable=SC2086
initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS

# Remote (non-loopback) TCP: password auth with the server's encryption method.
auth=${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption)}
{
	echo
	[ "$auth" != trust ] || echo '# warning trust is enabled for all connections'
	echo "host all all all $auth"
} >>"$PGDATA/pg_hba.conf"

# Temporary server on the socket only, so nobody connects before init is done.
pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

psql_cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
if [ "$POSTGRES_DB" != 'postgres' ]; then
	PGDATABASE=postgres "${psql_cmd[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
		CREATE DATABASE :"db" ;
	EOSQL
	echo
fi

export PGPASSWORD=$POSTGRES_PASSWORD PGUSER=$POSTGRES_USER PGDATABASE=$POSTGRES_DB
echo
for f in /docker-entrypoint-initdb.d/*; do
	case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				echo "$0: running $f"; "$f"
			else
				echo "$0: sourcing $f"; . "$f"
			fi
			;;
		*.sql) echo "$0: running $f"; "${psql_cmd[@]}" --dbname "$POSTGRES_DB" -f "$f"; echo ;;
		*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql_cmd[@]}" --dbname "$POSTGRES_DB"; echo ;;
		*) [ ! -e "$f" ] || echo "$0: ignoring $f" ;;
	esac
done
unset PGPASSWORD

pg_ctl -D "$PGDATA" -m fast -w stop

echo
echo 'PostgreSQL init process complete; ready for start up.'
echo
exec "$@"

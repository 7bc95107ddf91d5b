#!/usr/bin/env bash
# initdb script of the postgis double, after the official initdb-postgis.sh: a
# template_postgis database, then PostGIS and its companions in it and in
# $POSTGRES_DB. Run by the entrypoint (executable) with PGUSER/PGPASSWORD set.
set -Eeo pipefail
psql_cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)

"${psql_cmd[@]}" --dbname postgres <<-'EOSQL'
	CREATE DATABASE template_postgis IS_TEMPLATE true;
EOSQL

for db in template_postgis "$POSTGRES_DB"; do
	echo "Loading PostGIS extensions into $db"
	"${psql_cmd[@]}" --dbname "$db" <<-'EOSQL'
		CREATE EXTENSION IF NOT EXISTS postgis;
		CREATE EXTENSION IF NOT EXISTS postgis_topology;
		-- Reconnect to update pg_settings.resetval (postgis/docker-postgis#288).
		\c
		CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
		CREATE EXTENSION IF NOT EXISTS postgis_tiger_geocoder;
	EOSQL
done

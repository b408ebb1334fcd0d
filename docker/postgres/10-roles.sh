#!/bin/sh
# docker-entrypoint-initdb.d: runs once, when the data volume is empty, as the superuser.
set -eu
psql --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner="$TICKETS_OWNER_USER" -v owner_password="$TICKETS_OWNER_PASSWORD" \
  -v app="$TICKETS_APP_USER" -v app_password="$TICKETS_APP_PASSWORD" \
  -f /docker-entrypoint-initdb.d/roles.psql

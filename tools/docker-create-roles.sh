#!/bin/sh
# Runs once, at the database container's first start (docker-entrypoint-initdb.d): creates the
# owner and application roles and the database of tools/create-roles.sql, with the passwords
# from .env. Hex passwords (`openssl rand -hex 24`) need no quoting in the URLs.
set -eu
for password in "$COACHLINE_OWNER_PASSWORD" "$COACHLINE_APP_PASSWORD"; do
  case "$password" in
    *\'* | *@* | */* | *:* | *%* | *\ *)
      echo "coachline: use passwords without quotes, spaces, @, /, : or % (e.g. openssl rand -hex 24)" >&2
      exit 1 ;;
  esac
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="'$COACHLINE_OWNER_PASSWORD'" \
  -v app_password="'$COACHLINE_APP_PASSWORD'" \
  -f /coachline/create-roles.sql

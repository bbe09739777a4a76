-- The two database roles of an installation, run once by a PostgreSQL superuser:
--   psql -v owner_password="'...'" -v app_password="'...'" -f tools/create-roles.sql postgres
-- coachline_owner owns the database and its tables and runs the migrations
-- (COACHLINE_MIGRATE_DATABASE_URL); coachline_app is what the server connects as
-- (DATABASE_URL): it owns nothing, cannot alter, truncate or delete the record, and only
-- appends to the access log. The migrations grant coachline_app its rights.
\if :{?owner_password}
\else
  \set owner_password 'NULL'
\endif
\if :{?app_password}
\else
  \set app_password 'NULL'
\endif
create role coachline_owner login password :owner_password;
create role coachline_app login password :app_password;
create database coachline owner coachline_owner;

-- The server connects as `coachline_app`, a role that owns nothing: it reads and writes rows,
-- but it cannot alter a table, disable a trigger, truncate, or delete from the record. The
-- tables belong to the role that runs the migrations. What the application role may do with
-- each table is decided here, in one place: `app_role_rules` and `app_role_grants()`.

-- The role is created when the migrating role may create roles (a development database);
-- an installation creates it beforehand, with a password, as the README shows.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'coachline_app') then
        if not exists (select 1 from pg_roles where rolname = current_user
                                              and (rolsuper or rolcreaterole)) then
            raise exception 'create the role coachline_app before migrating (see the README)';
        end if;
        create role coachline_app nologin;
    end if;
exception
    -- Another database on the same server created it at the same moment.
    when duplicate_object or unique_violation then null;
end
$$;

-- Nobody but the owner creates objects (PostgreSQL 15's default, stated for older servers).
revoke create on schema public from public;

-- Every table not named here: select, insert and update, never delete.
--   append_only: select and insert only (clinical records, history, the access log)
--   deletable:   also delete (sessions, uploads waiting for confirmation, a patient's contacts)
--   read_only:   select only (the migrations' own bookkeeping)
create table app_role_rules (
    table_name  text primary key,
    rule        text not null check (rule in ('append_only', 'deletable', 'read_only'))
);
insert into app_role_rules (table_name, rule) values
    ('access_log', 'append_only'),
    ('calls', 'append_only'),
    ('call_amendments', 'append_only'),
    ('status_changes', 'append_only'),
    ('plan_prints', 'append_only'),
    ('questionnaire_responses', 'append_only'),
    ('questionnaire_answers', 'append_only'),
    ('goal_progress', 'append_only'),
    ('letter_runs', 'append_only'),
    ('letters', 'append_only'),
    ('sessions', 'deletable'),
    ('pending_imports', 'deletable'),
    ('patient_contacts', 'deletable'),
    ('login_attempts', 'deletable'),
    ('_sqlx_migrations', 'read_only'),
    ('app_role_rules', 'read_only');

-- Applies the rules to every table there is. Run after each migration by `coachline migrate`,
-- so a table added later is covered even if it was created by another role.
create function app_role_grants() returns void language plpgsql as $$
declare
    r record;
begin
    revoke all on all tables in schema public from coachline_app;
    revoke all on all sequences in schema public from coachline_app;
    grant select, insert, update on all tables in schema public to coachline_app;
    grant usage, select on all sequences in schema public to coachline_app;
    for r in select table_name, rule from app_role_rules
              where to_regclass(format('public.%I', table_name)) is not null loop
        if r.rule = 'append_only' then
            execute format('revoke update on public.%I from coachline_app', r.table_name);
        elsif r.rule = 'deletable' then
            execute format('grant delete on public.%I to coachline_app', r.table_name);
        else
            execute format('revoke insert, update on public.%I from coachline_app', r.table_name);
        end if;
    end loop;
end;
$$;
revoke execute on function app_role_grants() from public;

-- Tables and sequences created by later migrations get the ordinary rights at once.
alter default privileges in schema public grant select, insert, update on tables to coachline_app;
alter default privileges in schema public grant usage, select on sequences to coachline_app;

select app_role_grants();

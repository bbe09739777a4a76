-- Who has held each patient: every change of the responsible nurse (an assignment, a move, a
-- return, the initial meeting with another nurse, a course started) kept by a trigger, with who
-- made it (`coachline.user_id`, see `db::set_actor`). Today tells a nurse who is new on her
-- caseload from it. Append-only for the application.
create table nurse_changes (
    id             bigserial primary key,
    patient_id     bigint not null references patients (id),
    from_nurse_id  bigint references users (id),
    to_nurse_id    bigint references users (id),
    changed_by     bigint references users (id),
    at             timestamptz not null default now()
);
create index nurse_changes_to_idx on nurse_changes (to_nurse_id, at desc);

create function patients_keep_nurse_change() returns trigger language plpgsql as $$
begin
    insert into nurse_changes (patient_id, from_nurse_id, to_nurse_id, changed_by)
    values (new.id, old.nurse_id, new.nurse_id, nullif(current_setting('coachline.user_id', true), '')::bigint);
    return null;
end;
$$;

create trigger patients_nurse_changed after update of nurse_id on patients
    for each row when (old.nurse_id is distinct from new.nurse_id)
    execute function patients_keep_nurse_change();

insert into app_role_rules (table_name, rule) values ('nurse_changes', 'append_only')
on conflict (table_name) do update set rule = excluded.rule;

select app_role_grants();

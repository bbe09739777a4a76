-- New patients arrive 15,000 at a time: write their first status history in one statement per
-- insert instead of one trigger call per row. Changes of status stay checked row by row.

drop trigger patients_status_change on patients;

create trigger patients_status_change after update of status on patients
    for each row execute function patients_status_change();

create function patients_status_insert() returns trigger language plpgsql as $$
begin
    insert into status_changes (patient_id, from_status, to_status, changed_by)
    select id, null, status, nullif(current_setting('coachline.user_id', true), '')::bigint
      from new_patients;
    return null;
end;
$$;

create trigger patients_status_insert after insert on patients
    referencing new table as new_patients
    for each statement execute function patients_status_insert();

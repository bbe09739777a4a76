-- Records that cannot say the impossible: a course starts no earlier than the invitation, ends
-- (or records a death) no earlier than the last contact with the patient, and an initial
-- meeting's outcome is recorded no earlier than the meeting. Dates are days in the centre's zone.

-- The day a person was invited: the day their list was imported.
create function invited_on(patient bigint) returns date
language sql stable as $$
    select (p.created_at at time zone c.timezone)::date
      from patients p join centres c on c.id = p.centre_id
     where p.id = patient
$$;

-- The day of the last contact with the patient: a call that reached them, or the initial
-- meeting held. A failed attempt is no contact (a patient may have died before it).
create function last_contact_on(patient bigint) returns date
language sql stable as $$
    select max(d) from (
        select (k.called_at at time zone c.timezone)::date as d
          from calls k join patients p on p.id = k.patient_id join centres c on c.id = p.centre_id
         where k.patient_id = patient and k.outcome = 'reached'
        union all
        select (a.starts_at at time zone c.timezone)::date
          from appointments a join patients p on p.id = a.patient_id join centres c on c.id = p.centre_id
         where a.patient_id = patient and a.kind = 'meeting' and a.status = 'done'
    ) contacts
$$;

-- Only what changes is checked, so a course recorded before these rules can still be ended.
create function courses_dates_possible() returns trigger language plpgsql as $$
begin
    if (tg_op = 'INSERT' or new.start_date is distinct from old.start_date)
       and new.start_date < invited_on(new.patient_id) then
        raise exception 'a course cannot start before the patient was invited'
            using errcode = 'check_violation', constraint = 'courses_start_not_before_invitation';
    end if;
    if new.end_date is not null
       and (tg_op = 'INSERT' or new.end_date is distinct from old.end_date)
       and new.end_date < last_contact_on(new.patient_id) then
        raise exception 'a course cannot end before the last contact with the patient'
            using errcode = 'check_violation', constraint = 'courses_end_not_before_last_contact';
    end if;
    return new;
end;
$$;
create trigger courses_dates_possible before insert or update of start_date, end_date on courses
    for each row execute function courses_dates_possible();

-- The other side of the same rule: no call reaches a patient after their course ended. The
-- course row is locked, so a call and the ending cannot pass each other unseen.
create function calls_within_course() returns trigger language plpgsql as $$
declare
    ended date;
begin
    if new.outcome = 'reached' and new.course_id is not null then
        select co.end_date into ended from courses co where co.id = new.course_id for share;
        if ended is not null and ended < (select (new.called_at at time zone c.timezone)::date
                                            from patients p join centres c on c.id = p.centre_id
                                           where p.id = new.patient_id) then
            raise exception 'a course cannot end before the last contact with the patient'
                using errcode = 'check_violation', constraint = 'courses_end_not_before_last_contact';
        end if;
    end if;
    return new;
end;
$$;
create trigger calls_within_course before insert on calls
    for each row execute function calls_within_course();

-- When an initial meeting's outcome was recorded. Meetings held before this column existed
-- have none; every outcome recorded from now on has one, and it is not before the meeting.
alter table appointments add column outcome_recorded_at timestamptz;
alter table appointments add constraint appointments_outcome_not_before_meeting
    check (kind <> 'meeting' or outcome_recorded_at is null or outcome_recorded_at >= starts_at);
alter table appointments add constraint appointments_meeting_outcome_recorded
    check (kind <> 'meeting' or status <> 'done' or outcome_recorded_at is not null) not valid;

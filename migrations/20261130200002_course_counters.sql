-- What Today and My patients show of each patient's open course, kept on the course in the same
-- transaction as the write that changes it, so the lists read one row per patient instead of
-- counting calls and searching bookings on every view. Each column is recomputed from its
-- definition (for every patient a statement touched), never incremented, so it cannot drift:
--
--   reached_calls      calls that reached the patient in this course
--   last_call_at/_outcome  the patient's latest call
--   failed_in_row      attempts in a row without reaching the patient, by `failed_attempts`
--                      (the safety net's own rule) with every call counted
--   next_call_at       the patient's earliest booked (scheduled) call
--
-- Only open courses are kept current; an ended course keeps what it had when it ended.
-- The latest call that reached a patient: read for the failed attempts in a row. Without it the
-- planner may read every reached call of the centre for each patient, as it did when a year of
-- calls was written in one statement before any statistics existed.
create index calls_patient_reached_idx on calls (patient_id, called_at) where outcome = 'reached';

alter table courses
    add column reached_calls integer not null default 0,
    add column last_call_at timestamptz,
    add column last_call_outcome text,
    add column failed_in_row integer not null default 0,
    add column next_call_at timestamptz;

-- Recomputes the columns of the open courses of `patient_ids`. The courses are locked first and
-- the columns computed in a statement of their own, so of two transactions writing for one
-- patient at once the second waits and then counts the first's rows too.
create function refresh_course_counters(patient_ids bigint[]) returns void
language plpgsql volatile as $$
begin
    perform 1 from courses c where c.patient_id = any(patient_ids) and c.end_date is null
        order by c.id for no key update;
    update courses co
       set reached_calls = (select count(*) from calls x where x.course_id = co.id and x.outcome = 'reached'),
           last_call_at = lc.called_at,
           last_call_outcome = lc.outcome,
           failed_in_row = (select f.n from failed_attempts(co.patient_id, 'infinity') f),
           next_call_at = (select min(a.starts_at) from appointments a
                            where a.patient_id = co.patient_id and a.kind = 'call' and a.status = 'scheduled')
      from courses c
      left join lateral (select x.called_at, x.outcome from calls x where x.patient_id = c.patient_id
                          order by x.called_at desc limit 1) lc on true
     where co.id = c.id and c.patient_id = any(patient_ids) and c.end_date is null;
end
$$;

create function calls_refresh_course_counters() returns trigger
language plpgsql as $$
begin
    perform refresh_course_counters(array(select distinct patient_id from changed));
    return null;
end
$$;

-- Calls are append-only: only an insert changes what they count.
create trigger calls_refresh_course_counters after insert on calls
    referencing new table as changed
    for each statement execute function calls_refresh_course_counters();

create function appointments_refresh_course_counters() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform refresh_course_counters(array(select distinct patient_id from new_rows));
    elsif tg_op = 'UPDATE' then
        perform refresh_course_counters(array(select patient_id from new_rows
                                              union select patient_id from old_rows));
    else
        perform refresh_course_counters(array(select distinct patient_id from old_rows));
    end if;
    return null;
end
$$;

create trigger appointments_counters_insert after insert on appointments
    referencing new table as new_rows
    for each statement execute function appointments_refresh_course_counters();
create trigger appointments_counters_update after update on appointments
    referencing new table as new_rows old table as old_rows
    for each statement execute function appointments_refresh_course_counters();
create trigger appointments_counters_delete after delete on appointments
    referencing old table as old_rows
    for each statement execute function appointments_refresh_course_counters();

-- A course that opens (or whose dates change) starts from the patient's calls and bookings.
create function courses_refresh_course_counters() returns trigger
language plpgsql as $$
begin
    if new.end_date is null then
        perform refresh_course_counters(array[new.patient_id]);
    end if;
    return null;
end
$$;

create trigger courses_refresh_course_counters after insert or update of start_date, end_date on courses
    for each row execute function courses_refresh_course_counters();

-- The courses open now start right.
select refresh_course_counters(array(select patient_id from courses where end_date is null));

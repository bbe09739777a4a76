-- A call locks the patient's open course once, before it is written, in the mode its counts
-- and nets will need. Before, the check that no reached call falls after the course's end took
-- a share lock on the course, and the statement's trigger then asked for the stronger lock to
-- recompute the course's counts: two calls for one patient at the same moment (the same form
-- sent twice, or two people logging at once) each held the share lock and waited for the other
-- to give it up, and one of them failed as a deadlock. Now the second call waits at the start
-- for the first to finish, then goes on (or, for the same form, finds it stored).
create or replace function calls_within_course() returns trigger language plpgsql as $$
declare
    ended date;
begin
    perform 1 from courses co where co.patient_id = new.patient_id and co.end_date is null
        for no key update;
    if new.outcome = 'reached' and new.course_id is not null then
        select co.end_date into ended from courses co where co.id = new.course_id for no key update;
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

-- No course runs past nine months without a stated reason: a call cannot be booked after the
-- nine-month mark of its course unless `courses.extension_reason` says why.
create function appointments_within_course_limit() returns trigger language plpgsql as $$
begin
    if new.kind = 'call' and new.status = 'scheduled' and exists (
        select 1
          from courses c
          join patients p on p.id = c.patient_id
          join centres ce on ce.id = p.centre_id
         where c.id = new.course_id
           and c.extension_reason is null
           and (new.starts_at at time zone ce.timezone)::date > c.start_date + interval '9 months'
    ) then
        raise exception 'a course past nine months needs a stated reason to continue'
            using errcode = 'check_violation', constraint = 'courses_nine_month_limit';
    end if;
    return new;
end;
$$;
create trigger appointments_within_course_limit before insert on appointments
    for each row execute function appointments_within_course_limit();

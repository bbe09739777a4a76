-- Days with a failed attempt to reach the patient since the last call that reached them, in
-- the open course, counted in the centre's zone `tz`: three or more mean "possibly
-- unreachable". One definition for Today, My patients and the call page.

create function failed_call_days(patient bigint, tz text) returns bigint
language sql stable as $$
    select count(distinct (x.called_at at time zone tz)::date)
      from calls x join courses c on c.id = x.course_id and c.end_date is null
     where x.patient_id = patient and x.outcome <> 'reached'
       and x.called_at > coalesce((select max(r.called_at) from calls r
                                    where r.patient_id = patient and r.outcome = 'reached'), '-infinity')
$$;

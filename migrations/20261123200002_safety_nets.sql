-- The safety nets: computed on every read from the patients, courses, calls and appointments,
-- never stored as flags, so they cannot go stale. One row per patient and net, with the date
-- (in the centre's zone) since which the patient has been caught in it.

create function working_days_after(from_date date, to_date date) returns integer
language sql immutable as $$
    select count(*)::integer from generate_series(from_date + 1, to_date, interval '1 day') d
     where extract(isodow from d) < 6
$$;

create view safety_net_entries as
-- Not materialized, so a filter on the centre reaches every branch.
with local as not materialized (
    select p.id as patient_id, p.centre_id, p.status, (now() at time zone c.timezone)::date as today,
           c.timezone
      from patients p join centres c on c.id = p.centre_id
     where p.status = 'active'
)
-- Active patients with no future call booked: since the last call, or the start of the course.
select l.centre_id, 'no_call_booked'::text as net, l.patient_id,
       coalesce((select max(k.called_at at time zone l.timezone)::date from calls k where k.patient_id = l.patient_id),
                (select max(co.start_date) from courses co where co.patient_id = l.patient_id),
                l.today) as since
  from local l
 where not exists (select 1 from appointments a where a.patient_id = l.patient_id and a.kind = 'call'
                    and a.status = 'scheduled' and a.starts_at > now())
union all
-- Calls still booked more than two working days after their time: since the earliest.
select l.centre_id, 'call_overdue', l.patient_id, min((a.starts_at at time zone l.timezone)::date)
  from local l join appointments a on a.patient_id = l.patient_id
 where a.kind = 'call' and a.status = 'scheduled' and a.starts_at < now()
   and working_days_after((a.starts_at at time zone l.timezone)::date, l.today) > 2
 group by l.centre_id, l.patient_id
union all
-- The last three calls all went unanswered: since the first of them.
select l.centre_id, 'three_no_answers', l.patient_id, (min(t.called_at) at time zone l.timezone)::date
  from local l
  cross join lateral (select k.called_at, k.outcome from calls k where k.patient_id = l.patient_id
                       order by k.called_at desc limit 3) t
 group by l.centre_id, l.patient_id, l.timezone
having count(*) = 3 and bool_and(t.outcome in ('no_answer', 'voicemail'))
union all
-- Courses past six months without an ending planned: since the six months were up.
select l.centre_id, 'past_six_months', l.patient_id, (co.start_date + interval '6 months')::date
  from local l join courses co on co.patient_id = l.patient_id and co.end_date is null
 where co.start_date + interval '6 months' <= l.today and not co.ending_planned
union all
-- Courses past nine months without a stated reason: since the nine months were up.
select l.centre_id, 'past_nine_months', l.patient_id, (co.start_date + interval '9 months')::date
  from local l join courses co on co.patient_id = l.patient_id and co.end_date is null
 where co.start_date + interval '9 months' <= l.today
   and length(trim(coalesce(co.extension_reason, ''))) = 0;

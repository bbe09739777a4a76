-- The safety nets, unchanged in meaning, read the open course's kept count of failed attempts
-- (`20261130200002_course_counters.sql`) to skip counting the calls of every patient at every
-- view: `failed_attempts` runs only for patients the kept count puts at the centre's limit, or
-- with a call after the moment asked about (where the kept count, which counts every call,
-- does not apply). The booked contacts of a nurse who cannot work are found by the user's key
-- instead of by joining every user for every patient, and the open course is joined (there is
-- at most one) rather than looked up and sorted for each patient in each net. The latest call
-- and whether a call is booked come from the course's kept columns where they apply.
-- The definition stays the one in `20261129000001_one_safety_net.sql`,
-- replaced here as a whole.

create or replace function safety_nets(moment timestamptz)
returns table (centre_id bigint, net text, patient_id bigint, nurse_id bigint, since date)
language sql stable as $$
with local as not materialized (
    select p.id as patient_id, p.centre_id, p.nurse_id, p.status, c.timezone,
           (moment at time zone c.timezone)::date as today,
           c.overdue_after_days, c.failed_attempts_limit, c.longest_gap_days,
           co.id as course_id, co.start_date, co.ending_planned, co.ending_planned_at,
           length(trim(coalesce(co.extension_reason, ''))) > 0 as continued,
           co.failed_in_row, co.last_call_at, co.next_call_at
      from patients p
      join centres c on c.id = p.centre_id
      -- At most one open course per patient (`courses_one_open_per_patient`): a plain join.
      left join courses co on co.patient_id = p.id and co.end_date is null
     where p.status = 'active' and p.arm is distinct from 'control'
),
last_call as not materialized (
    -- The open course keeps the latest call and the next booked call; the latest call at
    -- `moment` is the kept one unless a call was made after `moment`.
    select l.*, case when l.course_id is not null and coalesce(l.last_call_at <= moment, true)
                     then l.last_call_at
                     else (select max(k.called_at) from calls k
                            where k.patient_id = l.patient_id and k.called_at <= moment) end
                as last_called_at,
           case when l.course_id is not null then l.next_call_at is not null
                else exists (select 1 from appointments a where a.patient_id = l.patient_id and a.kind = 'call'
                              and a.status = 'scheduled') end as booked
      from local l
)
select l.centre_id, 'no_call_booked'::text, l.patient_id, l.nurse_id,
       coalesce((l.last_called_at at time zone l.timezone)::date, l.start_date, l.today)
  from last_call l
 where not l.booked and not coalesce(l.ending_planned, false)
union all
select l.centre_id, 'ending_planned', l.patient_id, l.nurse_id,
       coalesce((l.ending_planned_at at time zone l.timezone)::date,
                (l.last_called_at at time zone l.timezone)::date, l.today)
  from last_call l
 where not l.booked and l.ending_planned
union all
select l.centre_id, 'call_overdue', l.patient_id, l.nurse_id, min((a.starts_at at time zone l.timezone)::date)
  from local l join appointments a on a.patient_id = l.patient_id
 where a.kind = 'call' and a.status = 'scheduled'
   and (a.starts_at at time zone l.timezone)::date < l.today - l.overdue_after_days
 group by l.centre_id, l.patient_id, l.nurse_id
union all
select l.centre_id, 'failed_attempts', l.patient_id, l.nurse_id, (f.first_at at time zone l.timezone)::date
  from local l
 -- With no call after `moment`, the count at `moment` is the open course's kept count: only
 -- the patients it puts at the limit are counted again (the condition gates the count; `offset
 -- 0` keeps it inside, after the course is joined).
 cross join lateral (select f.* from failed_attempts(l.patient_id, moment) f
                      where l.course_id is null or l.failed_in_row >= l.failed_attempts_limit
                            or l.last_call_at > moment
                     offset 0) f
 where f.n >= l.failed_attempts_limit
union all
select l.centre_id, 'call_too_far', l.patient_id, l.nurse_id, n.base + l.longest_gap_days
  from last_call l
 cross join lateral (
     select greatest(coalesce((l.last_called_at at time zone l.timezone)::date, l.start_date),
                     (a.created_at at time zone l.timezone)::date) as base,
            (a.starts_at at time zone l.timezone)::date as day
       from appointments a
      where a.patient_id = l.patient_id and a.kind = 'call' and a.status = 'scheduled'
      order by a.starts_at limit 1) n
 where n.day > n.base + l.longest_gap_days
union all
select l.centre_id, 'past_six_months', l.patient_id, l.nurse_id, (l.start_date + interval '6 months')::date
  from local l
 where l.start_date + interval '6 months' <= l.today and not l.ending_planned and not l.continued
union all
select l.centre_id, 'past_nine_months', l.patient_id, l.nurse_id, (l.start_date + interval '9 months')::date
  from local l
 where l.start_date + interval '9 months' <= l.today and not l.continued
union all
select p.centre_id, 'nurse_cannot_work', p.id, p.nurse_id, (moment at time zone c.timezone)::date
  from patients p join centres c on c.id = p.centre_id
 where on_caseload(p.status, p.arm)
   and ((p.nurse_id is null and p.status <> 'invited')
        or (p.nurse_id is not null and not exists (
                select 1 from users u where u.id = p.nurse_id and u.role = 'nurse' and u.active
                   and u.centre_id = p.centre_id))
        or exists (select 1 from appointments a
                    where a.patient_id = p.id and a.status = 'scheduled'
                      and not exists (select 1 from users u where u.id = a.nurse_id and u.role = 'nurse'
                                         and u.active and u.centre_id = p.centre_id)))
$$;

-- The failed attempts count from the open course's start in the centre's zone: a centre that
-- changes zone has its courses' counts recomputed.
create function centres_refresh_course_counters() returns trigger
language plpgsql as $$
begin
    perform refresh_course_counters(array(select p.id from patients p where p.centre_id = new.id));
    return null;
end
$$;

create trigger centres_refresh_course_counters after update of timezone on centres
    for each row when (old.timezone is distinct from new.timezone)
    execute function centres_refresh_course_counters();

-- The safety nets, unchanged in meaning, read each patient once. Before, every net was a
-- branch of its own that read the centre's active patients again (seven passes over 50,000
-- patients for a centre at ten times the programme, 2.6 s); now one pass over the patients
-- with their open course decides every net of the course from the course's kept columns
-- (`20261130200002_course_counters.sql`), and reads calls or bookings only for the few
-- patients those columns put near a net:
--
--   call_overdue      the course keeps its earliest booked call (`next_call_at`): overdue when
--                     that call's day is before today less the centre's days; bookings are read
--                     only for a patient without an open course
--   call_too_far      the earliest booked call is read (for the day it was booked) only when its
--                     day lies too far after the last call or the course start, which the net's
--                     condition needs in any case
--   failed_attempts   counted only where the kept count puts the patient at the limit
--
-- Each patient's nets are columns (a date or null) turned into rows by `unnest`, for the
-- patients caught in one at least. The nurse who cannot work is decided by joins rather than
-- a search per patient: the responsible nurse, then the centre's booked contacts held by
-- someone who is not an active nurse of the centre.
-- The definition stays the one in `20261129000001_one_safety_net.sql`, replaced as a whole;
-- it stays an inlinable SQL function, so a filter on one patient (the record, Today) reaches
-- every branch.

create or replace function safety_nets(moment timestamptz)
returns table (centre_id bigint, net text, patient_id bigint, nurse_id bigint, since date)
language sql stable as $$
with local as not materialized (
    select p.id as patient_id, p.centre_id, p.nurse_id, p.status, c.timezone,
           (moment at time zone c.timezone)::date as today,
           c.overdue_after_days, c.failed_attempts_limit, c.longest_gap_days,
           co.id as course_id, co.start_date, co.ending_planned, co.ending_planned_at,
           length(trim(coalesce(co.extension_reason, ''))) > 0 as continued,
           co.failed_in_row, co.last_call_at, co.next_call_at,
           (co.next_call_at at time zone c.timezone)::date as next_call_day
      from patients p
      join centres c on c.id = p.centre_id
      -- At most one open course per patient (`courses_one_open_per_patient`): a plain join.
      left join courses co on co.patient_id = p.id and co.end_date is null
     where p.status = 'active' and p.arm is distinct from 'control'
),
last_call as not materialized (
    -- The open course keeps the latest call and the next booked call; the latest call at
    -- `moment` is the kept one unless a call was made after `moment`.
    select l.*, (case when l.course_id is not null and coalesce(l.last_call_at <= moment, true)
                      then l.last_call_at
                      else (select max(k.called_at) from calls k
                             where k.patient_id = l.patient_id and k.called_at <= moment) end
                 at time zone l.timezone)::date as last_call_day,
           case when l.course_id is not null then l.next_call_at is not null
                else exists (select 1 from appointments a where a.patient_id = l.patient_id and a.kind = 'call'
                              and a.status = 'scheduled') end as booked
      from local l
),
nets as not materialized (
    select l.centre_id, l.patient_id, l.nurse_id,
     case when not l.booked and not coalesce(l.ending_planned, false)
          then coalesce(l.last_call_day, l.start_date, l.today) end as no_call_booked,
     case when not l.booked and l.ending_planned
          then coalesce((l.ending_planned_at at time zone l.timezone)::date, l.last_call_day, l.today) end as ending_planned,
     case when l.course_id is null
          then (select min((a.starts_at at time zone l.timezone)::date) from appointments a
                 where a.patient_id = l.patient_id and a.kind = 'call' and a.status = 'scheduled'
                   and (a.starts_at at time zone l.timezone)::date < l.today - l.overdue_after_days)
          when l.next_call_day < l.today - l.overdue_after_days
          then l.next_call_day end as call_overdue,
     -- With no call after `moment`, the count at `moment` is the open course's kept count: only
     -- the patients it puts at the limit are counted again.
     case when l.course_id is null or l.failed_in_row >= l.failed_attempts_limit
               or l.last_call_at > moment
          then (select (f.first_at at time zone l.timezone)::date from failed_attempts(l.patient_id, moment) f
                 where f.n >= l.failed_attempts_limit) end as failed_attempts,
     case when l.course_id is null
               or l.next_call_day > coalesce(l.last_call_day, l.start_date) + l.longest_gap_days
          then (select x.base + l.longest_gap_days
                  from (select greatest(coalesce(l.last_call_day, l.start_date),
                                        (a.created_at at time zone l.timezone)::date) as base,
                               (a.starts_at at time zone l.timezone)::date as day
                          from appointments a
                         where a.patient_id = l.patient_id and a.kind = 'call' and a.status = 'scheduled'
                         order by a.starts_at limit 1) x
                 where x.day > x.base + l.longest_gap_days) end as call_too_far,
     case when l.start_date + interval '6 months' <= l.today and not l.ending_planned and not l.continued
          then (l.start_date + interval '6 months')::date end as past_six_months,
     case when l.start_date + interval '9 months' <= l.today and not l.continued
          then (l.start_date + interval '9 months')::date end as past_nine_months
      from last_call l
)
select n.centre_id, u.net, n.patient_id, n.nurse_id, u.since
  from nets n
 cross join lateral unnest(
     array['no_call_booked', 'ending_planned', 'call_overdue', 'failed_attempts', 'call_too_far',
           'past_six_months', 'past_nine_months'],
     array[n.no_call_booked, n.ending_planned, n.call_overdue, n.failed_attempts, n.call_too_far,
           n.past_six_months, n.past_nine_months]) u (net, since)
 where coalesce(n.no_call_booked, n.ending_planned, n.call_overdue, n.failed_attempts, n.call_too_far,
                n.past_six_months, n.past_nine_months) is not null
   and u.since is not null
union all
select p.centre_id, 'nurse_cannot_work', p.id, p.nurse_id, (moment at time zone c.timezone)::date
  from patients p
  join centres c on c.id = p.centre_id
  left join users u on u.id = p.nurse_id and u.role = 'nurse' and u.active and u.centre_id = p.centre_id
 where on_caseload(p.status, p.arm)
   and ((p.nurse_id is null and p.status <> 'invited') or (p.nurse_id is not null and u.id is null))
union all
select distinct p.centre_id, 'nurse_cannot_work', p.id, p.nurse_id, (moment at time zone c.timezone)::date
  from appointments a
  join patients p on p.id = a.patient_id
  join centres c on c.id = p.centre_id
  left join users u on u.id = p.nurse_id and u.role = 'nurse' and u.active and u.centre_id = p.centre_id
  left join users w on w.id = a.nurse_id and w.role = 'nurse' and w.active and w.centre_id = p.centre_id
 where a.status = 'scheduled' and w.id is null and on_caseload(p.status, p.arm)
   and not ((p.nurse_id is null and p.status <> 'invited') or (p.nurse_id is not null and u.id is null))
$$;

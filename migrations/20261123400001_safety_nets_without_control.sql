-- The control group of the effect study is never coached, so no safety net may catch them:
-- the view is the same as before, with randomised control people left out at its root.

create or replace view safety_net_entries as
with local as not materialized (
    select p.id as patient_id, p.centre_id, p.status, (now() at time zone c.timezone)::date as today,
           c.timezone
      from patients p join centres c on c.id = p.centre_id
     where p.status = 'active' and p.arm is distinct from 'control'
)
select l.centre_id, 'no_call_booked'::text as net, l.patient_id,
       coalesce((select max(k.called_at at time zone l.timezone)::date from calls k where k.patient_id = l.patient_id),
                (select max(co.start_date) from courses co where co.patient_id = l.patient_id),
                l.today) as since
  from local l
 where not exists (select 1 from appointments a where a.patient_id = l.patient_id and a.kind = 'call'
                    and a.status = 'scheduled' and a.starts_at > now())
union all
select l.centre_id, 'call_overdue', l.patient_id, min((a.starts_at at time zone l.timezone)::date)
  from local l join appointments a on a.patient_id = l.patient_id
 where a.kind = 'call' and a.status = 'scheduled' and a.starts_at < now()
   and working_days_after((a.starts_at at time zone l.timezone)::date, l.today) > 2
 group by l.centre_id, l.patient_id
union all
select l.centre_id, 'three_no_answers', l.patient_id, (min(t.called_at) at time zone l.timezone)::date
  from local l
  cross join lateral (select k.called_at, k.outcome from calls k where k.patient_id = l.patient_id
                       order by k.called_at desc limit 3) t
 group by l.centre_id, l.patient_id, l.timezone
having count(*) = 3 and bool_and(t.outcome in ('no_answer', 'voicemail'))
union all
select l.centre_id, 'past_six_months', l.patient_id, (co.start_date + interval '6 months')::date
  from local l join courses co on co.patient_id = l.patient_id and co.end_date is null
 where co.start_date + interval '6 months' <= l.today and not co.ending_planned
union all
select l.centre_id, 'past_nine_months', l.patient_id, (co.start_date + interval '9 months')::date
  from local l join courses co on co.patient_id = l.patient_id and co.end_date is null
 where co.start_date + interval '9 months' <= l.today
   and length(trim(coalesce(co.extension_reason, ''))) = 0;

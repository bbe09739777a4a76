-- No patient falls through. Every safety net is defined once, in `safety_nets(at)`, for an
-- instant the application passes in (its one clock), and every page and count reads it there.
-- The thresholds are settings of the call centre. The database refuses to let a nurse who holds
-- patients or booked contacts stop being an active nurse of her centre, and refuses to give a
-- patient or a booking to anyone who is not one.

-- The centre's thresholds, with the programme's defaults.
alter table centres
    add column overdue_after_days integer not null default 0
        check (overdue_after_days between 0 and 14),
    add column failed_attempts_limit integer not null default 3
        check (failed_attempts_limit between 2 and 10),
    add column longest_gap_days integer not null default 35
        check (longest_gap_days between 7 and 120);

-- "No new call, the course is to end" states why, and when it was decided.
alter table courses
    add column ending_planned_reason text check (ending_planned_reason in (
        'goals_reached', 'patient_wishes', 'moved', 'died', 'unreachable', 'admitted', 'other')),
    add column ending_planned_note text,
    add column ending_planned_at timestamptz,
    add constraint courses_ending_reason_other_needs_text
        check (ending_planned_reason is distinct from 'other'
               or length(trim(coalesce(ending_planned_note, ''))) > 0);

-- A cancelled booking states why.
alter table appointments
    add column cancel_reason text check (cancel_reason in (
        'patient_asked', 'patient_admitted', 'nurse_absent', 'booked_in_error', 'handled_otherwise',
        'course_ended', 'invitation_answered', 'other')),
    add column cancel_note text,
    add constraint appointments_cancel_reason_other_needs_text
        check (cancel_reason is distinct from 'other' or length(trim(coalesce(cancel_note, ''))) > 0);

-- Whether `user_id` may hold patients and bookings of centre `centre`: an active nurse of it.
-- Locks the user's row for share, so a concurrent change of the user waits (or is seen).
create function is_working_nurse(user_id bigint, centre bigint) returns boolean
language sql volatile as $$
    select exists (select 1 from users u
                    where u.id = user_id and u.role = 'nurse' and u.active and u.centre_id = centre
                      for share)
$$;

-- A nurse who holds patients on her caseload or booked contacts stays an active nurse of her
-- centre until the coordinator has moved them: no form, import or later code path gets round it.
create function users_keep_their_patients() returns trigger
language plpgsql as $$
begin
    if old.role = 'nurse'
       and (new.role <> 'nurse' or not new.active or new.centre_id is distinct from old.centre_id)
       and (exists (select 1 from patients p where p.nurse_id = old.id and on_caseload(p.status, p.arm))
            or exists (select 1 from appointments a where a.nurse_id = old.id and a.status = 'scheduled'))
    then
        raise exception 'nurse % still holds patients or booked contacts', old.id
            using errcode = 'check_violation', constraint = 'nurse_holds_patients';
    end if;
    return new;
end
$$;

create trigger users_keep_their_patients before update of role, active, centre_id on users
    for each row execute function users_keep_their_patients();

-- A patient on a caseload is given only to an active nurse of the patient's centre.
create function patients_nurse_can_work() returns trigger
language plpgsql as $$
begin
    if new.nurse_id is not null and on_caseload(new.status, new.arm)
       and (tg_op = 'INSERT' or new.nurse_id is distinct from old.nurse_id
            or new.centre_id is distinct from old.centre_id
            or not on_caseload(old.status, old.arm))
       and not is_working_nurse(new.nurse_id, new.centre_id)
    then
        raise exception 'patient % cannot be given to user %', new.id, new.nurse_id
            using errcode = 'check_violation', constraint = 'nurse_not_working';
    end if;
    return new;
end
$$;

create trigger patients_nurse_can_work before insert or update of nurse_id, centre_id, status, arm
    on patients for each row execute function patients_nurse_can_work();

-- A booking is made only with an active nurse of the patient's centre.
create function appointments_nurse_can_work() returns trigger
language plpgsql as $$
begin
    if new.status = 'scheduled'
       and (tg_op = 'INSERT' or new.nurse_id is distinct from old.nurse_id or old.status <> 'scheduled')
       and not is_working_nurse(new.nurse_id, (select p.centre_id from patients p where p.id = new.patient_id))
    then
        raise exception 'appointment cannot be booked with user %', new.nurse_id
            using errcode = 'check_violation', constraint = 'nurse_not_working';
    end if;
    return new;
end
$$;

create trigger appointments_nurse_can_work before insert or update of nurse_id, status
    on appointments for each row execute function appointments_nurse_can_work();

-- Attempts in a row without reaching the patient at `moment`: calls since the last call that
-- reached them and since the open course started. One definition for the net and for the
-- letter and GP message of the reachability protocol.
create function failed_attempts(patient bigint, moment timestamptz)
returns table (n bigint, first_at timestamptz)
language sql stable as $$
    select count(*), min(x.called_at)
      from calls x
     where x.patient_id = patient and x.outcome <> 'reached' and x.called_at <= moment
       and x.called_at >= coalesce((select co.start_date::timestamp at time zone c.timezone
                                      from courses co join patients p on p.id = co.patient_id
                                      join centres c on c.id = p.centre_id
                                     where co.patient_id = patient and co.end_date is null
                                     order by co.start_date desc limit 1), '-infinity')
       and x.called_at > coalesce((select max(r.called_at) from calls r
                                    where r.patient_id = patient and r.outcome = 'reached'
                                      and r.called_at <= moment), '-infinity')
$$;

-- Every safety net at the instant `moment`: one row per patient and net, with the centre, the
-- responsible nurse and the date (in the centre's zone) since which the patient is caught.
-- An inlinable SQL function, so a filter on the centre, nurse or patient reaches every branch.
--
--   no_call_booked     active, no call booked at all, and no ending planned
--   ending_planned     active, no call booked, "the course is to end" decided but not done
--   call_overdue       a booked call from a day before today that is still open
--                      (more than the centre's `overdue_after_days` days ago)
--   failed_attempts    the centre's `failed_attempts_limit` attempts in a row without reaching
--                      the patient, since the last call that did and the open course's start
--   call_too_far       the next booked call is more than `longest_gap_days` days after the
--                      later of the last call (or the course start) and the day it was booked
--   past_six_months    the course has run six months, no ending planned, no reason to continue
--   past_nine_months   the course has run nine months with no stated reason
--   nurse_cannot_work  on the way in or in a course, and the responsible nurse (or the nurse of
--                      a booked contact) is not an active nurse of the patient's centre
--
-- People in the effect study's control group are never coached and never caught.
create function safety_nets(moment timestamptz)
returns table (centre_id bigint, net text, patient_id bigint, nurse_id bigint, since date)
language sql stable as $$
with local as not materialized (
    select p.id as patient_id, p.centre_id, p.nurse_id, p.status, c.timezone,
           (moment at time zone c.timezone)::date as today,
           c.overdue_after_days, c.failed_attempts_limit, c.longest_gap_days,
           co.id as course_id, co.start_date, co.ending_planned, co.ending_planned_at,
           length(trim(coalesce(co.extension_reason, ''))) > 0 as continued
      from patients p
      join centres c on c.id = p.centre_id
      left join lateral (select co.* from courses co
                          where co.patient_id = p.id and co.end_date is null
                          order by co.start_date desc limit 1) co on true
     where p.status = 'active' and p.arm is distinct from 'control'
),
last_call as not materialized (
    select l.*, (select max(k.called_at) from calls k where k.patient_id = l.patient_id and k.called_at <= moment)
                as last_called_at,
           exists (select 1 from appointments a where a.patient_id = l.patient_id and a.kind = 'call'
                    and a.status = 'scheduled') as booked
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
 cross join lateral failed_attempts(l.patient_id, moment) f
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
        or exists (select 1 from appointments a join users u on u.id = a.nurse_id
                    where a.patient_id = p.id and a.status = 'scheduled'
                      and not (u.role = 'nurse' and u.active and u.centre_id = p.centre_id)))
$$;

-- The nets are read on every coordinator page; the old view goes, so nothing reads a second
-- definition, and so do the helper it alone used and the per-day failure count.
drop view safety_net_entries;
drop function working_days_after(date, date);
drop function failed_call_days(bigint, text);

create index if not exists courses_patient_idx on courses (patient_id);


-- The safety nets are kept, per patient and net, as the day from which the patient is caught,
-- so that a centre's nets (the centre page, the nurses, the safety-net page, the badge) are an
-- index range instead of a pass over every active patient (50,000 for a centre at ten times
-- the programme), and a nurse's nets (Today, My patients) one index read instead of the whole
-- definition evaluated once per patient.
--
-- Nothing about a net depends on the time except a comparison of a date with today: a booked
-- call is overdue from the day after its day plus the centre's days, six and nine months from
-- the course's start, and every other net from the moment its state holds. So each net of a
-- patient is written as (since, from_day): the date shown, and the first day (in the centre's
-- zone) on which it applies; '-infinity' when it applies as things stand. `safety_net_days_of`
-- is the one definition (the same rules as `20261202000001_safety_nets_one_pass.sql`, with the
-- comparison with today taken out); `safety_nets(moment)` reads what is kept on the day of
-- `moment`. The nets are those of the records as they stand: a moment before a call that is
-- already logged no longer sees the patient as he was before it.
--
-- The kept rows are recomputed (never edited) for every patient a statement touches, in the
-- same transaction, by the owner of the table (the application role may only read it):
--   calls, appointments      through `refresh_course_counters`, after the course's own counts
--   courses                  a course opened, ended, continued, or its ending planned
--   patients                 status, arm, nurse or centre changed; a patient added (each only
--                            where `may_be_in_a_net`)
--   centres                  zone or thresholds changed: every patient of the centre
--   users                    a nurse stops, changes role or centre: her patients and bookings
-- Each recomputation first locks the open course (as the course's counts do) or, without one,
-- the patient, so of two transactions writing for one patient the second waits and then sees
-- the first's rows. `tests/it/course_counters.rs` compares the kept rows with the definition
-- after every kind of write.

create table safety_net_days (
    patient_id  bigint not null references patients (id) on delete cascade,
    net         text not null,
    centre_id   bigint not null,
    nurse_id    bigint,
    -- The date the page shows; null: the day asked about (a state with no date of its own).
    since       date,
    -- The first day the patient is caught in the net; '-infinity': already.
    from_day    date not null,
    primary key (patient_id, net)
);
create index safety_net_days_centre_idx on safety_net_days (centre_id, from_day);
create index safety_net_days_nurse_idx on safety_net_days (nurse_id, from_day);

insert into app_role_rules (table_name, rule) values ('safety_net_days', 'read_only')
    on conflict (table_name) do nothing;

-- The nets of `ids`, each with the day from which it applies.
--
--   no_call_booked    active, no call booked at all, and no ending planned
--   ending_planned    active, no call booked, "the course is to end" decided but not done
--   call_overdue      a booked call whose day lies more than the centre's days before today
--   failed_attempts   the centre's limit of attempts in a row without reaching the patient,
--                     since the last call that did and the open course's start
--   call_too_far      the earliest booked call lies more than the centre's longest gap after
--                     the last call (or the course's start, or the day it was booked)
--   past_six_months   six months since the course started, no ending planned, not continued
--   past_nine_months  nine months since the course started, not continued
--   nurse_cannot_work the patient on a caseload is held by nobody, or by someone who is not an
--                     active nurse of the centre; or a booked contact is
create function safety_net_days_of(ids bigint[])
returns table (patient_id bigint, centre_id bigint, nurse_id bigint, net text, since date, from_day date)
language sql stable as $$
with local as (
    select p.id as patient_id, p.centre_id, p.nurse_id, c.timezone,
           c.overdue_after_days, c.failed_attempts_limit, c.longest_gap_days,
           co.id as course_id, co.start_date, co.ending_planned, co.ending_planned_at,
           length(trim(coalesce(co.extension_reason, ''))) > 0 as continued,
           co.failed_in_row, (co.next_call_at at time zone c.timezone)::date as next_call_day,
           (case when co.id is not null then co.last_call_at
                 else (select max(k.called_at) from calls k where k.patient_id = p.id) end
            at time zone c.timezone)::date as last_call_day,
           case when co.id is not null then co.next_call_at is not null
                else exists (select 1 from appointments a where a.patient_id = p.id and a.kind = 'call'
                                                            and a.status = 'scheduled') end as booked
      from patients p
      join centres c on c.id = p.centre_id
      -- At most one open course per patient (`courses_one_open_per_patient`): a plain join.
      left join courses co on co.patient_id = p.id and co.end_date is null
     where p.id = any(ids) and p.status = 'active' and p.arm is distinct from 'control'
),
nets as (
    select l.patient_id, l.centre_id, l.nurse_id,
     not l.booked and not coalesce(l.ending_planned, false) as no_call_booked,
     coalesce(l.last_call_day, l.start_date) as no_call_booked_since,
     not l.booked and l.ending_planned as ending_planned,
     coalesce((l.ending_planned_at at time zone l.timezone)::date, l.last_call_day) as ending_planned_since,
     -- The earliest booked call's day: overdue from the day after it plus the centre's days.
     case when l.course_id is null
          then (select min((a.starts_at at time zone l.timezone)::date) from appointments a
                 where a.patient_id = l.patient_id and a.kind = 'call' and a.status = 'scheduled')
          else l.next_call_day end as call_overdue_since,
     l.overdue_after_days,
     -- The open course keeps the attempts in a row: only the patients it puts at the limit are
     -- counted again, for the day the run began.
     case when l.course_id is null or l.failed_in_row >= l.failed_attempts_limit
          then (select (f.first_at at time zone l.timezone)::date from failed_attempts(l.patient_id, 'infinity') f
                 where f.n >= l.failed_attempts_limit) end as failed_attempts_since,
     case when l.course_id is null
               or l.next_call_day > coalesce(l.last_call_day, l.start_date) + l.longest_gap_days
          then (select x.base + l.longest_gap_days
                  from (select greatest(coalesce(l.last_call_day, l.start_date),
                                        (a.created_at at time zone l.timezone)::date) as base,
                               (a.starts_at at time zone l.timezone)::date as day
                          from appointments a
                         where a.patient_id = l.patient_id and a.kind = 'call' and a.status = 'scheduled'
                         order by a.starts_at limit 1) x
                 where x.day > x.base + l.longest_gap_days) end as call_too_far_since,
     case when not l.ending_planned and not l.continued
          then (l.start_date + interval '6 months')::date end as past_six_months_since,
     case when not l.continued
          then (l.start_date + interval '9 months')::date end as past_nine_months_since
      from local l
)
select n.patient_id, n.centre_id, n.nurse_id, u.net, u.since, u.from_day
  from nets n
 cross join lateral (values
     ('no_call_booked', n.no_call_booked_since, case when n.no_call_booked then '-infinity'::date end),
     ('ending_planned', n.ending_planned_since, case when n.ending_planned then '-infinity'::date end),
     ('call_overdue', n.call_overdue_since, n.call_overdue_since + n.overdue_after_days + 1),
     ('failed_attempts', n.failed_attempts_since,
      case when n.failed_attempts_since is not null then '-infinity'::date end),
     ('call_too_far', n.call_too_far_since, case when n.call_too_far_since is not null then '-infinity'::date end),
     ('past_six_months', n.past_six_months_since, n.past_six_months_since),
     ('past_nine_months', n.past_nine_months_since, n.past_nine_months_since)) u (net, since, from_day)
 where u.from_day is not null
union all
select p.id, p.centre_id, p.nurse_id, 'nurse_cannot_work', null::date, '-infinity'::date
  from patients p
  left join users u on u.id = p.nurse_id and u.role = 'nurse' and u.active and u.centre_id = p.centre_id
 where p.id = any(ids) and on_caseload(p.status, p.arm)
   and ((p.nurse_id is null and p.status <> 'invited') or (p.nurse_id is not null and u.id is null))
union all
select distinct p.id, p.centre_id, p.nurse_id, 'nurse_cannot_work', null::date, '-infinity'::date
  from patients p
  join appointments a on a.patient_id = p.id
  left join users u on u.id = p.nurse_id and u.role = 'nurse' and u.active and u.centre_id = p.centre_id
  left join users w on w.id = a.nurse_id and w.role = 'nurse' and w.active and w.centre_id = p.centre_id
 where p.id = any(ids) and a.status = 'scheduled' and w.id is null and on_caseload(p.status, p.arm)
   and not ((p.nurse_id is null and p.status <> 'invited') or (p.nurse_id is not null and u.id is null))
$$;

-- Every safety net on the day of `moment` (in each centre's zone): one row per patient and net,
-- with the centre, the responsible nurse and the date since which the patient is caught. An
-- inlinable SQL function: a filter on the centre, nurse or patient reaches the kept rows' index.
create or replace function safety_nets(moment timestamptz)
returns table (centre_id bigint, net text, patient_id bigint, nurse_id bigint, since date)
language sql stable as $$
select d.centre_id, d.net, d.patient_id, d.nurse_id, coalesce(d.since, (moment at time zone c.timezone)::date)
  from centres c
  join safety_net_days d on d.centre_id = c.id and d.from_day <= (moment at time zone c.timezone)::date
$$;

-- Whether a patient in this state may be in a net by the state alone: a wider condition than
-- the definition (it decides nothing), so that a statement touching many patients who cannot
-- be in any net (an import's invited people, a batch randomised) recomputes nothing for them.
create function state_may_be_in_a_net(status text, arm text, nurse bigint) returns boolean
language sql immutable as $$
    select status = 'active' or (on_caseload(status, arm) and (nurse is not null or status <> 'invited'))
$$;

-- The same for a patient already written: also when a contact is booked with him (the nurse of
-- a booking may be one who cannot work) or he is kept in a net now.
create function may_be_in_a_net(patient bigint, status text, arm text, nurse bigint) returns boolean
language sql stable as $$
    select state_may_be_in_a_net(status, arm, nurse)
        or (on_caseload(status, arm)
            and exists (select 1 from appointments a where a.patient_id = patient and a.status = 'scheduled'))
        or exists (select 1 from safety_net_days d where d.patient_id = patient)
$$;

-- Recomputes the kept nets of `ids`. Runs as the table's owner: the application role reads
-- the nets and never writes them.
create function refresh_safety_net_days(ids bigint[]) returns void
language plpgsql volatile security definer set search_path = public, pg_temp as $$
begin
    if cardinality(ids) = 0 then
        return;
    end if;
    perform 1 from courses c where c.patient_id = any(ids) and c.end_date is null
        order by c.id for no key update;
    perform 1 from patients p
     where p.id = any(ids) and not exists (select 1 from courses c where c.patient_id = p.id and c.end_date is null)
     order by p.id for no key update;
    delete from safety_net_days d where d.patient_id = any(ids);
    insert into safety_net_days (patient_id, centre_id, nurse_id, net, since, from_day)
    select s.patient_id, s.centre_id, s.nurse_id, s.net, s.since, s.from_day from safety_net_days_of(ids) s;
end
$$;
revoke execute on function refresh_safety_net_days(bigint[]) from public;
grant execute on function refresh_safety_net_days(bigint[]) to coachline_app;

-- Calls and bookings: the course's counts first (the nets read them), then the nets, for every
-- patient of the statement, with or without an open course.
create or replace function refresh_course_counters(patient_ids bigint[]) returns void
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
    perform refresh_safety_net_days(patient_ids);
end
$$;

-- A course opened, ended, continued, moved in time, or its ending planned or withdrawn.
create function courses_refresh_safety_net_days() returns trigger
language plpgsql as $$
begin
    perform refresh_safety_net_days(array[new.patient_id]);
    return null;
end
$$;
create trigger courses_refresh_safety_net_days
    after update of start_date, end_date, ending_planned, ending_planned_at, extension_reason on courses
    for each row execute function courses_refresh_safety_net_days();

-- A patient added to a caseload, or whose status, arm, nurse or centre changed. An invited
-- patient without a nurse and without a booking (each patient an import adds, each person a
-- randomisation gives an arm) is in no net and is passed over.
create function patients_refresh_safety_net_days() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        -- A new patient has no booking and no kept net yet: only the state decides.
        perform refresh_safety_net_days(array(
            select n.id from new_rows n where state_may_be_in_a_net(n.status, n.arm, n.nurse_id)));
    else
        perform refresh_safety_net_days(array(
            select n.id from new_rows n join old_rows o on o.id = n.id
             where (n.status, n.arm, n.nurse_id, n.centre_id) is distinct from (o.status, o.arm, o.nurse_id, o.centre_id)
               and may_be_in_a_net(n.id, n.status, n.arm, n.nurse_id)));
    end if;
    return null;
end
$$;
create trigger patients_safety_net_days_insert after insert on patients
    referencing new table as new_rows
    for each statement execute function patients_refresh_safety_net_days();
create trigger patients_safety_net_days_update after update on patients
    referencing new table as new_rows old table as old_rows
    for each statement execute function patients_refresh_safety_net_days();

-- A centre's zone or thresholds: every patient of the centre who can be in a net.
create function centres_refresh_safety_net_days() returns trigger
language plpgsql as $$
begin
    perform refresh_safety_net_days(array(
        select p.id from patients p where p.centre_id = new.id
           and may_be_in_a_net(p.id, p.status, p.arm, p.nurse_id)));
    return null;
end
$$;
create trigger centres_refresh_safety_net_days
    after update of timezone, overdue_after_days, failed_attempts_limit, longest_gap_days on centres
    for each row execute function centres_refresh_safety_net_days();

-- A nurse who stops, changes role or moves centre: the patients she holds and those she has a
-- booking with (the database refuses most of these while she holds anyone; the net is for
-- what gets round it).
create function users_refresh_safety_net_days() returns trigger
language plpgsql as $$
begin
    perform refresh_safety_net_days(array(
        select p.id from patients p where p.nurse_id = new.id
        union
        select a.patient_id from appointments a where a.nurse_id = new.id and a.status = 'scheduled'));
    return null;
end
$$;
create trigger users_refresh_safety_net_days
    after update of active, role, centre_id on users
    for each row execute function users_refresh_safety_net_days();

-- The nets of every patient there is, as the definition gives them.
select refresh_safety_net_days(array(
    select p.id from patients p where may_be_in_a_net(p.id, p.status, p.arm, p.nurse_id)));

analyze safety_net_days;

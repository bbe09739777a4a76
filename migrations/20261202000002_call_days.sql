-- Calls per centre, nurse and day, kept in the same statement as the calls they count, so the
-- overview's weeks and the centre page's "calls this week" read a few hundred rows instead of
-- every call of the period (350,000 for a centre in twelve weeks at ten times the programme).
-- Calls are append-only, so an insert is the only write that changes a count; each statement
-- adds what it inserted. The day is the call's day in the patient's centre's zone (a patient
-- never changes centre); a centre that changes zone has its days counted again.
--
--   calls            every call (attempt) of the centre's patients by the nurse on that day
--   reached          those that reached the patient
--   reached_minutes  the length of those that reached the patient

create table call_days (
    centre_id        bigint not null references centres (id),
    nurse_id         bigint not null references users (id),
    day              date not null,
    calls            integer not null default 0,
    reached          integer not null default 0,
    reached_minutes  bigint not null default 0,
    primary key (centre_id, day, nurse_id)
);

-- The rows of one nurse's week.
create index call_days_nurse_idx on call_days (nurse_id, day);

-- Adds the calls of `changed` (rows shaped as `calls`) to their days. One row per nurse and
-- day: nurses logging calls at the same moment never wait for each other.
create function call_days_add() returns trigger
language plpgsql as $$
begin
    insert into call_days as d (centre_id, nurse_id, day, calls, reached, reached_minutes)
    select p.centre_id, x.nurse_id, (x.called_at at time zone c.timezone)::date,
           count(*), count(*) filter (where x.outcome = 'reached'),
           coalesce(sum(x.duration_minutes) filter (where x.outcome = 'reached'), 0)
      from changed x
      join patients p on p.id = x.patient_id
      join centres c on c.id = p.centre_id
     group by 1, 2, 3
     order by 1, 2, 3
        on conflict (centre_id, day, nurse_id) do update
       set calls = d.calls + excluded.calls,
           reached = d.reached + excluded.reached,
           reached_minutes = d.reached_minutes + excluded.reached_minutes;
    return null;
end
$$;

create trigger calls_count_days after insert on calls
    referencing new table as changed
    for each statement execute function call_days_add();

-- Counts a centre's days again from its calls (after a change of zone): every row of the
-- centre is set from the calls, rows without calls left at zero.
create function call_days_recount(centre bigint) returns void
language plpgsql as $$
begin
    update call_days set calls = 0, reached = 0, reached_minutes = 0 where centre_id = centre;
    insert into call_days as d (centre_id, nurse_id, day, calls, reached, reached_minutes)
    select p.centre_id, x.nurse_id, (x.called_at at time zone c.timezone)::date,
           count(*), count(*) filter (where x.outcome = 'reached'),
           coalesce(sum(x.duration_minutes) filter (where x.outcome = 'reached'), 0)
      from calls x
      join patients p on p.id = x.patient_id
      join centres c on c.id = p.centre_id
     where p.centre_id = centre
     group by 1, 2, 3
        on conflict (centre_id, day, nurse_id) do update
       set calls = excluded.calls, reached = excluded.reached, reached_minutes = excluded.reached_minutes;
end
$$;

create function centres_recount_call_days() returns trigger
language plpgsql as $$
begin
    perform call_days_recount(new.id);
    return null;
end
$$;

create trigger centres_recount_call_days after update of timezone on centres
    for each row when (old.timezone is distinct from new.timezone)
    execute function centres_recount_call_days();

-- The calls made so far.
select call_days_recount(id) from centres;

-- Consent is a clinical statement with a history: to the course, to be interviewed about the
-- experience, and to the use of the patient's data for research. Each is given or withdrawn
-- on a clinical date (the day the patient said so), recorded by someone at some time; a change
-- is a new event and the earlier ones stay. The consent that holds on a day is the latest event
-- of its kind dated up to that day (`consent_as_of`), the one definition every page and the
-- export read.
create table consent_events (
    id           bigserial primary key,
    course_id    bigint not null references courses (id),
    kind         text not null check (kind in ('course', 'interview', 'research')),
    given        boolean not null,
    -- The clinical date: the day the patient gave or withdrew the consent.
    consent_on   date not null,
    recorded_by  bigint references users (id),
    recorded_at  timestamptz not null default now(),
    -- No consent is dated after the day it was recorded.
    constraint consent_events_not_in_future
        check (consent_on <= (recorded_at at time zone 'Europe/Copenhagen')::date)
);
create index consent_events_course_idx on consent_events (course_id, kind, consent_on, id);

create trigger consent_events_append_only before update or delete on consent_events
    for each row execute function refuse_change();
create trigger consent_events_no_truncate before truncate on consent_events
    for each statement execute function refuse_change();

-- The consents the initial meeting recorded on the course move here, dated the day they were
-- recorded (the meeting's outcome is recorded on the day of the meeting).
insert into consent_events (course_id, kind, given, consent_on, recorded_by, recorded_at)
select id, 'course', consent_course,
       (consent_recorded_at at time zone 'Europe/Copenhagen')::date,
       consent_recorded_by, consent_recorded_at
  from courses where consent_course is not null and consent_recorded_at is not null
union all
select id, 'interview', consent_interview,
       (consent_recorded_at at time zone 'Europe/Copenhagen')::date,
       consent_recorded_by, consent_recorded_at
  from courses where consent_interview is not null and consent_recorded_at is not null;
alter table courses
    drop column consent_course,
    drop column consent_interview,
    drop column consent_recorded_by,
    drop column consent_recorded_at;

-- Each course's consent of each kind as it stands on `asof`: the latest event dated up to
-- that day (by clinical date, then by the order recorded). A kind never recorded has no row.
create function consent_as_of(asof date)
returns table (course_id bigint, kind text, given boolean, consent_on date,
               recorded_by bigint, recorded_at timestamptz)
language sql stable as $$
    select distinct on (e.course_id, e.kind)
           e.course_id, e.kind, e.given, e.consent_on, e.recorded_by, e.recorded_at
      from consent_events e
     where e.consent_on <= asof
     order by e.course_id, e.kind, e.consent_on desc, e.id desc
$$;

insert into app_role_rules (table_name, rule) values ('consent_events', 'append_only')
on conflict (table_name) do update set rule = excluded.rule;
select app_role_grants();

-- The effect study's outcomes for both arms: the study's follow-up points counted from
-- randomisation, a research assistant who asks the people no nurse asks (the control arm, and
-- intervention people outside a course), one result per person and point (a correction is an
-- amendment that keeps the original), and one answer per questionnaire and course timepoint.

-- A research assistant belongs to one call centre (the existing centre rule says so for every
-- role but admin and researcher) and sees only the randomised people of it no nurse follows.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check
    check (role in ('admin', 'coordinator', 'nurse', 'researcher', 'research_assistant'));

-- The study's follow-up points: due `months` after randomisation, answered within the window
-- from `days_before` before to `days_after` after. Configurable as data: a row more (or one
-- made inactive) changes the schedule, the assistant's list, the export and the flow.
create table study_timepoints (
    code         text primary key check (code ~ '^[a-z0-9_]+$'),
    months       integer not null check (months between 0 and 120),
    days_before  integer not null default 0 check (days_before between 0 and 366),
    days_after   integer not null check (days_after between 0 and 366),
    label_da     text not null check (length(trim(label_da)) > 0),
    label_en     text not null check (length(trim(label_en)) > 0),
    position     integer not null unique,
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);
create trigger study_timepoints_touch_updated_at before update on study_timepoints
    for each row execute function touch_updated_at();
insert into study_timepoints (code, months, days_before, days_after, label_da, label_en, position) values
    ('baseline', 0, 0, 60, 'Baseline', 'Baseline', 1),
    ('month3', 3, 30, 30, '3 måneder', '3 months', 2),
    ('month6', 6, 30, 30, '6 måneder', '6 months', 3),
    ('month12', 12, 30, 45, '12 måneder', '12 months', 4);

-- The day a person was randomised: the day their randomised list was confirmed (their
-- invitation day when no randomised batch is known), in their centre's zone.
create function randomised_on(patient bigint) returns date
language sql stable as $$
    select (coalesce(b.created_at, p.created_at) at time zone c.timezone)::date
      from patients p
      join centres c on c.id = p.centre_id
      left join import_batches b on b.id = p.batch_id and b.random_seed is not null
     where p.id = patient and p.arm is not null
$$;

-- The result of one follow-up point for one randomised person: answered (the questionnaires
-- hang from it), not reached or declined. Recorded once; a correction is a new row that
-- amends the original, with a reason, and the latest row counts.
create table follow_ups (
    id           bigserial primary key,
    patient_id   bigint not null references patients (id),
    timepoint    text not null references study_timepoints (code),
    result       text not null check (result in ('answered', 'not_reached', 'declined')),
    on_date      date not null,
    mode         text check (mode in ('phone', 'paper')),
    amends       bigint references follow_ups (id),
    reason       text,
    recorded_by  bigint references users (id),
    created_at   timestamptz not null default now(),
    check ((amends is null) = (reason is null)),
    check (amends is null or length(trim(reason)) > 0),
    check ((result = 'answered') = (mode is not null))
);
create unique index follow_ups_one_per_timepoint on follow_ups (patient_id, timepoint) where amends is null;
create index follow_ups_amends_idx on follow_ups (amends) where amends is not null;

-- Only randomised people are followed up, and an amendment corrects the original of the same
-- person and point (never another amendment).
create function follow_ups_consistent() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from patients where id = new.patient_id and arm is not null) then
        raise exception 'only randomised people are followed up'
            using errcode = 'check_violation', constraint = 'follow_ups_randomised';
    end if;
    if new.amends is not null and not exists (
        select 1 from follow_ups o
         where o.id = new.amends and o.amends is null
           and o.patient_id = new.patient_id and o.timepoint = new.timepoint) then
        raise exception 'an amendment corrects the original of the same person and point'
            using errcode = 'check_violation', constraint = 'follow_ups_amends_original';
    end if;
    return new;
end;
$$;
create trigger follow_ups_consistent before insert on follow_ups
    for each row execute function follow_ups_consistent();
create trigger follow_ups_append_only before update or delete on follow_ups
    for each row execute function refuse_change();
create trigger follow_ups_no_truncate before truncate on follow_ups
    for each statement execute function refuse_change();

-- Answers given at a follow-up point hang from it and have no course. A correction of a
-- course's answers is a new response that amends the original, which stays.
alter table questionnaire_responses drop constraint questionnaire_responses_timepoint_check;
alter table questionnaire_responses
    alter column course_id drop not null,
    add column follow_up_id bigint references follow_ups (id),
    add column amends bigint references questionnaire_responses (id),
    add column amend_reason text,
    add constraint questionnaire_responses_timepoint_check
        check (timepoint in ('start', 'month3', 'end', 'other', 'follow_up')),
    add constraint questionnaire_responses_course_or_follow_up
        check ((course_id is null) <> (follow_up_id is null)),
    add constraint questionnaire_responses_follow_up_timepoint
        check ((follow_up_id is null) = (timepoint <> 'follow_up')),
    add constraint questionnaire_responses_amend_reason
        check ((amends is null) = (amend_reason is null)
               and (amends is null or length(trim(amend_reason)) > 0));
create index questionnaire_responses_follow_up_idx on questionnaire_responses (follow_up_id)
    where follow_up_id is not null;

-- Answers given twice for one course timepoint before this rule: the later ones become
-- corrections of the first, so both values stay and one counts. The owner lifts the
-- append-only trigger for this one statement.
alter table questionnaire_responses disable trigger questionnaire_responses_append_only;
update questionnaire_responses r
   set amends = f.first_id,
       amend_reason = 'recorded again for the same timepoint before one answer per timepoint was enforced'
  from (select id, first_value(id) over (partition by course_id, instrument_id, timepoint order by id) as first_id
          from questionnaire_responses where timepoint <> 'other') f
 where r.id = f.id and f.first_id <> r.id;
alter table questionnaire_responses enable trigger questionnaire_responses_append_only;

create unique index questionnaire_responses_one_per_course_timepoint
    on questionnaire_responses (course_id, instrument_id, timepoint)
    where amends is null and course_id is not null and timepoint <> 'other';
create unique index questionnaire_responses_one_per_follow_up
    on questionnaire_responses (follow_up_id, instrument_id) where follow_up_id is not null;

-- Every randomised person's follow-up points on `asof`: when due, the window, and where each
-- stands. A recorded result (its latest correction) counts first; else the first answer a
-- nurse recorded in a course within the window; else the window says whether it is not yet
-- open, open or closed. The assistant's list, the export and the flow all read this one
-- definition.
create function study_schedule(asof date)
returns table (patient_id bigint, timepoint text, ordinal integer, due_on date, window_from date,
               window_to date, state text, on_date date, source text, follow_up_id bigint)
language sql stable as $$
    with r as (
        select p.id, (coalesce(b.created_at, p.created_at) at time zone c.timezone)::date as randomised_on
          from patients p
          join centres c on c.id = p.centre_id
          left join import_batches b on b.id = p.batch_id and b.random_seed is not null
         where p.arm is not null
    )
    select r.id, t.code, t.position, d.due, d.due - t.days_before, d.due + t.days_after,
           coalesce(f.result,
                    case when q.answered_on is not null then 'answered'
                         when asof < d.due - t.days_before then 'not_yet_due'
                         when asof <= d.due + t.days_after then 'due'
                         else 'missing' end),
           coalesce(f.on_date, q.answered_on),
           case when f.id is not null then 'follow_up' when q.answered_on is not null then 'course' end,
           f.id
      from r
     cross join study_timepoints t
     cross join lateral (select (r.randomised_on + make_interval(months => t.months))::date as due) d
      left join lateral (
          select x.id, x.result, x.on_date from follow_ups x
           where x.patient_id = r.id and x.timepoint = t.code
           order by x.id desc limit 1) f on true
      left join lateral (
          select min(y.answered_on) as answered_on from questionnaire_responses y
           where y.patient_id = r.id and y.course_id is not null
             and y.answered_on between d.due - t.days_before and d.due + t.days_after) q on true
     where t.active
$$;

insert into app_role_rules (table_name, rule) values ('follow_ups', 'append_only')
on conflict (table_name) do update set rule = excluded.rule;
select app_role_grants();
